"""A second, long-lived service process for the model-based search test.

Reads one JSON command a line from stdin and answers one JSON line: {"op": "search", "q": ...}
searches every page as the API does; {"op": "save", ...} saves an item as an editor would
(app.search.sync's drainer takes it into the index in the background); {"op": "idle"} waits
for that drainer. It uses the data folder and database of
its environment (KENNISBANK_DATA_DIR, KENNISBANK_DATABASE_URL), as a second worker would.
"""

import json
import sys

from app.db import get_engine, session_scope
from app.search import service as search_service
from app.search import sync
from tests.search import model_ops


def main() -> None:
    sync.install()
    engine = get_engine()
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "idle":
            answer = {"idle": sync.drainer.wait_idle(30)}
        elif command["op"] == "search":
            answer = model_ops.search_all_pages(engine, sync.get_index(), command["q"])
        else:
            with session_scope() as session:
                answer = model_ops.save(session, command)
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    assert search_service  # the worker searches through the service, as a request does
    main()

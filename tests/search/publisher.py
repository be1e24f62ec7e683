"""Run as a separate process by test_two_processes.

publish NAME N START: publish N new items, one transaction each.
edit NAME N START: save the shared item 'gedeeld' N times, retrying when the other process
was first (optimistic locking). Prints the time of its first and last commit.
"""

import sys
import time
from pathlib import Path

from sqlmodel import select

from app.accounts import service as accounts_service
from app.db import session_scope
from app.search import sync
from app.wiki import service as wiki_service
from app.wiki.models import Item, ItemIn, ItemUpdateIn

mode, name, count, start_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
sync.install()
while not start_file.exists():  # start together with the other process
    time.sleep(0.01)
first = last = 0.0
done = 0
while done < count:
    try:
        with session_scope() as session:
            editor = accounts_service.get_user_by_email(session, "kwaliteit@example.org")
            if mode == "publish":
                data = ItemIn.model_validate({
                    "title": f"Publicatie {name} {done}", "summary": f"Nummer {done} van proces {name}.",
                    "dossier_meaning": "Test.", "theme": "thema", "status": "published",
                    "slug": f"{name}-{done}",
                })
                wiki_service.create_item(session, data, editor)
            else:
                item = session.exec(select(Item).where(Item.slug == "gedeeld")).one()
                data = ItemUpdateIn.model_validate({
                    "title": f"Gedeeld, door {name} ({done})", "summary": "S.", "dossier_meaning": "D.",
                    "theme": "thema", "status": "published", "version": item.version,
                })
                wiki_service.update_item(session, item, data, editor)
    except wiki_service.StaleVersion:
        continue  # the other process saved first: read again and retry
    last = time.time()
    first = first or last
    done += 1
    time.sleep(0.05)  # pace the writers so that their work overlaps, whatever the scheduler does
print(f"{first} {last}")

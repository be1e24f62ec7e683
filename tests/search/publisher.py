"""Run as a separate process by test_two_processes: publish N items, one transaction each."""

import sys
import time
from pathlib import Path

from app.accounts import service as accounts_service
from app.db import session_scope
from app.search import sync
from app.wiki import service as wiki_service
from app.wiki.models import ItemIn

name, count, start_file = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
sync.install()
while not start_file.exists():  # start together with the other process
    time.sleep(0.01)
for n in range(count):
    with session_scope() as session:
        editor = accounts_service.get_user_by_email(session, "kwaliteit@example.org")
        data = ItemIn.model_validate({
            "title": f"Publicatie {name} {n}", "summary": f"Nummer {n} van proces {name}.",
            "dossier_meaning": "Test.", "theme": "thema", "status": "published",
            "slug": f"{name}-{n}",
        })
        wiki_service.create_item(session, data, editor)
print("klaar", name)

"""/werk: Kwaliteit's worklist."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import clock
from app.web.deps import Editor, SessionDep
from app.web.templating import render
from app.work import service

router = APIRouter(include_in_schema=False)


@router.get("/werk")
def worklist_page(request: Request, session: SessionDep, user: Editor) -> Response:
    today = clock.today()
    return render(request, "worklist.html", {"work": service.worklist(session, user, today), "today": today})

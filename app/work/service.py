"""Kwaliteit's worklist (/werk): everything that waits for Kwaliteit in one place, each with
its action. Read from the domains that own it; nothing of its own is stored."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from app.accounts.models import User
from app.inbox import service as inbox_service
from app.questions import service as questions_service
from app.questions.models import Question
from app.search import service as search_service
from app.wiki import service as wiki_service
from app.wiki.models import Item, ItemStatus, Theme


@dataclass
class Draft:
    item: Item
    theme: Theme
    question: Question | None  # the question it was made from, if any


@dataclass
class Worklist:
    drafts: list[Draft]
    reviews: list[wiki_service.ReviewEntry]
    open_questions: list[Question]
    open_question_total: int
    gaps: list[search_service.QueryCount]
    month: date
    inbox: int = 0  # entries waiting in the bronnen-inbox

    @property
    def empty(self) -> bool:
        return not (self.drafts or self.reviews or self.open_questions or self.gaps)

    @property
    def from_questions(self) -> list[Draft]:
        return [d for d in self.drafts if d.question is not None]


def worklist(session: Session, user: User, today: date) -> Worklist:
    drafts, _ = wiki_service.list_items(session, viewer=user, statuses=(ItemStatus.draft,), per_page=100)
    themes = wiki_service.themes_by_id(session)
    made = questions_service.drafts_made(session, {d.id for d in drafts})  # type: ignore[misc]
    questions, total = questions_service.to_answer(session, user, answered=False, limit=10)
    month = today.replace(day=1)
    gaps = search_service.queries_without_results(session, month, limit=10)
    if not gaps and today.day <= 7:  # early in the month: last month's still say what is missing
        last_month = (month - timedelta(days=1)).replace(day=1)
        earlier = search_service.queries_without_results(session, last_month, limit=10)
        if earlier:
            month, gaps = last_month, earlier
    return Worklist(
        drafts=[Draft(d, themes[d.theme_id], made.get(d.id)) for d in drafts],  # type: ignore[arg-type]
        reviews=wiki_service.review_queue(session, today),
        open_questions=questions, open_question_total=total,
        gaps=gaps, month=month, inbox=inbox_service.waiting_count(session),
    )

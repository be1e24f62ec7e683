"""Who may change an action: checked before the request's body, as the role checks are."""

from typing import Annotated

from fastapi import Depends

from app.accounts.models import User
from app.errors import Forbidden
from app.plan import service
from app.web.deps import CurrentUser, SessionDep


def _action_changer(session: SessionDep, user: CurrentUser) -> User:
    if not service.may_change_actions(session, user):
        raise Forbidden("action", "Alleen Kwaliteit of wie de actie doet, past haar aan.")
    return user


ActionChanger = Annotated[User, Depends(_action_changer)]

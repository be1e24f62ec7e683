"""The reminder to an action's owner."""

from datetime import date
from email.message import EmailMessage
from email.utils import formataddr

from app.accounts import mail as accounts_mail
from app.accounts.models import User
from app.config import Settings
from app.plan.models import PlanAction


def compose(settings: Settings, owner: User, action: PlanAction, today: date) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr(("Wiki-bibliotheek", settings.mail_from))
    message["To"] = formataddr((owner.name, owner.email))
    message["Subject"] = f"Herinnering: actie uit het implementatieplan ({action.title[:60]})"
    days = (today - action.due).days if action.due else 0
    message.set_content(
        f"Beste {owner.name},\n\nDeze actie uit het implementatieplan staat op uw naam en had klaar moeten zijn "
        f"op {action.due:%d-%m-%Y} ({days} dag{'en' if days != 1 else ''} geleden):\n\n  {action.title}\n\n"
        f"Is het gedaan? Zet de actie dan op afgerond. Lukt het niet? Spreek een nieuwe datum af met Kwaliteit.\n\n"
        f"{settings.base_url}/plan#actie-{action.id}\n\nU krijgt deze herinnering één keer per datum.\n")
    return message


def send_reminder(settings: Settings, owner: User, action: PlanAction, today: date) -> bool:
    try:
        message = compose(settings, owner, action, today)
    except (ValueError, UnicodeError):
        return False
    return accounts_mail.send(settings, message)

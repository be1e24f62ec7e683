"""Mail with a one-time link (an invitation or a password reset), when SMTP is set up."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr

from app.accounts.manage import LINK_LIFETIME
from app.accounts.models import LinkPurpose, User
from app.config import Settings


def can_send(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def link_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/wachtwoord/{token}"


def compose(settings: Settings, user: User, purpose: LinkPurpose, url: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr(("Wiki-bibliotheek", settings.mail_from))
    message["To"] = formataddr((user.name, user.email))
    if purpose == LinkPurpose.invite:
        message["Subject"] = "Uitnodiging voor de Wiki-bibliotheek"
        intro = (f"U bent uitgenodigd voor de Wiki-bibliotheek van {settings.municipality_name}. "
                 "Kies via deze link uw wachtwoord (de link werkt 7 dagen en één keer):")
    else:
        hours = int(LINK_LIFETIME[LinkPurpose.reset].total_seconds() // 3600)
        message["Subject"] = "Nieuw wachtwoord voor de Wiki-bibliotheek"
        intro = (f"Via deze link kiest u een nieuw wachtwoord (de link werkt {hours} uur en één keer):")
    message.set_content(f"Beste {user.name},\n\n{intro}\n\n{url}\n\nUw e-mailadres om in te loggen: "
                        f"{user.email}\n\nHeeft u hier niet om gevraagd? Dan kunt u deze mail negeren.\n")
    return message


def compose_and_send(settings: Settings, user: User, purpose: LinkPurpose, url: str) -> bool:
    """Write and send the link's mail; False when it could not go (the beheerder then passes
    the link on): also when the address or name cannot be written in a mail header."""
    try:
        message = compose(settings, user, purpose, url)
    except (ValueError, UnicodeError):
        return False
    return send(settings, message)


def send(settings: Settings, message: EmailMessage) -> bool:
    """Send the mail; False when the mail server could not be reached or refused it (the link
    stays valid: the beheerder then passes it on)."""
    try:
        _send(settings, message)
    except (OSError, smtplib.SMTPException, ValueError, UnicodeError):
        return False
    return True


def _send(settings: Settings, message: EmailMessage) -> None:
    if settings.smtp_security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=30,
                                             context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)

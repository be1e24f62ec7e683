"""The shared mailbox over IMAP, against a real IMAP server the test starts (Debian's dovecot,
package dovecot-imapd): newsletters put in with APPEND are read once, left unread for the
people who share the mailbox, and a wrong password is a status people can read."""

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlmodel import select

from app import clock
from app.config import Settings
from app.inbox import mail, service
from app.inbox.models import Entry, Source, SourceKind, SourceState
from tests.conftest import BACKENDS, new_database
from tests.factories import free_port
from tests.inbox.test_inbox import NEWSLETTER

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "nieuwsbrieven@gemeente.example", "geheim-wachtwoord"


@pytest.fixture
def dovecot():  # type: ignore[no-untyped-def]
    if not os.path.exists(DOVECOT):
        if os.environ.get("CI"):
            pytest.fail("dovecot is missing: apt-get install dovecot-imapd (.ci/run does)")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    # Not pytest's tmp_path: its folders are private to root, and dovecot's own processes run
    # as the package's users.
    tmp_path = Path(tempfile.mkdtemp(prefix="kb-dovecot-"))
    tmp_path.chmod(0o755)
    port = free_port()
    home = tmp_path / "home"
    home.mkdir()
    if os.getuid() == 0:  # dovecot gives no mail to root: the package's own user holds it
        owner = pwd.getpwnam("dovecot")
        uid, gid = owner.pw_uid, owner.pw_gid
        os.chown(home, uid, gid)
    else:
        uid, gid = os.getuid(), os.getgid()
    (tmp_path / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    config = tmp_path / "dovecot.conf"
    config.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {tmp_path}/run
state_dir = {tmp_path}/state
log_path = {tmp_path}/dovecot.log
first_valid_uid = 1
first_valid_gid = 1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp_path}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
""")
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (tmp_path / "dovecot.log").read_text() if (tmp_path / "dovecot.log").exists() else ""
                pytest.fail(f"dovecot did not start: {process.stderr.read().decode() if process.stderr else ''} {log}")
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(10)
    shutil.rmtree(tmp_path, ignore_errors=True)


def settings_for(port: int, password: str = PASSWORD) -> Settings:
    return Settings(imap_host="127.0.0.1", imap_port=port, imap_username=USER, imap_password=password,
                    imap_security="none")


def deliver(port: int, raw: bytes) -> None:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(USER, PASSWORD)
    client.append("INBOX", None, None, raw)
    client.logout()


def plain_mail(subject: str, body: str, sender: str = "Nieuwsbrief Landelijk <nieuws@landelijk.example>") -> bytes:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, sender, USER
    message["Message-ID"] = f"<{abs(hash(subject))}@landelijk.example>"
    message.set_content(body)
    return bytes(message)


def unread(port: int) -> int:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(USER, PASSWORD)
    client.select("INBOX", readonly=True)
    _, data = client.search(None, "UNSEEN")
    client.logout()
    return len(data[0].split())


def poll(db, settings: Settings) -> tuple[Source, int]:  # type: ignore[no-untyped-def]
    source = mail.ensure_mailbox(db, settings)
    assert source is not None
    new = service.poll(db, source, settings=settings)
    db.commit()
    return source, new


def test_the_mailbox_is_read_once_and_left_unread(db, dovecot):
    settings = settings_for(dovecot)
    deliver(dovecot, NEWSLETTER.read_bytes())  # two articles
    deliver(dovecot, plain_mail("Wetswijziging Wgs per 1 juli", "De Wgs verandert. Lees de toelichting."))
    source, new = poll(db, settings)
    assert new == 3
    entries = db.exec(select(Entry).order_by(Entry.id)).all()
    assert [e.title for e in entries] == ["Nieuwe normen voor de beslagvrije voet",
                                          "Webinar vroegsignalering voor gemeenten", "Wetswijziging Wgs per 1 juli"]
    senders = {db.get(Source, e.source_id).name for e in entries}
    assert senders == {"Nieuwsbrief Brancheorganisatie", "Nieuwsbrief Landelijk"}
    assert source.kind == SourceKind.imap and "Laatst opgehaald" in service.status_text(source)
    assert unread(dovecot) == 2  # the people who share the mailbox still see them as new

    # A second poll reads nothing again; a new mail is the only new entry.
    clock_now = clock.now() + timedelta(hours=1)
    assert service.poll(db, source, now=clock_now, settings=settings) == 0
    deliver(dovecot, plain_mail("Nieuwe rekenregels", "De rekenregels voor 2027."))
    assert service.poll(db, source, now=clock_now + timedelta(hours=1), settings=settings) == 1
    db.commit()
    assert len(db.exec(select(Entry)).all()) == 4

    # Forget where it was (as after a restore): the same mails again add no double.
    source.etag = ""
    assert service.poll(db, source, now=clock_now + timedelta(hours=2), settings=settings) == 0


def test_a_wrong_password_or_an_absent_server_is_a_status_and_a_back_off(db, dovecot):
    source, new = poll(db, settings_for(dovecot, password="fout"))
    assert new == 0 and source.failures == 1
    assert service.status_text(source).startswith("Fout sinds") and "Inloggen bij de mailbox is mislukt" in source.error
    first_wait = source.next_poll_at - source.last_polled_at
    gone = settings_for(free_port())
    moved = mail.ensure_mailbox(db, gone)
    db.commit()
    db.refresh(source)
    assert source.state == SourceState.gone and "niet meer in de instellingen" in service.status_text(source)
    assert service.poll(db, moved, settings=gone) == 0
    assert "niet bereikbaar" in moved.error and first_wait.total_seconds() > 0
    # Back in the settings (with the right password now): the same source, read again.
    again = mail.ensure_mailbox(db, settings_for(dovecot))
    assert again.id == source.id and again.state == SourceState.active and service.status_text(again) == "Nog niet opgehaald."


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_mailbox_is_polled_by_the_scheduled_job_and_claimed_once(backend, dovecot):
    """The job commits for real: a database of its own, not the suite's shared one."""
    from sqlmodel import Session

    from app import migrate
    from app.inbox import jobs

    engine, _, cleanup = new_database(backend)
    try:
        migrate.upgrade(engine)
        settings = settings_for(dovecot)
        deliver(dovecot, plain_mail("Vakoverleg-stuk over de Wsnp", "Een stuk over de Wsnp."))
        assert jobs.poll_due(engine, settings) == 1
        assert jobs.poll_due(engine, settings) == 0  # not due again yet
        with Session(engine) as session:
            mailbox = session.exec(select(Source).where(Source.kind == SourceKind.imap)).one()
            assert mailbox.last_ok_at is not None and mailbox.next_poll_at > mailbox.last_polled_at
    finally:
        cleanup()  # type: ignore[operator]


def test_a_plain_text_mailbox_elsewhere_than_this_machine_is_refused():
    with pytest.raises(ValueError, match="KENNISBANK_IMAP_SECURITY"):
        Settings(imap_host="mail.example.org", imap_username=USER, imap_password=PASSWORD, imap_security="none")


def test_kwaliteit_sees_the_mailbox_among_the_sources_and_cannot_remove_it_there(client, db, dovecot, monkeypatch):
    from bs4 import BeautifulSoup

    from app.accounts.models import Role
    from tests.factories import login, make_user

    deliver(dovecot, plain_mail("Nieuwsbrief maart", "Tekst zonder links."))
    source, new = poll(db, settings_for(dovecot))
    assert new == 1
    token = login(client, db, make_user(db, Role.kwaliteit))
    page = client.get("/inbox/bronnen")
    assert page.status_code == 200
    card = next(li for li in BeautifulSoup(page.text, "html.parser").select("li.kb-card")
                if li.h2.get_text(strip=True) == source.name)
    buttons = [b.get_text(" ", strip=True).split(":")[0].strip() for b in card.select("button")]
    assert buttons == ["Nu ophalen", "Pauzeren"] and "Laatst opgehaald" in card.get_text()
    refused = client.post(f"/inbox/bronnen/{source.id}", data={"csrf_token": token, "actie": "verwijderen"})
    assert refused.status_code == 422 and "instellingen" in refused.text
    assert db.get(Source, source.id) is not None

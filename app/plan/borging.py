"""The guide's ten signs of borging (part 9 of the implementation plan).

Where the app holds the data it judges a sign itself, live from the records each time (never
stored, so it cannot go stale); the other signs are Kwaliteit's answer (BorgingCheck).

Whether new people find the library is judged from the days they read (usage_day), not from
which items they read: the product keeps no per-item reading record on purpose (data
minimisation, DESIGN.md), because "who read what" says more about a person than the question
needs. And under the under-three rule no figure is counted over fewer than three people.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import User
from app.config import LOCAL_TZ
from app.dates import EARLIEST, local, nl_date
from app.errors import InputError
from app.goals import records as goal_records
from app.goals import service as goals_service
from app.plan.models import BorgingCheck
from app.privacy import shows_figure
from app.textinput import NUL_MESSAGE, has_nul, visible
from app.usage import service as usage_service
from app.wiki import service as wiki_service

SIGNS: tuple[tuple[str, str], ...] = (
    ("werkdruk", "De uitvoerende medewerkers kunnen de interventie ook bij hoge werkdruk uitvoeren"),
    ("kwaliteit", "De kwaliteit van de uitvoering wordt routinematig in kaart gebracht"),
    ("materialen", "De materialen worden structureel onderhouden"),
    ("ondersteuning", "De uitvoerende medewerkers krijgen ondersteuning bij de uitvoering"),
    ("doorontwikkeling", "De interventie wordt op gezette tijden doorontwikkeld"),
    ("nieuwe_medewerkers", "Nieuwe medewerkers krijgen informatie over en scholing in de nieuwe werkwijze"),
    ("financiering", "Structurele, langlopende financiering is geregeld"),
    ("sturing", "De vernieuwing is opgenomen in het managementsturingssysteem en de rapportages"),
    ("jaarverslag", "De opbrengsten van de interventie zijn onderdeel van de jaarlijkse rapportages"),
    ("eigenaar", "Er blijft iemand eigenaar van de vernieuwing"),
)
SIGN_TEXTS = dict(SIGNS)
# Always judged from the records. `nieuwe_medewerkers` is too, but only over three or more new
# people; below that Kwaliteit's answer counts, so it may be recorded.
APP_JUDGED = frozenset({"kwaliteit", "materialen", "ondersteuning", "sturing", "eigenaar"})

MEASURED_WITHIN_DAYS = 7  # a goal snapshot this recent: the goals are being measured
SNAPSHOT_WINDOW_DAYS = 30
REVIEW_KEPT_SHARE = 0.9
NEW_PERSON_DAYS = 90  # an account this young belongs to a new person
FIRST_READ_DAYS = 30  # a new person should have read in the library within this many days
EVIDENCE_MAX = 5000
EXTRA_ACTION_MAX = 500  # BorgingCheck.extra_action


class BorgingError(InputError):
    """An answer to a sign of borging that is refused."""


@dataclass
class Sign:
    key: str
    text: str
    judged_by_app: bool
    met: bool | None  # None: not judged yet ("nog niet beoordeeld")
    source: str | None  # from which records the app judged it, with the numbers
    evidence: str = ""
    checked_on: date | None = None
    checked_by: str | None = None
    extra_action: str = ""
    note: str | None = None  # why the app does not judge a sign it could judge


def _percent(part: int, whole: int) -> int:
    # Rounded down, so that "100%" means all of them.
    return part * 100 // whole if whole else 0


def _measured(session: Session, today: date) -> tuple[bool, date | None, int]:
    """Whether a goal snapshot is recent, the last snapshot day, and on how many of the last 30
    days there was one."""
    last = goals_service.last_snapshot_day(session, today)
    days = goals_service.snapshot_days(session, today - timedelta(days=SNAPSHOT_WINDOW_DAYS - 1), today)
    recent = last is not None and (today - last).days < MEASURED_WITHIN_DAYS
    return recent, last, len(days)


def _kwaliteit(session: Session, today: date) -> tuple[bool, str]:
    recent, last, days = _measured(session, today)
    if last is None:
        return False, "De doelen zijn nog nooit gemeten: er is geen dagelijkse meting van de doelen."
    return recent, (f"De doelen zijn voor het laatst gemeten op {nl_date(last)}; in de laatste "
                    f"{SNAPSHOT_WINDOW_DAYS} dagen op {days} {'dag' if days == 1 else 'dagen'}.")


def _materialen(session: Session, today: date) -> tuple[bool, str]:
    kept, published = wiki_service.review_dates_kept(session, today)
    if not published:
        return False, "Er zijn nog geen gepubliceerde items, dus ook geen controledatums om bij te houden."
    met = kept >= REVIEW_KEPT_SHARE * published
    return met, (f"Van de {published} gepubliceerde items {'is' if kept == 1 else 'zijn'} er {kept} "
                 f"binnen hun controledatum ({_percent(kept, published)}%).")


def _ondersteuning(session: Session) -> tuple[bool, str]:
    covered, teams = accounts_service.teams_with_contactpersoon(session)
    if not teams:
        return False, "Er zijn nog geen teams, dus ook geen contactpersonen Kwaliteit."
    verb = "heeft" if covered == 1 else "hebben"
    return covered == teams, f"{covered} van de {teams} teams {verb} een contactpersoon Kwaliteit."


def _eigenaar(session: Session) -> tuple[bool, str]:
    owned, themes, without = wiki_service.theme_owners(session)
    if not themes:
        return False, "Er zijn nog geen thema's, dus ook geen eigenaren."
    text = f"{owned} van de {themes} thema's {'heeft' if owned == 1 else 'hebben'} een eigenaar."
    if without:
        text += f" Zonder eigenaar: {', '.join(without)}."
    return owned == themes, text


def _sturing(session: Session, today: date) -> tuple[bool, str]:
    approval = goal_records.get_milestone(session)
    recent, last, _ = _measured(session, today)
    if approval is None:
        text = "Het besluit van het MT over de invoering is nog niet vastgelegd."
    else:
        text = f"Het MT keurde de invoering goed op {nl_date(approval.reached_on)}."
    if recent:
        text += f" De doelen zijn gemeten op {nl_date(last)}."
    else:
        text += f" De doelen zijn de laatste {MEASURED_WITHIN_DAYS} dagen niet gemeten."
    return approval is not None and recent, text


def _nieuwe_medewerkers(session: Session, today: date) -> tuple[bool | None, str]:
    """(met, source) over the new people; met None when they are fewer than three."""
    first_day = today - timedelta(days=NEW_PERSON_DAYS)
    since = datetime.combine(first_day, time.min, LOCAL_TZ)
    people = accounts_service.new_people(session, since)
    read = usage_service.read_days(session, {p.id for p in people}, first_day, today)
    counted, did = 0, 0
    for person in people:
        start = local_day(person.created_at)
        first_read = next((d for d in read.get(person.id, []) if d >= start), None)
        in_time = first_read is not None and (first_read - start).days <= FIRST_READ_DAYS
        # Someone still in their first month who has not read yet is not late: not counted.
        if in_time or (today - start).days > FIRST_READ_DAYS:
            counted += 1
            did += in_time
    if not shows_figure(counted):
        return None, ("Er zijn minder dan drie nieuwe medewerkers om te tellen: de app telt niet over "
                      "minder dan drie personen (privacy). Kwaliteit beoordeelt dit teken.")
    return did == counted, (f"Van de {counted} medewerkers met een account van de laatste "
                            f"{NEW_PERSON_DAYS} dagen {'las' if did == 1 else 'lazen'} er {did} binnen "
                            f"{FIRST_READ_DAYS} dagen in de bibliotheek.")


def local_day(moment: datetime) -> date:
    """The Dutch date of a stored moment (SQLite gives it back without its zone: UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return local(moment).date()  # type: ignore[union-attr]


def _checks(session: Session, plan_id: int) -> dict[str, BorgingCheck]:
    rows = session.exec(select(BorgingCheck).where(BorgingCheck.plan_id == plan_id)).all()
    return {row.sign: row for row in rows}


def _answered(key: str, check: BorgingCheck | None, names: dict[int, User]) -> Sign:
    if check is None:
        return Sign(key, SIGN_TEXTS[key], False, None, None)
    by = names.get(check.checked_by_id)
    return Sign(key, SIGN_TEXTS[key], False, check.met, None, evidence=check.evidence,
                checked_on=check.checked_on, checked_by=by.name if by else None,
                extra_action=check.extra_action)


def checklist(session: Session, plan_id: int, today: date) -> list[Sign]:
    """The ten signs in the guide's order: judged from the records where the app holds them,
    else Kwaliteit's answer."""
    checks = _checks(session, plan_id)
    names = accounts_service.users_by_id(session, {c.checked_by_id for c in checks.values()})
    judged = {
        "kwaliteit": lambda: _kwaliteit(session, today),
        "materialen": lambda: _materialen(session, today),
        "ondersteuning": lambda: _ondersteuning(session),
        "sturing": lambda: _sturing(session, today),
        "eigenaar": lambda: _eigenaar(session),
    }
    result = []
    for key, text in SIGNS:
        if key in judged:
            met, source = judged[key]()
            result.append(Sign(key, text, True, met, source))
        elif key == "nieuwe_medewerkers":
            met_new, source = _nieuwe_medewerkers(session, today)
            if met_new is None:
                sign = _answered(key, checks.get(key), names)
                sign.note = source
            else:
                sign = Sign(key, text, True, met_new, source)
            result.append(sign)
        else:
            result.append(_answered(key, checks.get(key), names))
    return result


def record_check(session: Session, plan_id: int, sign_key: str, met: bool, evidence: str,
                 checked_on: date, extra_action: str, by: User) -> BorgingCheck:
    """Kwaliteit's answer to a sign, replacing an earlier one. Flushes; the request commits."""
    if sign_key not in SIGN_TEXTS:
        raise BorgingError("sign", "Dit teken van borging bestaat niet.")
    if sign_key in APP_JUDGED:
        raise BorgingError("sign", "Dit teken beoordeelt de app zelf uit de gegevens.")
    if checked_on > clock.today():
        raise BorgingError("checked_on", "Deze datum ligt in de toekomst.")
    if checked_on < EARLIEST:
        raise BorgingError("checked_on", "Deze datum ligt te ver terug.")
    for field, value, limit in (("evidence", evidence, EVIDENCE_MAX), ("extra_action", extra_action, EXTRA_ACTION_MAX)):
        if has_nul(value):
            raise BorgingError(field, NUL_MESSAGE)
        if len(value.strip()) > limit:
            raise BorgingError(field, f"Deze tekst is te lang: maximaal {limit} tekens.")
    evidence, extra_action = evidence.strip(), extra_action.strip()
    if met and not visible(evidence):
        raise BorgingError("evidence", "Schrijf op waaruit blijkt dat dit geregeld is.")
    check = _checks(session, plan_id).get(sign_key)
    if check is None:
        check = BorgingCheck(plan_id=plan_id, sign=sign_key, met=met, checked_on=checked_on,
                             checked_by_id=by.id)  # type: ignore[arg-type]
        session.add(check)
    check.met, check.evidence, check.extra_action = met, evidence, extra_action
    check.checked_on, check.checked_by_id = checked_on, by.id  # type: ignore[assignment]
    session.flush()
    return check

"""The plan as a file: YAML front matter for what the guide asks to weigh and plan (groups,
factors, strategies, actions, activities), and Markdown for the texts of the twelve parts, one
`## N. Titel` section each. The export writes it, the import and the starter plan read it, and
every revision keeps it."""

import re
from datetime import date

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.errors import InputError
from app.plan.models import PART_TITLES, PARTS, Direction, Level, Phase, Status

FRONT = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.S)
HEADING = re.compile(r"^## (\d{1,2})\. (.+)$", re.M)


class DocumentError(InputError):
    """A plan file that cannot be read; `field` says where."""


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FactorDoc(_M):
    text: str = Field(min_length=1, max_length=500)
    direction: Direction
    impact: int | None = Field(default=None, ge=1, le=3)
    changeable: bool | None = None
    priority: int | None = Field(default=None, ge=1, le=99)
    strategies: list[str] = Field(default_factory=list)


class GroupDoc(_M):
    name: str = Field(min_length=1, max_length=120)
    influence: Level
    interest: Level
    involvement: str = Field(default="", max_length=5000)
    is_user: bool = False
    ist: str = Field(default="", max_length=5000)
    soll: str = Field(default="", max_length=5000)
    hourly_rate: int | None = Field(default=None, ge=0, le=10_000)
    goals: list[str] = Field(default_factory=list)
    factors: list[FactorDoc] = Field(default_factory=list)
    phases: dict[Phase, list[str]] = Field(default_factory=dict)


class ActionDoc(_M):
    title: str = Field(min_length=1, max_length=300)
    strategy: str | None = Field(default=None, max_length=500)
    owner: str | None = Field(default=None, max_length=254)
    due: date | None = None
    status: Status = Status.plan
    check_on: date | None = None
    done_on: date | None = None


class ActivityDoc(_M):
    group: str = Field(min_length=1, max_length=120)
    phase: Phase
    text: str = Field(min_length=1, max_length=300)
    hours: float = Field(gt=0, le=10_000)


class PlanDoc(_M):
    title: str = Field(min_length=1, max_length=200)
    intervention: str = Field(default="", max_length=200)
    organisation: str = Field(default="", max_length=200)
    author: str = Field(default="", max_length=200)
    written: str = Field(default="", max_length=60)
    is_example: bool = False
    groups: list[GroupDoc] = Field(default_factory=list)
    actions: list[ActionDoc] = Field(default_factory=list)
    activities: list[ActivityDoc] = Field(default_factory=list)
    parts: dict[str, str] = Field(default_factory=dict)


def to_doc(data) -> PlanDoc:  # type: ignore[no-untyped-def]  # service.PlanData
    plan = data.plan
    groups = []
    for g in data.groups:
        factors = [FactorDoc(text=f.text, direction=f.direction, impact=f.impact, changeable=f.changeable,
                             priority=f.priority, strategies=[s.text for s in data.strategies_for(f)])
                   for f in data.factors_of(g)]
        phases = {Phase(p): [s.text for s in data.strategies_in(g, p)] for p in Phase}
        groups.append(GroupDoc(name=g.name, influence=g.influence, interest=g.interest, involvement=g.involvement,
                               is_user=g.is_user, ist=g.ist, soll=g.soll, hourly_rate=g.hourly_rate,
                               goals=data.goal_keys.get(g.id, []), factors=factors,
                               phases={p: t for p, t in phases.items() if t}))
    strategies = {s.id: s.text for s in data.strategies}
    actions = [ActionDoc(title=a.title, strategy=strategies.get(a.strategy_id),
                         owner=data.owners[a.owner_id].email if a.owner_id in data.owners else None,
                         due=a.due, status=a.status, check_on=a.check_on, done_on=a.done_on)
               for a in data.actions if a.result_id is None]
    activities = [ActivityDoc(group=data.group(a.group_id).name, phase=a.phase, text=a.text, hours=a.hours)
                  for a in data.activities if data.group(a.group_id)]
    return PlanDoc(title=plan.title, intervention=plan.intervention, organisation=plan.organisation,
                   author=plan.author, written=plan.written, is_example=plan.is_example, groups=groups, actions=actions,
                   activities=activities, parts={k: data.parts.get(k, "") for k in PARTS})


def _plain(value):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v not in (None, [], {}, "")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dump(data) -> str:  # type: ignore[no-untyped-def]
    doc = to_doc(data)
    front = _plain(doc.model_dump(mode="json", exclude={"parts"}))
    text = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=100)
    sections = [f"## {n}. {PART_TITLES[key]}\n\n{doc.parts.get(key, '').strip()}\n"
                for n, key in enumerate(PARTS, start=1)]
    return f"---\n{text}---\n\n" + "\n".join(sections)


def parse(text: str) -> PlanDoc:
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if "\x00" in text:
        raise DocumentError("file", "Het bestand bevat een ongeldig teken (NUL).")
    match = FRONT.match(text)
    if match is None:
        raise DocumentError("file", "Het bestand begint niet met een blok tussen twee regels '---'.")
    try:
        front = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", None)
        where = f" (regel {line + 2})" if line is not None else ""
        raise DocumentError("file", f"Het blok bovenaan is geen geldige YAML{where}.") from None
    if not isinstance(front, dict):
        raise DocumentError("file", "Het blok bovenaan moet namen met waarden bevatten.")
    parts: dict[str, str] = {}
    body = match.group(2)
    found = list(HEADING.finditer(body))
    for i, heading in enumerate(found):
        number = int(heading.group(1))
        if not 1 <= number <= len(PARTS):
            raise DocumentError("file", f"Onderdeel {number} bestaat niet; het plan heeft er {len(PARTS)}.")
        end = found[i + 1].start() if i + 1 < len(found) else len(body)
        parts[PARTS[number - 1]] = body[heading.end():end].strip()
    try:
        return PlanDoc.model_validate({**front, "parts": parts})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DocumentError("file", f"In het bestand klopt '{where}' niet: {_reason(first)}") from None


def _reason(entry: dict) -> str:
    kind = entry.get("type", "")
    if kind == "missing":
        return "dit ontbreekt."
    if kind == "extra_forbidden":
        return "deze naam kent de app niet."
    if kind in ("enum", "literal_error"):
        return "kies een van de toegestane waarden."
    if kind.startswith("string_too_long"):
        return "de tekst is te lang."
    return "de waarde is niet geldig."

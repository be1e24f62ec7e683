"""Agenda benchmark: how long one planner round takes to assemble the agendas of many teams
over a large library (`kennisbank bench agenda`).

The library is the page benchmark's (N items over two years); each team gets a monthly rule,
an audience, and a meeting in each of the measured months. One round per month assembles
every team's agenda for that month (and the vakoverleg's); we time whole rounds.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Audience
from app.config import LOCAL_TZ
from app.meetings import agenda as agenda_service
from app.meetings import service
from app.meetings.models import AgendaEntry, MeetingKind
from app.search.bench import machine, write_section

AUDIENCES = (Audience.beide, Audience.klantbegeleider, Audience.schuldregelaar)


@dataclass
class AgendaFigures:
    backend: str
    items: int
    teams: int
    rounds: list[float]
    agendas: int
    entries: int


def add_teams(engine: Engine, teams: int, start: datetime) -> None:
    with clock.frozen(start), Session(engine) as session:
        for n in range(teams):
            team = accounts_service.ensure_team(session, f"bench-team-{n}", f"Team {n}", AUDIENCES[n % 3])
            rule = service.RuleIn(weekday=n % 5, week=1 + n % 4, start_time=clock_time(9 + n % 6))
            service.set_rule(session, MeetingKind.werkoverleg, team, rule)
        service.set_rule(session, MeetingKind.vakoverleg, None,
                         service.RuleIn(weekday=3, week=1, start_time=clock_time(13, 30)))
        session.commit()


def measure(engine: Engine, backend: str, items: int, teams: int, months: int,
            report: Callable[[str], None]) -> AgendaFigures:
    """One `agenda build` round per month, each in its own transaction, timed whole. The months
    are the last ones before today: the library was published over the two years before it."""
    this_month = datetime.now(UTC).astimezone(LOCAL_TZ).replace(day=1, hour=6, minute=0, second=0, microsecond=0)
    first = this_month
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    add_teams(engine, teams, first - timedelta(days=40))
    rounds, made = [], 0
    for n in range(months):
        month_start = (first + timedelta(days=31 * n + 1)).replace(day=1)
        with clock.frozen(month_start - timedelta(days=1)), Session(engine) as session:
            started = time.perf_counter()
            built = agenda_service.build(session, clock.now(), month=(month_start.year, month_start.month))
            session.commit()
            rounds.append(time.perf_counter() - started)
        made += sum(b.outcome == "samengesteld" for b in built)
        report(f"{backend}: ronde {n + 1}: {sum(b.outcome == 'samengesteld' for b in built)} agenda's in {rounds[-1]:.2f} s")
    with Session(engine) as session:
        entries = session.exec(select(func.count()).select_from(AgendaEntry)).one()
    return AgendaFigures(backend, items, teams, rounds, made, entries)


def table(figures: list[AgendaFigures]) -> str:
    lines = ["| database | items | teams | agendas per round | round median / max | entries per agenda |",
             "|---|---:|---:|---:|---:|---:|"]
    for f in figures:
        per_round = f.agendas / max(1, len(f.rounds))
        lines.append(
            f"| {f.backend} | {f.items:,} | {f.teams} | {per_round:.0f} | "
            f"{statistics.median(f.rounds):.2f} / {max(f.rounds):.2f} s | {f.entries / max(1, f.agendas):.0f} |"
        )
    return "\n".join(lines)


def write_markdown(path: Path, figures: list[AgendaFigures], build: dict[str, float]) -> None:
    worst = max(statistics.median(f.rounds) for f in figures)
    slowest = max(max(f.rounds) for f in figures)
    filled = "; ".join(f"{name} {seconds:.0f} s" for name, seconds in build.items())
    section = f"""## Agendas (`kennisbank bench agenda`)

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.
{figures[0].items:,} published items over two years (the page benchmark's library; filling took
{filled}), {figures[0].teams} teams with a monthly werkoverleg and audiences spread over
klantbegeleiders, schuldregelaars and both, plus the vakoverleg. Each round is one
`agenda build` for a month: it plans, then assembles every meeting's agenda (items of the
previous month that fit the team, grouped by theme; for the vakoverleg also review dates and
searches without results) in one transaction. {len(figures[0].rounds)} rounds, one per month.

Target: the agendas of 50 teams over 10,000 items in under 2 s: slowest round {slowest:.2f} s
(median {worst:.2f} s): {'met' if slowest < 2 else 'NOT met'}.

{table(figures)}"""
    write_section(path, "agenda", section)

"""The `kennisbank` command."""

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from app import bootstrap, migrate
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Function, Role
from app.audit import service as audit_service
from app.audit.models import Action
from app.config import get_settings
from app.dates import nl_date
from app.db import get_engine, session_scope
from app.observability import logs
from app.search import sync as search_sync
from app.search.index import SearchIndex
from app.wiki import loader

app = typer.Typer(help="Wiki-bibliotheek: kennisbank voor schuldhulpverlening.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts beheren.", no_args_is_help=True)
token_app = typer.Typer(help="Persoonlijke API-tokens.", no_args_is_help=True)
team_app = typer.Typer(help="Teams beheren.", no_args_is_help=True)
bench_app = typer.Typer(help="Metingen van snelheid; cijfers in docs/benchmarks.md.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(team_app, name="team")
agenda_app = typer.Typer(help="Agenda's van werkoverleg en vakoverleg.", no_args_is_help=True)
app.add_typer(agenda_app, name="agenda")
demo_app = typer.Typer(help="Demogegevens (alleen in de ontwikkelstand).", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


@demo_app.command("simulate")
def demo_simulate(
    months: Annotated[int, typer.Option("--months", min=1, max=12, help="Zoveel maanden terug.")] = 6,
) -> None:
    """Vul de demo met een half jaar overleggen, aanwezigheid, gebruik, vragen en gesprekken."""
    from app import demo
    from app.goals import measures

    settings = get_settings()
    if settings.environment != "development":
        _fail("Alleen in de ontwikkelstand: de simulatie vervangt de overleggen in de database.")
    for line in bootstrap.prepare(get_engine(), settings):
        typer.echo(line)
    from app import clock

    today = clock.today()
    days = (today - measures.add_months(today, -months)).days + 1
    try:
        with typer.progressbar(length=days, label=f"{months} maanden simuleren", show_pos=True) as bar:
            result = demo.simulate(get_engine(), settings, months, bar.update)
    except demo.DemoError as exc:
        _fail(str(exc))
    typer.echo(f"Gesimuleerd vanaf {nl_date(result.start)}: {result.days} dagen, {result.people} extra collega's. "
               "Bekijk /doelen met de demo-accounts.")


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _where() -> str:
    settings = get_settings()
    if settings.uses_embedded_database:
        return f"ingebouwde SQLite-database in {settings.data_dir.resolve()}"
    url = get_engine().url.render_as_string(hide_password=True)
    return f"database {url}, gegevensmap {settings.data_dir.resolve()}"


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adres om op te luisteren.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Poort.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Aantal werkprocessen (in productie: twee per processorkern).")] = 1,
) -> None:
    """Start de webdienst (migreert en laadt bij de eerste start de startinhoud)."""
    import os

    import uvicorn

    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    if "KENNISBANK_BASE_URL" not in os.environ:
        # Links in mail and .ics follow the port served; the worker processes read it too.
        os.environ["KENNISBANK_BASE_URL"] = f"http://{shown_host}:{port}"
        get_settings.cache_clear()
    settings = get_settings()
    typer.echo(f"Wiki-bibliotheek gebruikt de {_where()}.")
    for line in bootstrap.prepare(get_engine(), settings):
        typer.echo(line)
    # Without a configured key the development key lives in the data folder: make it here, once,
    # so that the worker processes cannot each write a different one (and refuse each other's forms).
    settings.effective_secret_key()
    if not settings.secret_key and not settings.uses_embedded_database:
        typer.secho(
            "Let op: zonder KENNISBANK_SECRET_KEY staat de sleutel in de gegevensmap van deze host. "
            "Draait de dienst op meer hosts, geef ze dan allemaal dezelfde KENNISBANK_SECRET_KEY: "
            "anders weigert elke host de formulieren van een andere.", fg=typer.colors.YELLOW, err=True,
        )
    if settings.search_backend == "whoosh" and not settings.uses_embedded_database:
        typer.echo("Zoeken gebruikt de index in de gegevensmap (één host); voor meer hosts: "
                   "KENNISBANK_SEARCH_BACKEND=postgresql.")
    if settings.load_demo_accounts:
        typer.echo("Demo-accounts staan aan (wachtwoord in app/content/demo.yaml); zie README.")
    typer.echo(f"Open http://{shown_host}:{port} in uw browser.")
    shared_metrics = _metrics_folder(workers)
    try:
        uvicorn.run(
            # The factory freezes what it loaded out of the garbage collector's way, in each worker.
            "app.main:create_served_app", factory=True, host=host, port=port, workers=workers,
            **proxy_options(settings),
            log_config=logs.uvicorn_log_config(settings),
            # No access log: it would tie every search (in the query string) to an address and
            # time. /metrics counts the requests per route instead.
            access_log=False,
        )
    finally:
        if shared_metrics is not None:
            shutil.rmtree(shared_metrics, ignore_errors=True)


def _metrics_folder(workers: int) -> str | None:
    """With several workers, a folder where each keeps its Prometheus values, so that a scrape
    of any worker sums them all (prometheus_client's multiprocess mode); it reads the variable
    when first imported, so it is set here, before the workers start. A folder the operator
    named is emptied (values of an earlier run would count again) and kept; our own is removed
    at the end. Returns the folder to remove."""
    named = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if named:
        for old in Path(named).glob("*.db"):
            old.unlink()
        return None
    if workers == 1:
        return None
    folder = tempfile.mkdtemp(prefix="kennisbank-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    return folder


@app.command("scheduler")
def scheduler_command() -> None:
    """Voer de geplande taken uit zonder webdienst (migreert eerst, zoals serve); stopt netjes op SIGTERM of Ctrl-C.

    One such process beside any number of `kennisbank serve` processes started with
    KENNISBANK_SCHEDULER=false. It runs the jobs whatever that setting says: starting it is
    asking for them. Two planners at once do no harm (the database decides), one is enough.
    """
    import signal
    import threading

    from app import scheduler as app_scheduler

    settings = get_settings()
    typer.echo(f"Planner gebruikt de {_where()}.")
    for line in bootstrap.prepare(get_engine(), settings):
        typer.echo(line)
    settings.effective_secret_key()  # links in agenda mail; made once, as serve does
    # What the jobs did, on standard error (as a container's log); APScheduler's own chatter
    # (every run of every job) only when something goes wrong.
    logs.configure(settings)
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    scheduler = app_scheduler.start(get_engine(), settings)
    jobs = ", ".join(job.id for job in scheduler.get_jobs())
    typer.echo(f"Planner gestart met de taken {jobs}. Stoppen: Ctrl-C of SIGTERM.")
    while not stop.wait(1):
        pass
    typer.echo("Planner stopt: lopende taken maken hun ronde af …")
    scheduler.shutdown(wait=True)
    get_engine().dispose()
    typer.echo("Planner gestopt.")


def proxy_options(settings) -> dict:  # type: ignore[no-untyped-def]
    """uvicorn's handling of X-Forwarded-For: only from the configured proxies. With none,
    none at all (uvicorn itself would otherwise trust 127.0.0.1, that is anyone on the host)."""
    proxies = settings.forwarded_allow_ips.strip()
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies or None}


@app.command("migrate")
def migrate_command() -> None:
    """Breng het databaseschema naar de nieuwste versie."""
    typer.echo(f"Migreren: {_where()}")
    migrate.upgrade(get_engine())
    typer.echo("Database is bijgewerkt.")


def _progress(label: str):  # type: ignore[no-untyped-def]
    bar = None

    def update(n: int, total: int, name: str) -> None:
        nonlocal bar
        if bar is None:
            bar = typer.progressbar(length=total, label=label, show_pos=True)
            bar.__enter__()
        bar.update(1)
        if n == total:
            bar.__exit__(None, None, None)

    return update


@app.command()
def reindex() -> None:
    """Bouw de zoekindex opnieuw op uit de database."""
    index = search_sync.get_index()
    if isinstance(index, SearchIndex):
        typer.echo(f"Zoekindex in {index.path.resolve()}")
    else:
        typer.echo("Zoeken in PostgreSQL (KENNISBANK_SEARCH_BACKEND=postgresql)")
    with typer.progressbar(length=1, label="Indexeren", show_pos=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(1)

        count = search_sync.rebuild(get_engine(), index, progress)
    typer.echo(f"{count} items in de zoekindex.")


@app.command("backup")
def backup_command(
    path: Annotated[Path, typer.Argument(help="Het archief dat ontstaat, bijvoorbeeld /backups/kennisbank-2026-12-02.tar.gz.")],
    force: Annotated[bool, typer.Option("--force", help="Overschrijf een bestaand bestand.")] = False,
) -> None:
    """Maak een back-up (één .tar.gz): database, eigen bestanden van de gegevensmap en een manifest; de zoekindex niet."""
    from app.backup import service as backup_service

    engine = get_engine()
    typer.echo(f"Back-up van de {_where()}", err=True)
    try:
        manifest = backup_service.backup(engine, get_settings(), path, force=force,
                                         progress=lambda m: typer.echo(m, err=True))
    except backup_service.BackupError as exc:
        _fail(str(exc))
    backup_service.record_backup(engine, path, manifest)
    counted = ", ".join(f"{table} {n}" for table, n in manifest.counts.items())
    typer.echo(f"Back-up geschreven naar {path} ({path.stat().st_size:,} bytes; {counted}).")


@app.command("restore")
def restore_command(
    path: Annotated[Path, typer.Argument(help="Een archief van kennisbank backup.")],
    yes: Annotated[bool, typer.Option("--yes", help="Niet om bevestiging vragen.")] = False,
) -> None:
    """Zet een back-up terug: vervangt de hele database en bouwt de zoekindex opnieuw op. Stop eerst de dienst."""
    from app.backup import service as backup_service

    engine = get_engine()
    try:
        manifest = backup_service.read_manifest(path)
        backup_service.check_compatible(manifest, engine)
    except backup_service.BackupError as exc:
        _fail(str(exc))
    typer.echo(f"Back-up van {manifest.created_at} ({manifest.database}, migratie {manifest.revision}, "
               f"versie {manifest.app_version}).")
    if not yes:
        if not sys.stdin.isatty():
            _fail("Herstellen vervangt alles in de database: bevestig met --yes.")
        typer.confirm(f"Alles in de {_where()} wordt vervangen. Doorgaan?", abort=True)
    search_sync.install()
    try:
        result = backup_service.restore(engine, get_settings(), path, progress=lambda m: typer.echo(m, err=True))
    except backup_service.BackupError as exc:
        _fail(str(exc))
    backup_service.record_restore(engine, path, result)
    if result.migrated_from:
        typer.echo(f"Bijgewerkt van migratie {result.migrated_from} naar de nieuwste.")
    typer.echo(f"Teruggezet; {result.indexed} items in de zoekindex.")
    for table, n in result.counts.items():
        was = manifest.counts.get(table)
        note = "" if was is None or was == n else f" (in de back-up: {was})"
        typer.echo(f"  {table:15} {n}{note}")


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Map met themes.yaml en items/.")],
) -> None:
    """Importeer thema's en items uit een map (nogmaals importeren verandert niets)."""
    search_sync.install()  # imported items are searchable as soon as they are committed
    try:
        with session_scope() as session:
            report = loader.import_folder(session, path, progress=_progress("Importeren"))
    except loader.ContentError as exc:
        _fail(f"Niets geïmporteerd: {exc}")
    typer.echo(
        f"Thema's gewijzigd: {report.themes_changed}; items nieuw: {report.created}, "
        f"bijgewerkt: {report.updated}, ongewijzigd: {report.unchanged}."
    )
    typer.echo(search_sync.ensure(get_engine(), search_sync.get_index()))
    for error in report.errors:
        typer.secho(f"Overgeslagen: {error}", fg=typer.colors.YELLOW, err=True)
    if report.errors:
        raise typer.Exit(1)


@app.command("export")
def export_command(
    path: Annotated[Path, typer.Argument(file_okay=False, help="Doelmap.")],
) -> None:
    """Exporteer alle thema's, items en hun versies naar een map."""
    with session_scope() as session:
        count = loader.export_folder(session, path, progress=_progress("Exporteren"))
        audit_service.record(session, Action.export, subject_type="export", subject_id="kennisbank export",
                             summary=f"Thema's en items naar een map ({count} items), op de opdrachtregel",
                             detail={"items": count, "via": "kennisbank export"})
    typer.echo(f"{count} items geëxporteerd naar {path}.")


@user_app.command("add")
def user_add(
    email: str,
    name: Annotated[str, typer.Option("--name", help="Volledige naam.")],
    role: Annotated[Role, typer.Option("--role", help="Rol.")],
    team: Annotated[str | None, typer.Option("--team", help="Slug van het team.")] = None,
    function: Annotated[Function | None, typer.Option("--function", help="Functie.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Lees het wachtwoord van standaardinvoer.")] = False,
) -> None:
    """Maak een account aan."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)
    else:
        _fail("Geef het wachtwoord via --password-stdin.")
    try:
        with session_scope() as session:
            user = accounts_service.create_user(
                session, email=email, name=name, role=role.value, password=password,
                team_slug=team, function=function.value if function else None,
            )
    except accounts_service.AccountError as exc:
        _fail(f"{exc.field}: {exc.message}")
    typer.echo(f"Account aangemaakt: {user.email} ({role.value}).")


@user_app.command("list")
def user_list() -> None:
    """Toon alle accounts."""
    with session_scope() as session:
        teams = {t.id: t.slug for t in accounts_service.list_teams(session)}
        for user in accounts_service.list_users(session):
            team = teams.get(user.team_id, "-")
            typer.echo(f"{user.email:40} {user.role:15} {team:20} {user.name}")


@team_app.command("add")
def team_add(
    slug: str,
    name: Annotated[str, typer.Option("--name", help="Naam van het team.")],
    audience: Annotated[Audience, typer.Option("--audience", help="Doelgroep van het werkoverleg.")] = Audience.beide,
) -> None:
    """Maak een team aan."""
    with session_scope() as session:
        if accounts_service.get_team_by_slug(session, slug):
            _fail(f"Team '{slug}' bestaat al.")
        accounts_service.ensure_team(session, slug, name, audience.value)
    typer.echo(f"Team aangemaakt: {slug}.")


@token_app.command("create")
def token_create(
    email: str,
    name: Annotated[str, typer.Option("--name", help="Waarvoor het token is.")] = "",
) -> None:
    """Maak een persoonlijk API-token en toon het (eenmalig)."""
    with session_scope() as session:
        user = accounts_service.get_user_by_email(session, email)
        if user is None:
            _fail(f"Geen account met e-mailadres {email}.")
        token = accounts_service.create_api_token(session, user, name)  # type: ignore[arg-type]
    typer.echo(token)


@app.command("teams")
def teams_command() -> None:
    """Toon de teams met hun vaste overlegtijd en hun volgende overleg."""
    from app import clock
    from app.meetings import calendar
    from app.meetings import service as meetings_service
    from app.meetings.models import MeetingKind
    from app.web.templating import nl_day, nl_time

    now = clock.now()
    with session_scope() as session:
        series = [(MeetingKind.werkoverleg, t) for t in accounts_service.list_teams(session)]
        series.append((MeetingKind.vakoverleg, None))
        for kind, team in series:
            rule = meetings_service.get_rule(session, kind, team)
            meetings_service.plan(session, now, rules=[rule] if rule else [])
            meeting = meetings_service.next_meeting(session, kind, team, now)
            label = f"{team.slug:<24} {team.name}" if team else f"{'vakoverleg':<24} Vakoverleg Kwaliteit"
            contact = accounts_service.contactpersoon_of(session, team) if team else None
            rule_text = calendar.describe_rule(rule.weekday, rule.week, rule.start_time) if rule else "geen vaste tijd"
            upcoming = f"{nl_day(meeting.starts_at)} {nl_time(meeting.starts_at)}" if meeting else "niets gepland"
            if meeting and meeting.status == "cancelled":
                upcoming += " (gaat niet door)"
            typer.echo(f"{label}\n    {rule_text}; volgende: {upcoming}"
                       + (f"; contactpersoon: {contact.name}" if contact else ""))


@app.command("rule")
def rule_command(
    series: Annotated[str, typer.Argument(help="Slug van het team, of 'vakoverleg'.")],
    day: Annotated[str, typer.Option("--day", help="maandag … vrijdag")],
    week: Annotated[str, typer.Option("--week", help="eerste, tweede, derde, vierde of laatste")],
    at: Annotated[str, typer.Option("--time", help="Begintijd, UU:MM.")],
    place: Annotated[str, typer.Option("--place", help="Plaats.")] = "",
    minutes: Annotated[int, typer.Option("--minutes", help="Duur in minuten.")] = 90,
    lead_days: Annotated[int | None, typer.Option("--lead-days", help="Agenda zoveel werkdagen vooraf.")] = None,
) -> None:
    """Stel de vaste maandelijkse tijd van een werkoverleg of het vakoverleg in."""
    from pydantic import ValidationError

    from app.meetings import calendar
    from app.meetings import service as meetings_service
    from app.meetings.models import MeetingKind

    weekdays = {name: n for n, name in enumerate(calendar.WEEKDAYS[:5])}
    weeks = {name: n for n, name in calendar.WEEKS.items()}
    if day.lower() not in weekdays:
        _fail(f"--day: kies uit {', '.join(weekdays)}.")
    if week.lower() not in weeks:
        _fail(f"--week: kies uit {', '.join(weeks)}.")
    with session_scope() as session:
        team = None
        kind = MeetingKind.vakoverleg if series == "vakoverleg" else MeetingKind.werkoverleg
        if kind == MeetingKind.werkoverleg:
            team = accounts_service.get_team_by_slug(session, series)
            if team is None:
                _fail(f"Team '{series}' bestaat niet.")
        try:
            data = meetings_service.RuleIn(
                weekday=weekdays[day.lower()], week=weeks[week.lower()], start_time=at,  # type: ignore[arg-type]
                duration_minutes=minutes, location=place, lead_days=lead_days,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            _fail(f"{'.'.join(map(str, first['loc']))}: {first['msg']}")
        rule = meetings_service.set_rule(session, kind, team, data)
        typer.echo(f"Vaste tijd: {calendar.describe_rule(rule.weekday, rule.week, rule.start_time)}.")


@agenda_app.command("build")
def agenda_build(
    team: Annotated[str | None, typer.Option("--team", help="Slug van het team, of 'vakoverleg'; leeg: alle.")] = None,
    month: Annotated[str | None, typer.Option("--month", help="JJJJ-MM; leeg: deze en volgende maand.")] = None,
) -> None:
    """Stel nu de agenda's samen van de overleggen in een maand (nogmaals draaien verandert niets)."""
    import re as _re

    from app import clock
    from app.meetings import agenda as agenda_service
    from app.meetings.models import MeetingKind
    from app.web.templating import nl_day

    chosen_month = None
    if month is not None:
        if not _re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            _fail("--month: schrijf de maand als JJJJ-MM, bijvoorbeeld 2026-12.")
        chosen_month = (int(month[:4]), int(month[5:]))
    with session_scope() as session:
        kind, team_id = None, None
        if team == "vakoverleg":
            kind = MeetingKind.vakoverleg
        elif team is not None:
            found = accounts_service.get_team_by_slug(session, team)
            if found is None:
                _fail(f"Team '{team}' bestaat niet.")
            kind, team_id = MeetingKind.werkoverleg, found.id
        built = agenda_service.build(session, clock.now(), kind=kind, team_id=team_id, month=chosen_month)
        teams = {t.id: t.name for t in accounts_service.list_teams(session)}
        for row in built:
            name = teams.get(row.meeting.team_id, "Vakoverleg")
            count = len(agenda_service.entries(session, row.agenda)) if row.agenda else 0
            typer.echo(f"{nl_day(row.meeting.starts_at)}  {name}: {row.outcome}"
                       + (f" ({count} punten)" if row.agenda else ""))
        if not built:
            typer.echo("Geen overleggen in deze periode. Stel eerst een vaste tijd in: kennisbank rule.")


@bench_app.command("pages")
def bench_pages(
    items: Annotated[int, typer.Option(help="Aantal items in de bibliotheek.")] = 10_000,
    requests: Annotated[int, typer.Option(help="Verzoeken per pagina.")] = 200,
    backends: Annotated[str, typer.Option(help="sqlite, postgresql of beide, gescheiden door komma's.")] = "sqlite,postgresql",
    postgres_url: Annotated[str, typer.Option(help="PostgreSQL-database; de meting gebruikt een eigen schema.")] = "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    output: Annotated[Path, typer.Option(help="Markdown-bestand voor de cijfers.")] = Path("docs/benchmarks.md"),
) -> None:
    """Meet hoe snel start-, thema- en itempagina's zijn bij een grote bibliotheek."""
    import time

    from app.wiki import bench

    figures, build = [], {}
    with closing(_bench_engines(backends, postgres_url)) as engines:
        for backend, engine in engines:
            started = time.perf_counter()
            with typer.progressbar(length=items, label=f"{backend}: bibliotheek vullen", show_pos=True) as bar:
                slugs = bench.fill(engine, items, bar.update)
            build[backend] = time.perf_counter() - started
            figures += bench.measure(backend, engine, slugs, requests, typer.echo)
    if not figures:
        _fail("Niets gemeten.")
    bench.write_markdown(output, figures, requests, build)
    typer.echo(f"\n{bench.table(figures)}\n\nGeschreven naar {output}.")


@bench_app.command("agenda")
def bench_agenda(
    items: Annotated[int, typer.Option(help="Aantal items in de bibliotheek.")] = 10_000,
    teams: Annotated[int, typer.Option(help="Aantal teams.")] = 50,
    months: Annotated[int, typer.Option(help="Aantal rondes (een per maand).")] = 6,
    backends: Annotated[str, typer.Option(help="sqlite, postgresql of beide, gescheiden door komma's.")] = "sqlite,postgresql",
    postgres_url: Annotated[str, typer.Option(help="PostgreSQL-database; de meting gebruikt een eigen schema.")] = "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    output: Annotated[Path, typer.Option(help="Markdown-bestand voor de cijfers.")] = Path("docs/benchmarks.md"),
) -> None:
    """Meet hoe lang het samenstellen van de agenda's van veel teams duurt."""
    import time

    from app.meetings import bench as meetings_bench
    from app.wiki import bench

    figures, build = [], {}
    with closing(_bench_engines(backends, postgres_url)) as engines:
        for backend, engine in engines:
            started = time.perf_counter()
            with typer.progressbar(length=items, label=f"{backend}: bibliotheek vullen", show_pos=True) as bar:
                bench.fill(engine, items, bar.update)
            build[backend] = time.perf_counter() - started
            figures.append(meetings_bench.measure(engine, backend, items, teams, months, typer.echo))
    if not figures:
        _fail("Niets gemeten.")
    meetings_bench.write_markdown(output, figures, build)
    typer.echo(f"\n{meetings_bench.table(figures)}\n\nGeschreven naar {output}.")


def _bench_engines(backends: str, postgres_url: str) -> Iterator[tuple[str, Engine]]:
    """Each named database (comma-separated), empty, and removed again after its turn (use it
    in `closing()`, so that a failed measurement still removes its database)."""
    for backend in [b.strip() for b in backends.split(",") if b.strip()]:
        found = _bench_engine(backend, postgres_url)
        if found is None:
            continue
        engine, cleanup = found
        try:
            yield backend, engine
        finally:
            cleanup()


def _bench_engine(backend: str, postgres_url: str):  # type: ignore[no-untyped-def]
    """An empty database for a benchmark, and how to remove it; None when it cannot be had."""
    import shutil
    import tempfile

    from app.db import make_engine
    from app.wiki import bench

    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="kb-bench-"))
        engine = make_engine(f"sqlite:///{folder / 'bench.db'}")

        def cleanup() -> None:
            engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)

        return engine, cleanup
    if backend == "postgresql":
        try:
            return bench.postgres_engine(postgres_url)
        except Exception as exc:  # noqa: BLE001 - any failure: say so and go on
            typer.secho(f"PostgreSQL overgeslagen: {exc}", fg=typer.colors.YELLOW, err=True)
            return None
    _fail(f"Onbekende database: {backend} (kies sqlite of postgresql).")
    return None


@bench_app.command("goals")
def bench_goals(
    requests: Annotated[int, typer.Option(help="Verzoeken per pagina.")] = 30,
    backends: Annotated[str, typer.Option(help="sqlite, postgresql of beide, gescheiden door komma's.")] = "sqlite,postgresql",
    postgres_url: Annotated[str, typer.Option(help="PostgreSQL-database; de meting gebruikt een eigen schema.")] = "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    output: Annotated[Path, typer.Option(help="Markdown-bestand voor de cijfers.")] = Path("docs/benchmarks.md"),
) -> None:
    """Meet hoe snel /doelen is bij 1.000 mensen en een jaar aan gegevens."""
    from app.goals import bench as goals_bench

    figures = []
    with closing(_bench_engines(backends, postgres_url)) as engines:
        for backend, engine in engines:
            typer.echo(f"{backend}: gegevens maken …")
            counts = goals_bench.fill(engine, typer.echo)
            figures += goals_bench.measure(backend, engine, counts, requests, typer.echo)
    if not figures:
        _fail("Niets gemeten.")
    goals_bench.write_markdown(output, figures, requests)
    typer.echo(f"\n{goals_bench.table(figures)}\n\nGeschreven naar {output}.")


@bench_app.command("load")
def bench_load(
    users: Annotated[str, typer.Option(help="Aantal gelijktijdige gebruikers; meerdere komma-gescheiden (50,100).")] = "50",
    seconds: Annotated[int, typer.Option(min=1, max=3600, help="Zoveel seconden meten (nadat iedereen is ingelogd).")] = 60,
    database: Annotated[str, typer.Option(help="sqlite, postgresql of both.")] = "both",
    workers: Annotated[int | None, typer.Option(min=1, max=64, help="Werkprocessen van kennisbank serve; leeg: twee per processorkern.")] = None,
    postgres_url: Annotated[str, typer.Option(help="PostgreSQL-server; de meting maakt er een eigen database op en verwijdert die na afloop.")] = "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    output: Annotated[Path, typer.Option(help="Markdown-bestand voor de cijfers.")] = Path("docs/benchmarks.md"),
    logs: Annotated[Path | None, typer.Option(help="Map voor de logs van de dienst en locust; leeg: een nieuwe tijdelijke map.")] = None,
) -> None:
    """Belastingtest: start de dienst, log gebruikers in via het formulier en meet pagina's en opslaan (locust)."""
    import importlib.util
    import tempfile

    from app.loadbench import run as load

    if importlib.util.find_spec("locust") is None:
        _fail("De belastingtest gebruikt locust: pip install '.[bench]' (of pip install locust).")
    choices = {"sqlite": ["sqlite"], "postgresql": ["postgresql"], "both": ["sqlite", "postgresql"]}
    if database not in choices:
        _fail(f"--database: kies sqlite, postgresql of both, niet {database!r}.")
    try:
        counts = [int(u) for u in users.split(",") if u.strip()]
    except ValueError:
        counts = []
    if not counts or any(not 1 <= c <= 1000 for c in counts):
        _fail(f"--users: een of meer aantallen van 1 tot 1000, komma-gescheiden, niet {users!r}.")
    if logs is None:
        logs = Path(tempfile.mkdtemp(prefix="kb-load-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    try:
        figures = load.run(
            choices[database], users=counts, seconds=seconds, workers=workers or 2 * (os.cpu_count() or 1), postgres_url=postgres_url,
            logs=logs, echo=typer.echo, warn=lambda m: typer.secho(m, fg=typer.colors.YELLOW, err=True),
        )
    except load.LoadError as exc:
        _fail(f"{exc}\nLogs in {logs}.")
    if not figures:
        _fail("Niets gemeten.")
    load.write_markdown(output, figures, seconds)
    for f in figures:
        typer.echo(load.verdict(f))
        for line in load.error_lines(f):
            typer.secho(f"  {line}", fg=typer.colors.YELLOW)
    typer.echo(f"\nGeschreven naar {output}; logs van de dienst en locust in {logs}.")


@bench_app.command("inbox")
def bench_inbox(
    runs: Annotated[int, typer.Option(min=1, max=20, help="Zoveel rondes: elk een nieuwe feed.")] = 5,
    chromium: Annotated[Path, typer.Option(help="Chromium voor de browser.")] = Path("/usr/bin/chromium"),
    output: Annotated[Path, typer.Option(help="Markdown-bestand voor de cijfers.")] = Path("docs/benchmarks.md"),
) -> None:
    """Meet de weg van een nieuw feedbericht naar een gepubliceerd item in de browser, en het overnemen door een tweede gemeente."""
    import importlib.util

    from app.inbox import journey

    if importlib.util.find_spec("playwright") is None:
        _fail("Deze meting gebruikt playwright: pip install '.[bench]'.")
    if not chromium.exists():
        _fail(f"Chromium niet gevonden op {chromium} (apt-get install chromium).")
    typer.echo("Twee instanties starten en de route lopen …")
    try:
        figures = journey.run(str(chromium), runs, typer.echo)
    except journey.JourneyError as exc:
        _fail(f"De route liep vast: {exc}")
    journey.write_markdown(output, figures)
    typer.echo(f"Geschreven naar {output}.")


@bench_app.command("search")
def bench_search(
    sizes: Annotated[str, typer.Option(help="Aantallen items, komma-gescheiden.")] = "1000,10000,50000",
    queries: Annotated[int, typer.Option(help="Aantal zoekvragen per meting.")] = 200,
    output: Annotated[Path, typer.Option(help="Markdown-bestand voor de cijfers.")] = Path("docs/benchmarks.md"),
    postgres_url: Annotated[str, typer.Option(help="PostgreSQL-server; de meting maakt er een eigen database. Leeg: zonder PostgreSQL.")] = "postgresql+psycopg://postgres@127.0.0.1:5432/test",
) -> None:
    """Meet zoeken (Whoosh en PostgreSQL) tegen SQLite FTS5 op een synthetisch Nederlands corpus."""
    from app.search import bench

    counts = [int(s) for s in sizes.split(",") if s.strip()]
    bars: list = []

    def progress(total: int):  # type: ignore[no-untyped-def]
        bar = typer.progressbar(length=total, label=f"Index bouwen ({total:,} items)", show_pos=True)
        bar.__enter__()
        bars.append(bar)

        def step(done: int) -> None:
            bar.update(1)
            if done == total:
                bar.__exit__(None, None, None)

        return step

    results = bench.run(counts, queries, typer.echo, progress, postgres_url or None)
    bench.write_markdown(output, results, queries)
    typer.echo(f"\n{bench.ratios(results)}\n\nGeschreven naar {output}.")


def main() -> None:
    from pydantic import ValidationError

    try:
        app()
    except ValidationError as wrong:
        # A setting the service refuses: one line that says which and why, no traceback.
        for error in wrong.errors():
            message = str(error.get("msg", "")).removeprefix("Value error, ")
            typer.secho(f"Instelling niet bruikbaar: {message}", fg=typer.colors.RED, err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()

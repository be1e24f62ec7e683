"""The `kennisbank` command."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from app import bootstrap, migrate
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Function, Role
from app.config import get_settings
from app.db import get_engine, session_scope
from app.search import sync as search_sync
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
) -> None:
    """Start de webdienst (migreert en laadt bij de eerste start de startinhoud)."""
    import uvicorn

    settings = get_settings()
    typer.echo(f"Wiki-bibliotheek gebruikt de {_where()}.")
    for line in bootstrap.prepare(get_engine(), settings):
        typer.echo(line)
    if settings.load_demo_accounts:
        typer.echo("Demo-accounts staan aan (wachtwoord in content/demo.yaml); zie README.")
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(f"Open http://{shown_host}:{port} in uw browser.")
    uvicorn.run(
        "app.main:create_app", factory=True, host=host, port=port,
        proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips,
        # No access log: it would tie every search (in the query string) to an address and time.
        access_log=False,
    )


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
    typer.echo(f"Zoekindex in {index.path.resolve()}")
    with typer.progressbar(length=1, label="Indexeren", show_pos=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(1)

        count = search_sync.rebuild(get_engine(), index, progress)
    typer.echo(f"{count} items in de zoekindex.")


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


@bench_app.command("pages")
def bench_pages(
    items: Annotated[int, typer.Option(help="Aantal items in de bibliotheek.")] = 10_000,
    requests: Annotated[int, typer.Option(help="Verzoeken per pagina.")] = 200,
    backends: Annotated[str, typer.Option(help="sqlite, postgresql of beide, gescheiden door komma's.")] = "sqlite,postgresql",
    postgres_url: Annotated[str, typer.Option(help="PostgreSQL-database; de meting gebruikt een eigen schema.")] = "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    output: Annotated[Path, typer.Option(help="Markdown-bestand voor de cijfers.")] = Path("docs/benchmarks.md"),
) -> None:
    """Meet hoe snel start-, thema- en itempagina's zijn bij een grote bibliotheek."""
    import shutil
    import tempfile
    import time

    from app.db import make_engine
    from app.wiki import bench

    figures, build = [], {}
    for backend in [b.strip() for b in backends.split(",") if b.strip()]:
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="kb-bench-pages-"))
            engine = make_engine(f"sqlite:///{folder / 'bench.db'}")

            def cleanup(engine=engine, folder=folder) -> None:  # type: ignore[no-untyped-def]
                engine.dispose()
                shutil.rmtree(folder, ignore_errors=True)
        elif backend == "postgresql":
            try:
                engine, cleanup = bench.postgres_engine(postgres_url)
            except Exception as exc:  # noqa: BLE001 - any failure: say so and go on
                typer.secho(f"PostgreSQL overgeslagen: {exc}", fg=typer.colors.YELLOW, err=True)
                continue
        else:
            _fail(f"Onbekende database: {backend} (kies sqlite of postgresql).")
        try:
            started = time.perf_counter()
            with typer.progressbar(length=items, label=f"{backend}: bibliotheek vullen", show_pos=True) as bar:
                slugs = bench.fill(engine, items, bar.update)
            build[backend] = time.perf_counter() - started
            figures += bench.measure(backend, engine, slugs, requests, typer.echo)
        finally:
            cleanup()
    if not figures:
        _fail("Niets gemeten.")
    bench.write_markdown(output, figures, requests, build)
    typer.echo(f"\n{bench.table(figures)}\n\nGeschreven naar {output}.")


@bench_app.command("search")
def bench_search(
    sizes: Annotated[str, typer.Option(help="Aantallen items, komma-gescheiden.")] = "1000,10000,50000",
    queries: Annotated[int, typer.Option(help="Aantal zoekvragen per meting.")] = 200,
    output: Annotated[Path, typer.Option(help="Markdown-bestand voor de cijfers.")] = Path("docs/benchmarks.md"),
) -> None:
    """Meet zoeken (Whoosh) tegen SQLite FTS5 op een synthetisch Nederlands corpus."""
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

    results = bench.run(counts, queries, typer.echo, progress)
    bench.write_markdown(output, results, queries)
    typer.echo(f"\n{bench.ratios(results)}\n\nGeschreven naar {output}.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()

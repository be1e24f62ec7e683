"""The plan as a PDF on A4: the print template rendered by WeasyPrint from local files only."""

import mimetypes
from datetime import date
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

from fontTools.ttLib import woff2
from sqlmodel import Session
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.accounts.models import User
from app.config import STATIC_DIR
from app.plan import service, views
from app.web.brand import current_brand
from app.web.templating import templates

FILENAME = "implementatieplan.pdf"


class StaticFilesOnly(URLFetcher):
    """Serves the files under one folder and refuses every other URL: rendering a plan never
    reaches the network, nor any other file on the machine, whatever its text links to."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols=("file",))
        self.root = root.resolve()

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"not a local file: {url}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"not a static file: {url}")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        body = _unpacked(path, path.stat().st_mtime_ns) if path.suffix == ".woff2" else path.read_bytes()
        return URLFetcherResponse(path.as_uri(), body, {"Content-Type": kind})


@lru_cache(maxsize=32)
def _unpacked(path: Path, mtime_ns: int) -> bytes:
    """A WOFF2 font as the plain font it packs, once per process: WeasyPrint unpacks what it is
    given on every render, and for the eight vendored fonts that was half the render time."""
    out = BytesIO()
    woff2.decompress(BytesIO(path.read_bytes()), out)
    return out.getvalue()


def print_html(session: Session, user: User, today: date) -> str:
    plan = service.the_plan(session)
    context = views.plan_context(session, plan, user, today)
    context |= {"static": STATIC_DIR.resolve().as_uri(), "brand": current_brand()}
    return templates.get_template("plan_print.html").render(context)


def render(session: Session, user: User, today: date, base_url: str) -> bytes:
    """The plan on A4. base_url is the site's address, so that a link in the PDF leads to the
    site; styles and fonts come from the static folder by file URL."""
    html = print_html(session, user, today)
    return HTML(string=html, base_url=base_url, url_fetcher=StaticFilesOnly(STATIC_DIR)).write_pdf()

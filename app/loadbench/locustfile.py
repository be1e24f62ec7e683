"""Locust users for `kennisbank bench load`: colleagues who log in and read, and Kwaliteit
colleagues who also edit items.

Run by app/loadbench/run.py as `python -m locust -f <this file> --headless --plan PLAN.json …`;
PLAN.json names the accounts, themes, items and search words of the served library, how long to
measure and where to write the figures. Each user logs in through the real login form, as a
browser does: the form's hidden fields (the CSRF token among them) are read from the HTML every
time, never computed, and cookies are whatever the server sets. Then each one loops over the
mix: home, a theme, an item, a search, the werkoverleg page, and for Kwaliteit now and then an
item edit through the real edit form. Requests are named by kind of page, so the figures are
per page.

The measured window starts once every user has logged in (the statistics are reset then, the
login figures kept apart) and lasts the plan's `seconds`; then the figures are written and the
run stops. Locust's own --run-time is only a safety net.
"""

import json
import random
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser
from locust.runners import LocalRunner

# Think time between two pages of one user. People read for longer; with 1 s on average each
# simulated user asks for about a page a second, so 50 of them are a busy morning of several
# hundred colleagues, the load the targets were set for.
THINK_SECONDS = (0.5, 1.5)
PROGRESS_EVERY = 10.0
LOG = "[load] "

# What the search page says when the index could not be used (search/_search_results.html).
DEGRADED = "Zoeken werkt even eenvoudiger dan normaal"

PLAN: dict[str, Any] = {}
_logins = {"done": 0, "ok": 0}
_started: dict[str, int] = {}  # users started per role: each takes the next account


@events.init_command_line_parser.add_listener
def _options(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--plan", type=str, default="", help="JSON plan of `kennisbank bench load`")


@events.init.add_listener
def _init(environment, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    path = getattr(environment.parsed_options, "plan", "") if environment.parsed_options else ""
    if not path:
        raise SystemExit("--plan is required: run this through `kennisbank bench load`")
    PLAN.update(json.loads(Path(path).read_text("utf-8")))
    # Exactly the accounts the plan made: one Kwaliteit account per editor, the rest readers.
    EditorUser.fixed_count = len(PLAN["accounts"]["kwaliteit"])
    ReaderUser.fixed_count = len(PLAN["accounts"]["medewerker"])


def say(text: str) -> None:
    print(LOG + text, flush=True)


# --- Reading forms as a browser submits them ---------------------------------------------------


class _Forms(HTMLParser):
    """Every <form> with its action, method and the fields a browser would send (hidden and
    text inputs, checked boxes and radios, textareas, selected options; no buttons)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: list[str] | None = None
        self._option_attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attrs_list)
        if tag == "form":
            self._form = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(), "fields": []}
            self.forms.append(self._form)
            return
        if self._form is None or attrs.get("disabled") is not None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            value = attrs.get("value")
            # A browser sends an empty value="" as empty; only a box without a value sends "on".
            self._form["fields"].append((name, value if value is not None else ("on" if kind in ("checkbox", "radio") else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._option, self._option_attrs = [], attrs

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)
        elif self._option is not None:
            self._option.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._text)
            # A browser drops one newline right after <textarea>.
            self._form["fields"].append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option" and self._option is not None:
            value = self._option_attrs.get("value")
            self._options.append((value if value is not None else "".join(self._option).strip(), "selected" in self._option_attrs))
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self._form["fields"].extend((self._select, v) for v in chosen[:1])
            self._select = None
        elif tag == "form":
            self._form = None


def find_form(html: str, action: str) -> list[tuple[str, str]] | None:
    """The fields of the POST form whose action is `action`, as a browser would send them."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if form["method"] == "post" and form["action"].split("?")[0] == action:
            return list(form["fields"])
    return None


def why(response) -> str:  # type: ignore[no-untyped-def]
    """A short reason for a failed request: the status and the page's title or the error."""
    if not response.status_code:
        return f"no response: {response.error}"
    text = response.text or ""
    found = re.search(r"<title>(.*?)</title>", text, re.S)
    detail = found.group(1).strip() if found else text[:120]
    where = response.headers.get("location")
    return f"{response.status_code}{' to ' + where if where else ''}: {' '.join(detail.split())[:120]}"


# --- The users -------------------------------------------------------------------------------


class ReaderUser(HttpUser):
    """A colleague (role medewerker, in a team) who reads and searches."""

    role = "medewerker"
    wait_time = between(*THINK_SECONDS)

    def on_start(self) -> None:
        accounts = PLAN["accounts"][self.role]
        self.number = _started[self.role] = _started.get(self.role, -1) + 1
        self.email = accounts[self.number % len(accounts)]
        try:
            ok = self.log_in()
        finally:
            _logins["done"] += 1
        if not ok:
            raise StopUser()
        _logins["ok"] += 1

    def log_in(self) -> bool:
        with self.client.get("/login", name="login form", allow_redirects=False, catch_response=True) as page:
            fields = find_form(page.text or "", "/login") if page.status_code == 200 else None
            if fields is None:
                page.failure(why(page) if page.status_code != 200 else "no login form on /login")
                return False
        data = [(k, v) for k, v in fields if k not in ("email", "password")]
        data += [("email", self.email), ("password", PLAN["password"])]
        with self.client.post("/login", data=data, name="login", allow_redirects=False, catch_response=True) as sent:
            if sent.status_code != 303 or sent.headers.get("location", "").startswith("/login"):
                sent.failure(why(sent))
                return False
        return True

    def page(self, url: str, name: str) -> None:
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(why(response))

    @task
    def home(self) -> None:
        self.page("/", "home")

    @task
    def theme(self) -> None:
        self.page(f"/themas/{random.choice(PLAN['themes'])}", "theme")

    @task
    def item(self) -> None:
        self.page(f"/items/{random.choice(PLAN['items'])}", "item")

    @task
    def search(self) -> None:
        with self.client.get("/zoeken", params={"q": random.choice(PLAN["queries"])}, name="search",
                             allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(why(response))
            elif DEGRADED in (response.text or ""):
                # The page answers, from the database only, and tells the colleague so.
                response.failure("200 but degraded: the search index was not usable, titles and summaries only")

    @task
    def werkoverleg(self) -> None:
        self.page("/werkoverleg", "werkoverleg")


class EditorUser(ReaderUser):
    """A Kwaliteit colleague: reads like the others and edits items through the edit form.

    Each editor edits its own share of the items, so two editors never save the same item at
    once: a 409 (someone else saved first) is then a real error, not the mix colliding."""

    role = "kwaliteit"

    def on_start(self) -> None:
        super().on_start()
        editors = len(PLAN["accounts"]["kwaliteit"])
        self.mine = PLAN["items"][self.number % editors::editors] or PLAN["items"]
        self.saves = 0

    # With 1 editor in 5 users and the 5 pages at weight 1, weight 2 makes about 1 request in
    # 20 a save (an edit is three requests: the form, the save, the item page it leads to).
    @task(2)
    def edit(self) -> None:
        slug = random.choice(self.mine)
        url = f"/items/{slug}/bewerken"
        with self.client.get(url, name="edit form", allow_redirects=False, catch_response=True) as page:
            fields = find_form(page.text or "", url) if page.status_code == 200 else None
            if fields is None:
                page.failure(why(page) if page.status_code != 200 else "no edit form")
                return
        self.saves += 1
        mark = f"_Nagekeken in de belastingtest ({self.email}, {self.saves})._"
        data = []
        for name, value in fields:
            if name == "body":
                value = re.sub(r"\s*_Nagekeken in de belastingtest \([^)]*\)\._\s*$", "", value) + "\n\n" + mark
            elif name == "note":
                value = "Belastingtest: controle bijgewerkt"
            data.append((name, value))
        with self.client.post(url, data=data, name="save", allow_redirects=False, catch_response=True) as saved:
            target = saved.headers.get("location", "")
            if saved.status_code != 303 or not target.startswith(f"/items/{slug}"):
                saved.failure(why(saved))
                return
        self.page(target, "item")


# --- The measured window ---------------------------------------------------------------------


def _figures(entry) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    requests = entry.num_requests
    return {
        "name": entry.name, "method": entry.method, "requests": requests, "failures": entry.num_failures,
        "p50": entry.get_response_time_percentile(0.50) if requests else 0,
        "p95": entry.get_response_time_percentile(0.95) if requests else 0,
        "p99": entry.get_response_time_percentile(0.99) if requests else 0,
        "avg": entry.avg_response_time, "max": entry.max_response_time or 0,
    }


def _snapshot(stats) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "entries": [_figures(e) for e in stats.entries.values()],
        "total": _figures(stats.total),
        "errors": [
            {"name": e.name, "method": e.method, "error": str(e.error), "occurrences": e.occurrences}
            for e in stats.errors.values()
        ],
    }


def _control(environment) -> None:  # type: ignore[no-untyped-def]
    runner = environment.runner
    users = len(PLAN["accounts"]["kwaliteit"]) + len(PLAN["accounts"]["medewerker"])
    started = time.monotonic()
    while _logins["done"] < users and time.monotonic() - started < PLAN["login_timeout"]:
        gevent.sleep(0.1)
    login = _snapshot(runner.stats)
    say(f"{_logins['ok']} van {users} gebruikers ingelogd in {time.monotonic() - started:.1f} s; "
        f"nu {PLAN['seconds']} s meten")
    runner.stats.reset_all()
    start = time.monotonic()
    shown = start
    while (now := time.monotonic()) < start + PLAN["seconds"]:
        gevent.sleep(min(0.25, start + PLAN["seconds"] - now))
        if time.monotonic() - shown >= PROGRESS_EVERY:
            shown = time.monotonic()
            total = runner.stats.total
            say(f"{shown - start:3.0f} s: {total.num_requests} verzoeken, {total.num_failures} fouten, "
                f"{total.num_requests / (shown - start):.0f}/s, p95 tot nu {total.get_response_time_percentile(0.95) if total.num_requests else 0:.0f} ms")
    window = time.monotonic() - start
    result = {"window_s": window, "users": users, "logged_in": _logins["ok"], "login": login,
              **_snapshot(runner.stats)}
    Path(PLAN["result"]).write_text(json.dumps(result, indent=1), "utf-8")
    say(f"klaar na {window:.1f} s")
    runner.quit()


@events.test_start.add_listener
def _start(environment, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    if isinstance(environment.runner, LocalRunner):
        gevent.spawn(_control, environment)

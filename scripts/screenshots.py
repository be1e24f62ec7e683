"""Render the main pages to docs/screenshots/ at desktop and phone width.

Fills a fresh data folder with the starter content, the demo accounts and a simulated half year
(`kennisbank demo simulate --months 6`), starts the service on it, logs in as the demo
kwaliteitsmedewerker and photographs each page, the infographic's print version and its poster;
then the goals as the MT sees them. Needs the test extra and Debian's Chromium:
    .venv/bin/pip install -e '.[test]' && .venv/bin/python scripts/screenshots.py
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WIDTHS = {"desktop": 1280, "telefoon": 375}
ITEM = "wsnp-schone-lei"
PAGES = {
    "start": "/",
    "infographic": "/themas/overzicht",
    "themas": "/themas",
    "thema": "/themas/beslagvrije-voet-en-beslag",
    "item": f"/items/{ITEM}",
    "geschiedenis": f"/items/{ITEM}/geschiedenis",
    "bewerken": f"/items/{ITEM}/bewerken",
    "controle": "/controle",
    "zoeken": "/zoeken?q=bvv+bij+uitkering",
    "zoeken-tikfout": "/zoeken?q=kwijtscelding",
    "synoniemen": "/zoeken/synoniemen",
    "zoekanalyse": "/zoeken/analyse",
    "vragen": "/vragen",
    "doelen": "/doelen",
    "doel-aanpassen": "/doelen/klantbegeleiders_werkoverleg/bewerken",
    "opleiding-en-leren": "/doelen/opleiding",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = tempfile.mkdtemp(prefix="kb-screens-")
    env = {**os.environ, "KENNISBANK_DATA_DIR": data, "KENNISBANK_COOKIE_SECURE": "false"}
    subprocess.run([sys.executable, "-m", "app.cli", "demo", "simulate", "--months", "6"], cwd=ROOT,
                   env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{base}/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.25)
        else:
            raise SystemExit("De dienst startte niet binnen 30 seconden.")
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync"],
            )
            for label, width in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": 900}, locale="nl-NL")
                page = context.new_page()
                page.goto(f"{base}/login")
                shoot(page, f"login-{label}")
                page.fill("#email", "kwaliteit@example.org")
                page.fill("#password", "demo-wachtwoord")
                page.get_by_role("button", name="Inloggen").click()
                page.wait_for_url(f"{base}/")
                page.goto(f"{base}/werkoverleg?team=team-centrum")
                upcoming = page.locator("#komend-kop ~ ul a").first.get_attribute("href")
                earlier = page.locator("#eerder-kop ~ ul a").first.get_attribute("href")
                meetings = {
                    "werkoverleg": "/werkoverleg?team=team-centrum",
                    "overleg": upcoming,
                    "agenda-voorbereiden": f"{upcoming}/bewerken",
                    "aanwezigheid": f"{earlier}/aanwezigheid",
                    "vaste-tijden": "/werkoverleg/regels",
                }
                for name, path in {**PAGES, **meetings}.items():
                    if name == "zoekanalyse":
                        for query in ("bvv", "bvv", "wsnp", "wsnp", "wsnp", "voedselbank", "voedselbank"):
                            page.goto(f"{base}/zoeken?q={query}")  # a little for the analytics
                    page.goto(base + path)
                    shoot(page, f"{name}-{label}")
                if label == "desktop":
                    page.goto(base + upcoming)
                    page.emulate_media(media="print")
                    shoot(page, "overleg-afdrukken")
                    page.emulate_media(media="screen")
                    page.goto(f"{base}/themas/overzicht")
                    page.emulate_media(media="print")
                    shoot(page, "infographic-afdrukken")
                    page.emulate_media(media="screen")
                    poster = context.request.get(f"{base}/themas/poster?formaat=a3").body()
                    poster_file = Path(data) / "poster.svg"
                    poster_file.write_bytes(poster)
                    page.set_viewport_size({"width": 1123, "height": 1587})  # A3 at 96 dpi
                    page.goto(poster_file.as_uri())
                    shoot(page, "poster-a3", full_page=False)
                context.close()
            context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900}, locale="nl-NL")
            page = context.new_page()
            page.goto(f"{base}/login")
            page.fill("#email", "management@example.org")
            page.fill("#password", "demo-wachtwoord")
            page.get_by_role("button", name="Inloggen").click()
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/doelen")
            shoot(page, "doelen-mt-desktop")
            context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


MAX_HEIGHT = 2600  # long pages (an agenda of twenty items) are cut: the top shows the page


def shoot(page, name: str, full_page: bool = True) -> None:  # type: ignore[no-untyped-def]
    clip = None
    if full_page:
        height = page.evaluate("document.documentElement.scrollHeight")
        if height > MAX_HEIGHT:
            clip = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": MAX_HEIGHT}
    page.screenshot(path=OUT / f"{name}.png", full_page=full_page, clip=clip)
    print(f"{name}.png")


if __name__ == "__main__":
    main()

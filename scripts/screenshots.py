"""Render the main pages to docs/screenshots/ at desktop and phone width.

Starts the service on a fresh data folder with the starter content and demo accounts, logs in
as the demo kwaliteitsmedewerker and photographs each page. Needs the `screenshots` extra and
Debian's Chromium:  .venv/bin/pip install -e '.[screenshots]' && .venv/bin/python scripts/screenshots.py
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = tempfile.mkdtemp(prefix="kb-screens-")
    env = {**os.environ, "KENNISBANK_DATA_DIR": data, "KENNISBANK_COOKIE_SECURE": "false"}
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
        item = _first_item()
        pages = {
            "login": "/login",
            "start": "/",
            "themas": "/themas",
            "thema": "/themas/beslagvrije-voet-en-beslag",
            "item": f"/items/{item}",
            "geschiedenis": f"/items/{item}/geschiedenis",
            "bewerken": f"/items/{item}/bewerken",
            "controle": "/controle",
            "zoeken": "/zoeken?q=bvv+bij+uitkering",
            "zoeken-tikfout": "/zoeken?q=kwijtscelding",
            "synoniemen": "/zoeken/synoniemen",
        }
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
                page.screenshot(path=OUT / f"login-{label}.png", full_page=True)
                page.fill("#email", "kwaliteit@example.org")
                page.fill("#password", "demo-wachtwoord")
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/")
                for name, path in pages.items():
                    if name == "login":
                        continue
                    page.goto(base + path)
                    if name == "zoeken" and label == "desktop":
                        page.goto(base + "/zoeken/analyse")  # after a few searches it has data
                        page.screenshot(path=OUT / f"zoekanalyse-{label}.png", full_page=True)
                        page.goto(base + path)
                    page.screenshot(path=OUT / f"{name}-{label}.png", full_page=True)
                    print(f"{name}-{label}.png")
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def _first_item() -> str:
    """The slug of the first starter item of the beslag theme, read from content/."""
    folder = ROOT / "content" / "items" / "beslagvrije-voet-en-beslag"
    return sorted(folder.glob("*.md"))[0].stem


if __name__ == "__main__":
    main()

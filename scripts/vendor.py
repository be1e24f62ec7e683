"""Refresh the vendored front-end files from the npm registry.

app/static/vendor/package.json and its package-lock.json name the exact versions; this script
installs them in a temporary folder (`npm ci --ignore-scripts`) and copies only the files the
service uses, each package with its licence, into app/static/vendor/ (and axe-core, which only the
browser tests use, into tests/browser/vendor/). The copies are committed: neither the service
nor CI needs Node.js or the network. To upgrade a package, change its version in package.json,
run `npm install --package-lock-only` in app/static/vendor/, then this script.
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.web.icons import THEME_ICON_FILES, UI_ICONS  # noqa: E402

VENDOR = ROOT / "app" / "static" / "vendor"
TEST_VENDOR = ROOT / "tests" / "browser" / "vendor"

# (package, file in the package, destination relative to the vendor folder)
FILES: list[tuple[str, str, Path]] = [
    ("@utrecht/component-library-css", "dist/index.css", Path("utrecht/index.css")),
    ("@utrecht/component-library-css", "dist/html.css", Path("utrecht/html.css")),
    ("@utrecht/component-library-css", "LICENSE.md", Path("utrecht/LICENSE.md")),
    ("@nl-design-system-unstable/voorbeeld-design-tokens", "dist/theme.css", Path("voorbeeld/theme.css")),
    ("@nl-design-system-unstable/voorbeeld-design-tokens", "LICENSE.md", Path("voorbeeld/LICENSE.md")),
    ("@gemeente-denhaag/design-tokens-components", "dist/theme/index.css", Path("denhaag/theme.css")),
    ("@gemeente-denhaag/design-tokens-components", "LICENSE.md", Path("denhaag/LICENSE.md")),
    ("htmx.org", "dist/htmx.min.js", Path("htmx/htmx.min.js")),
    ("htmx.org", "LICENSE", Path("htmx/LICENSE")),
    ("chart.js", "dist/chart.umd.min.js", Path("chartjs/chart.umd.min.js")),
    ("chart.js", "LICENSE.md", Path("chartjs/LICENSE.md")),
    ("@tabler/icons", "LICENSE", Path("tabler-icons/LICENSE")),
    ("@fontsource/noto-sans", "LICENSE", Path("fonts/LICENSE")),
    ("swagger-ui-dist", "swagger-ui-bundle.js", Path("swagger-ui/swagger-ui-bundle.js")),
    ("swagger-ui-dist", "swagger-ui.css", Path("swagger-ui/swagger-ui.css")),
    ("swagger-ui-dist", "LICENSE", Path("swagger-ui/LICENSE")),
    ("swagger-ui-dist", "NOTICE", Path("swagger-ui/NOTICE")),
]
# The example theme's typefaces: Noto Sans for text (regular, italic, bold), Noto Serif for
# headings (bold); Latin and Latin Extended (Dutch, and names from elsewhere in Europe).
FONTS = {"noto-sans": ("400.css", "400-italic.css", "700.css"), "noto-serif": ("700.css",)}
FONT_SUBSETS = ("latin", "latin-ext")
for icon in [*THEME_ICON_FILES.values(), *UI_ICONS]:
    FILES.append(("@tabler/icons", f"icons/outline/{icon}.svg", Path("tabler-icons") / f"{icon}.svg"))

TEST_FILES = [
    ("axe-core", "axe.min.js", Path("axe-core/axe.min.js")),
    ("axe-core", "LICENSE", Path("axe-core/LICENSE")),
]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kb-vendor-") as tmp:
        work = Path(tmp)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(VENDOR / name, work / name)
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=work, check=True)
        modules = work / "node_modules"
        for target, files in ((VENDOR, FILES), (TEST_VENDOR, TEST_FILES)):
            for package, source, destination in files:
                path = target / destination
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(modules / package / source, path)
                print(f"{package}/{source} -> {path.relative_to(ROOT)}")
        write_fonts(modules / "@fontsource", VENDOR / "fonts")


def write_fonts(fontsource: Path, target: Path) -> None:
    """fonts.css with the @font-face rules of the chosen subsets, their woff2 files beside it."""
    rules = []
    for family, css_files in FONTS.items():
        wanted = {f"{family}-{subset}" for subset in FONT_SUBSETS}
        for css in css_files:
            text = (fontsource / family / css).read_text()
            for name, rule in re.findall(r"/\* ([a-z-]+-\d+-[a-z]+) \*/\s*(@font-face \{.*?\})", text, re.S):
                if name.rsplit("-", 2)[0] not in wanted:
                    continue
                rule = re.sub(r"src: [^;]+;", f"src: url({name}.woff2) format('woff2');", rule)
                shutil.copy(fontsource / family / "files" / f"{name}.woff2", target / f"{name}.woff2")
                rules.append(f"/* {name} */\n{rule}\n")
    header = ("/* Noto Sans and Noto Serif from @fontsource (SIL Open Font License 1.1, see LICENSE);\n"
              "   written by scripts/vendor.py. */\n")
    (target / "fonts.css").write_text(header + "\n".join(rules))
    print(f"@fontsource -> {(target / 'fonts.css').relative_to(ROOT)} ({len(rules)} faces)")


if __name__ == "__main__":
    sys.exit(main())

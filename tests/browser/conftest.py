"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live_server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# What bin/awn vendors from npm (node_modules) into awn/static/vendor; live_server serves it via the finders.
VENDOR_FILES = {
    "bootstrap.rtl.min.css": "bootstrap/dist/css/bootstrap.rtl.min.css",
    "bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
}


@pytest.fixture(scope="session")
def _vendored_static() -> None:
    vendor = ROOT / "awn" / "static" / "vendor"
    missing = [name for name in VENDOR_FILES if not (vendor / name).is_file()]
    if not missing:
        return
    sources = {name: ROOT / "node_modules" / VENDOR_FILES[name] for name in missing}
    absent = [str(path) for path in sources.values() if not path.is_file()]
    if absent:
        pytest.fail(f"front-end packages are not installed ({', '.join(absent)}): run `bin/awn setup`")
    vendor.mkdir(parents=True, exist_ok=True)
    for name, source in sources.items():
        shutil.copyfile(source, vendor / name)


@pytest.fixture(scope="session")
def _compiled_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Arabic catalogue as it is now, compiled to a scratch folder (locale/ itself is left untouched)."""
    import polib

    target = tmp_path_factory.mktemp("locale")
    for po_path in (ROOT / "locale").glob("*/LC_MESSAGES/*.po"):
        out = target / po_path.relative_to(ROOT / "locale")
        out.parent.mkdir(parents=True, exist_ok=True)
        polib.pofile(str(po_path)).save_as_mofile(str(out.with_suffix(".mo")))
    return target


@pytest.fixture(autouse=True)
def _browser_settings(settings, tmp_path, _compiled_locale, _vendored_static) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LOCALE_PATHS = [_compiled_locale]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-dejavu-core fonts-hosny-amiri")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS

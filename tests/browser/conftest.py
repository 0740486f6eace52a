"""Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by Playwright.

No browser is downloaded (`playwright install` is not used): without the system Chromium the tests are
skipped, with the reason and the command that installs it.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is absent: install it with `apt-get install -y chromium` to run the browser tests."
    elif not _playwright_importable():
        reason = "the playwright Python package is not installed (pip install -e '.[dev]')."
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=f"Browser test skipped: {reason}"))


def _playwright_importable() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture
def artifacts_dir(request: pytest.FixtureRequest) -> Path:
    """artifacts/browser/<test name>/ for screenshots, emptied first."""
    directory = ARTIFACTS / request.node.name
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    return directory


@pytest.fixture
def browser_page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


# The ASGI server the journey runs against (pytest-django's live_server is WSGI, which does not serve the API).
from tests.live.conftest import live_server_factory  # noqa: E402, F401

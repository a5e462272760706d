"""Real-browser fixtures: a live Collab server and a headless Chromium page that watches
everything it does.

Browser tests live in this folder and get, from here:

- ``live_server`` — a running Collab (fresh migrated database, reference and demo data,
  CSRF on) at ``live_server.url``; ``live_server.app`` is the app, for reading the
  database after the browser has acted (``with live_server.app.app_context(): ...``).
  Its threads commit through connections of their own, so browser test modules are
  ``pytestmark = [pytest.mark.browser, pytest.mark.committed]`` (a database per test).
- ``page`` — a Playwright page (zh-CN browser, Asia/Urumqi clock) on that server.
  ``page.goto("/zh/")`` works with paths. At teardown it fails the test if the browser
  logged a console error (a CSP violation, a 404 asset, a script error) or sent a request
  anywhere but 127.0.0.1 (no CDN, nothing leaves the machine).
- ``browser_log`` — what the page saw so far (``.requests``, ``.console_errors``,
  ``.page_errors``), for assertions in the middle of a test.
- ``new_page(locale=..., timezone_id=...)`` — more pages (other browser settings,
  a second user) under the same watch.

Chromium is Debian's (docs/STACK.md: Playwright downloads no browser here). Without it the
tests skip with the reason shown; with ``COLLAB_REQUIRE_BROWSER=1`` they fail instead,
so CI cannot pass by skipping.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("COLLAB_CHROMIUM", "/usr/lib/chromium/chromium")
REQUIRE_BROWSER = os.environ.get("COLLAB_REQUIRE_BROWSER") == "1"
# Flags measured to work here: running as root, no GPU, a closed network; the last
# ones stop Chromium phoning home, which the "nothing leaves 127.0.0.1" check would see.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCAL_HOST = "127.0.0.1"
# Browsers fetch these on their own; they never leave the machine.
INTERNAL_SCHEMES = ("data", "blob", "about", "chrome", "chrome-extension", "devtools")


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"COLLAB_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Chromium for the whole session (launching costs ~0.5 s)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (pip install -e '.[dev]')")
    if not Path(CHROMIUM).is_file():
        _unavailable(f"Chromium not found at {CHROMIUM} (apt install chromium fonts-noto-cjk, "
                     "or set COLLAB_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class LiveServer:
    app: object
    url: str

    def path_of(self, url: str) -> str:
        """The path (and query) of a URL on this server."""
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def live_server(app_config, database):
    """Collab served over HTTP on 127.0.0.1 and a free port, in a background thread."""
    from werkzeug.serving import make_server

    from collab import create_app
    from collab.demo import load_demo
    from collab.extensions import db
    from plugins.database import TEMPLATE_CACHE

    if not database.committed:  # the server's threads commit through connections of their own
        pytest.fail("live_server needs a database of its own: mark the test module "
                    "pytestmark = [pytest.mark.browser, pytest.mark.committed]", pytrace=False)
    # A real browser sends real forms: CSRF on, as in production.
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE  # compiled once per worker, not per test
    with app.app_context():
        load_demo()
        db.session.commit()
        db.session.remove()
    server = make_server(LOCAL_HOST, 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://{LOCAL_HOST}:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="collab-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=app.config["BASE_URL"])
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@dataclass
class BrowserLog:
    """What the browser did: every request, console error and uncaught page error."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def watch(self, context) -> None:
        """Listen on a whole browser context, so pop-ups and new tabs are watched too."""
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("console", self._console)
        context.on("weberror", lambda error: self.page_errors.append(str(error.error)))

    def _console(self, message) -> None:
        if message.type == "error":
            where = message.location or {}
            self.console_errors.append(f"{message.text} ({where.get('url', '?')}:{where.get('lineNumber', '?')})")

    def foreign_requests(self) -> list[str]:
        """Requests that went anywhere but this machine."""
        foreign = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in INTERNAL_SCHEMES:
                continue
            if parts.scheme not in ("http", "https") or parts.hostname != LOCAL_HOST:
                foreign.append(url)
        return foreign

    def problems(self) -> list[str]:
        return ([f"console error: {text}" for text in self.console_errors]
                + [f"page error: {text}" for text in self.page_errors]
                + [f"request left 127.0.0.1: {url}" for url in self.foreign_requests()])


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def new_page(chromium_browser, live_server, browser_log):
    """new_page(locale="zh-CN", timezone_id="Asia/Urumqi") -> a watched page in a fresh context."""
    contexts = []

    def make(locale: str = "zh-CN", timezone_id: str = "Asia/Urumqi", **options):
        context = chromium_browser.new_context(
            base_url=live_server.url, locale=locale, timezone_id=timezone_id, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        browser_log.watch(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    problems = browser_log.problems()
    assert not problems, "the browser saw problems:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    """A Chinese-speaking visitor in Xinjiang time: zh-CN, Asia/Urumqi."""
    return new_page()

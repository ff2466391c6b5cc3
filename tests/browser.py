"""A headless Chromium for tests of the HTML outputs (the report, the profiles) as a reader's
browser shows them, at a phone's and a desktop's width.

It drives Debian's ``/usr/bin/chromium`` through Playwright's sync API (Playwright's own
browser downloads are not used; ``bash dev.sh test`` installs the Debian package as root).
Without either, the tests that use it are skipped with the reason. Per page it collects what
a reader would not see but should not happen: console errors and uncaught exceptions, and
every request that leaves the machine (those are blocked, so a page that would fetch
something fails the same way offline and online).

Use the ``open_page`` fixture (module scope: one browser per test module), imported under
its function's name so that the test's argument does not shadow the import::

    from browser import invisible_images, open_page_fixture, page_overflow_x  # noqa: F401

    def test_report_fits_a_phone(open_page):
        with open_page(REPORT, width=390) as run:
            assert run.console_errors == []
            assert run.requests == []
            assert page_overflow_x(run.page) <= 0
            assert invisible_images(run.page) == []
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route

CHROMIUM = Path("/usr/bin/chromium")
#: Headless and quiet: no sandbox (tests may run as root in a container), no GPU, and none
#: of the browser's own background traffic (updates, sync, field trials).
ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: Schemes that never reach the network (blob: URLs are made by the page itself).
LOCAL_SCHEMES = frozenset({"file", "data", "about", "blob"})
#: Milliseconds any one step (loading, evaluating) may take before the test fails.
TIMEOUT_MS = 15_000


@dataclass
class PageRun:
    """An opened page and what happened while it loaded and ran."""

    page: Page
    #: Console messages of type "error" and uncaught exceptions ("pageerror: ...").
    console_errors: list[str] = field(default_factory=list)
    #: URL of every request that is not file:, data:, about:, blob: or to an allowed
    #: origin (blocked unless the page was opened with ``block_network=False``).
    requests: list[str] = field(default_factory=list)


def is_local(url: str, allowed: tuple[str, ...] = ()) -> bool:
    """Whether loading ``url`` stays on this machine: a local scheme, or a URL under one of
    the ``allowed`` origins (a server the test started itself, such as JupyterLab)."""
    return urlsplit(url).scheme in LOCAL_SCHEMES or url.startswith(allowed)


def target_url(target: str | Path) -> str:
    """A URL for a file path (absolute file: URL) or a URL given as a string."""
    if isinstance(target, Path):
        return target.resolve().as_uri()
    if urlsplit(target).scheme:
        return target
    return Path(target).resolve().as_uri()


def skip_reason() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (as root on Debian: apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (bash dev.sh setup installs the locked version)"
    return None


class Chromium:
    """A launched headless browser; every page gets a fresh context (no shared state)."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser

    @contextlib.contextmanager
    def open_page(
        self,
        target: str | Path,
        width: int,
        height: int = 900,
        block_network: bool = True,
        allowed: tuple[str, ...] = (),
    ) -> Iterator[PageRun]:
        """Open ``target`` (a path or URL) in a ``width`` x ``height`` viewport, waiting
        for its load event; the page and its context are closed on leaving the block.
        Requests under the ``allowed`` origins count as local."""
        context = self.browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            page = context.new_page()
            run = PageRun(page)

            def on_console(message: ConsoleMessage) -> None:
                if message.type == "error":
                    run.console_errors.append(message.text)

            def on_request(request: Request) -> None:
                if not is_local(request.url, allowed):
                    run.requests.append(request.url)

            def on_route(route: Route) -> None:
                if is_local(route.request.url, allowed):
                    route.continue_()
                else:
                    route.abort("blockedbyclient")

            page.on("console", on_console)
            page.on("pageerror", lambda error: run.console_errors.append(f"pageerror: {error}"))
            page.on("request", on_request)
            if block_network:
                page.route("**/*", on_route)
            page.goto(target_url(target), wait_until="load")
            yield run
        finally:
            context.close()


@contextlib.contextmanager
def launch() -> Iterator[Chromium]:
    """Start Debian's Chromium headless through Playwright (skipping when either is
    missing) and stop it on leaving the block. Playwright gives it a fresh temporary
    profile; its home is a temporary folder too, because Chromium writes crash-report and
    dconf folders there even then. Both are removed afterwards."""
    reason = skip_reason()
    if reason is not None:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="chromium-home-") as home, sync_playwright() as pw:
        env = os.environ | {
            "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        }
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(ARGS), env=env
        )
        try:
            yield Chromium(browser)
        finally:
            browser.close()


@pytest.fixture(scope="module", name="open_page")
def open_page_fixture() -> Iterator[Callable[..., contextlib.AbstractContextManager[PageRun]]]:
    """``open_page(path_or_url, width, height=900)``: a context manager giving a
    :class:`PageRun`; one browser serves all tests of a module."""
    with launch() as chromium:
        yield chromium.open_page


def page_overflow_x(page: Page) -> int:
    """Pixels by which the page is wider than the viewport (positive: the reader has to
    scroll sideways; content in its own scrolling container does not count)."""
    overflow: Any = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return int(overflow)


INVISIBLE_IMAGES_JS = """
() => [...document.querySelectorAll("img, svg")]
    .filter((el) => el.tagName.toLowerCase() === "img" || !el.parentElement?.closest("svg"))
    .filter((el) => {
        const box = el.getBoundingClientRect();
        const empty = box.width === 0 || box.height === 0;
        const broken = el.tagName.toLowerCase() === "img"
            && (!el.complete || el.naturalWidth === 0);
        return empty || broken;
    })
    .map((el) => el.outerHTML.slice(0, 120))
"""


def invisible_images(page: Page) -> list[str]:
    """The start of the markup of every ``<img>`` and outermost ``<svg>`` that a reader
    does not see: a zero-size box (hidden, collapsed) or, for ``<img>``, not loaded or not
    decodable. Lazy images below the fold count as not loaded."""
    found: Any = page.evaluate(INVISIBLE_IMAGES_JS)
    return [str(markup) for markup in found]

"""Shared fixtures for the real-browser tests: one app server and one chromium for the session.

Every ``tests/test_browser*.py`` module shares a single ``streamlit run app.py`` (on a free port)
and a single headless Debian chromium driven by Playwright; each test gets its own page, so its
own Streamlit session. Where Playwright or chromium is missing the tests that
ask for these fixtures skip, saying why (``.ci/run`` installs chromium); the other tests never
import Playwright.

Fixtures (use these names in new browser test files instead of module-level servers):

``app_server``
    Session scope. The base URL (``http://127.0.0.1:PORT``) of the running app.
``app_process``
    Session scope. The same app as (URL, pid), without Playwright: what the load client's
    test (``tests/test_load.py``) drives.
``chromium_browser``
    Session scope. The Playwright ``Browser`` (headless Debian chromium).
``browser_context``
    Session scope. The one context (1600×1000, downloads accepted) whose cache keeps the app's
    scripts between tests; each test's page is new, so each test has a new Streamlit session.
``app``
    Function scope. An :class:`AppPage`: a fresh page on ``app_server`` that records every
    ``pageerror`` and console error. ``app.open("?surface=two_basins")`` loads a link and waits
    until the script has run and the page has settled; ``app.act(lambda: ...)`` performs an action
    that reruns the script and waits for that rerun (do browser-only actions such as Plotly's
    ▶ Play directly, then ``app.wait_until(condition)``); ``app.state()`` returns a :class:`PageState` (exception elements,
    page and console errors, contour layers drawn per chart, panel titles, the verdict row, link
    warnings, the URL's query parameters); ``app.assert_healthy()`` checks no exception element,
    no page or console error, and every landscape layer of every chart drawn (contour traces,
    or the layout pictures that replace them).
``first_visit``
    Function scope. An :class:`AppPage` in a context of its own (1600×1000, no cookie, empty
    cache): a browser that has never seen the app.
``page``
    Function scope. The raw Playwright ``Page`` of ``app``, for tests that drive it directly.

Streamlit marks ``[data-testid=stApp]`` with ``data-test-script-state`` = ``running`` /
``notRunning``; an init script counts the runs that finished (and the server's messages), so a
test waits for *its* rerun to end, then for the page to stop changing, instead of sleeping a
fixed time.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))  # the one helper that starts the app

from servers import start_app, stop  # noqa: E402

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1600, "height": 1000}
RERUN_TIMEOUT_MS = 60_000

RUN_COUNTER = """
window.__gdvizRuns = {finished: 0, messages: 0, lastMessage: 0};
new MutationObserver(records => {
  for (const record of records) {
    if (record.oldValue === 'running') window.__gdvizRuns.finished += 1;
  }
}).observe(document, {
  subtree: true, attributes: true, attributeOldValue: true,
  attributeFilter: ['data-test-script-state'],
});
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', () => {
      window.__gdvizRuns.messages += 1;
      window.__gdvizRuns.lastMessage = performance.now();
    });
  }
};
"""
"""Counts the script runs Streamlit reports finished (``running`` → ``notRunning``), from before
the app's first render, and the server's messages: a run so quick that React renders its start
and end at once changes no attribute, but still sends messages."""

SNAPSHOT = """() => {
  const texts = sel => [...document.querySelectorAll(sel)].map(e => e.innerText.trim());
  const app = document.querySelector('[data-testid=stApp]');
  const charts = {};
  document.querySelectorAll('.js-plotly-plot').forEach((plot, i) => {
    const holder = plot.closest('[class*="st-key-"]');
    const key = holder ? [...holder.classList].find(c => c.startsWith('st-key-')).slice(7) : 'chart' + i;
    const slider = plot._fullLayout && plot._fullLayout.sliders && plot._fullLayout.sliders[0];
    charts[key] = {
      layers: (plot.data || []).filter(trace => trace.type === 'contour').length
        + ((plot.layout && plot.layout.images) || []).filter(image => image.source).length,
      drawn: plot.querySelectorAll('g.contour').length + plot.querySelectorAll('.imagelayer image').length,
      titles: [...plot.querySelectorAll('.annotation-text')].map(e => e.textContent).filter(t => t),
      step: slider ? slider.active : null,
    };
  });
  return {
    running: app ? app.getAttribute('data-test-script-state') !== 'notRunning' : true,
    exceptions: texts('[data-testid=stException]'),
    charts: charts,
    heading: texts('[data-testid=stMain] [data-testid=stHeading]').slice(0, 1).join(''),
    verdicts: texts('[data-testid=stMain] div[style*="border-left"]'),
    captions: texts('[data-testid=stMain] [data-testid=stCaptionContainer]'),
    alerts: texts('[data-testid=stAlert]'),
    tab: texts('[data-testid=stTab][aria-selected=true]').join(''),
    stale: document.querySelectorAll('[data-stale=true]').length,
  };
}"""
"""Everything a check needs, read from the page in one round trip."""


@dataclass(frozen=True)
class Chart:
    """One Plotly chart: its landscape layers (contour traces or layout pictures of the
    contours) and how many of them are drawn, its panel titles and its step slider's position."""

    layers: int
    drawn: int
    titles: tuple[str, ...]
    step: int | None


@dataclass(frozen=True)
class PageState:
    """What a person sees after an action, plus what the browser logged."""

    url: str
    query: dict[str, str]
    running: bool
    exceptions: tuple[str, ...]
    errors: tuple[str, ...]
    charts: dict[str, Chart]
    heading: str
    verdicts: tuple[str, ...]
    captions: tuple[str, ...]
    alerts: tuple[str, ...]
    tab: str
    stale: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """The main area's captions, where the settings in force are stated."""
        return "\n".join(self.captions)

    def titles(self, chart: str = "landscape") -> tuple[str, ...]:
        return self.charts[chart].titles if chart in self.charts else ()


class AppPage:
    """One Streamlit session in its own page, with its errors recorded."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"console error: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.add_init_script(RUN_COUNTER)

    # -- waiting ---------------------------------------------------------------------------

    def runs(self) -> tuple[int, int]:
        """(script runs finished, server messages received) so far."""
        runs = self.page.evaluate("window.__gdvizRuns")
        return int(runs["finished"]), int(runs["messages"])

    def wait_for_run(self, before: tuple[int, int]) -> None:
        """Until the script is idle after a run that ended since :meth:`runs` said ``before``
        (or, for a run too quick to show, once the server has sent something since and then
        been quiet for 0.3 s)."""
        self.page.wait_for_function(
            """([finished, messages]) => {
                 const r = window.__gdvizRuns, app = document.querySelector('[data-testid=stApp]');
                 return app && app.getAttribute('data-test-script-state') === 'notRunning'
                   && (r.finished > finished
                       || (r.messages > messages && performance.now() - r.lastMessage > 300)); }""",
            arg=list(before),
            timeout=RERUN_TIMEOUT_MS,
        )

    def settle(self, timeout: float = 15.0) -> PageState:
        """Until two readings 150 ms apart agree and no script runs: Plotly draws after the
        script ends, and a callback may start one more run."""
        deadline = time.monotonic() + timeout
        last = self.state()
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(150)
            now = self.state()
            if now == last and not now.running and not now.stale:
                return now
            last = now
        return last

    def wait_until(
        self, condition: Callable[[PageState], bool], timeout: float = 30.0
    ) -> PageState:
        """Until ``condition(state)`` holds; fails with the last state seen."""
        deadline = time.monotonic() + timeout
        state = self.state()
        while not condition(state):
            if time.monotonic() > deadline:
                pytest.fail(
                    f"timed out after {timeout} s waiting for the page; last state: {state}"
                )
            self.page.wait_for_timeout(100)
            state = self.state()
        return state

    # -- acting ----------------------------------------------------------------------------

    def open(self, query: str = "", chart: bool = True) -> PageState:
        """Load ``base_url/query`` and wait until the first run has ended and (``chart``: the
        open tab has one) a chart is drawn."""
        self.page.goto(f"{self.base_url}/{query}")
        self.wait_for_run((0, 0))
        # The page-size component (gdviz/ui/screen.py) reports the window once its script has
        # loaded, which can be seconds after the first run: wait until the page is drawn for
        # this window, so a test's first action does not race that redraw.
        self.wait_for_layout(0)
        if chart:
            self.page.wait_for_selector(".js-plotly-plot .main-svg", timeout=RERUN_TIMEOUT_MS)
        return self.settle()

    def act(
        self, action: Callable[[], object], until: Callable[[PageState], bool] | None = None
    ) -> PageState:
        """Do ``action`` (one that reruns the script), wait for that run, then settle; with
        ``until``, also until the page shows it (an upload reaches the script only once the
        file is sent). Browser-only actions (Plotly's ▶ Play, its step slider) are done
        directly and followed by :meth:`wait_until`."""
        before = self.runs()
        action()
        self.wait_for_run(before)
        state = self.settle()
        if until is not None and not until(state):
            self.wait_until(until)
            state = self.settle()
        return state

    def wait_for_layout(self, after_ms: int = 400) -> PageState:
        """Until the page is drawn for the window as it is now: after something that changes
        the main column's size (the sidebar opening), the page-size component reports it a
        quarter of a second later and the server redraws for it."""
        self.page.wait_for_timeout(after_ms)
        self.page.wait_for_function(
            """() => window.__gdvizScreen?.drawn === true
                 && document.querySelector('[data-testid=stApp]')
                      ?.getAttribute('data-test-script-state') === 'notRunning'""",
            timeout=RERUN_TIMEOUT_MS,
        )
        return self.settle()

    # -- reading ---------------------------------------------------------------------------

    def state(self) -> PageState:
        raw = self.page.evaluate(SNAPSHOT)
        url = self.page.url
        query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
        return PageState(
            url=url,
            query=query,
            running=raw["running"],
            exceptions=tuple(raw["exceptions"]),
            errors=tuple(self.errors),
            charts={
                key: Chart(c["layers"], c["drawn"], tuple(c["titles"]), c["step"])
                for key, c in raw["charts"].items()
            },
            heading=raw["heading"],
            verdicts=tuple(raw["verdicts"]),
            captions=tuple(raw["captions"]),
            alerts=tuple(raw["alerts"]),
            tab=raw["tab"],
            stale=raw["stale"],
        )

    def assert_healthy(self, state: PageState | None = None, what: str = "") -> PageState:
        """No exception element, no page or console error, every landscape layer drawn (and the
        ``landscape`` chart, where shown, has some)."""
        state = state or self.state()
        where = f" after {what}" if what else ""
        assert not state.exceptions, f"exception on the page{where}: {state.exceptions}"
        assert not state.errors, f"browser errors{where}: {state.errors}"
        for key, chart in state.charts.items():
            assert chart.drawn == chart.layers, (
                f"chart {key!r}{where}: {chart.drawn} landscape layers drawn of {chart.layers} "
                "(the contours vanished)"
            )
        if "landscape" in state.charts:
            assert state.charts["landscape"].layers > 0, f"no landscape in the chart{where}"
        return state

    # -- locating --------------------------------------------------------------------------

    def widget(self, key: str) -> Any:
        """The element container of the widget with Streamlit key ``key``."""
        return self.page.locator(f".st-key-{key}")


# -- fixtures --------------------------------------------------------------------------------


def _browser_test(nodeid: str) -> bool:
    return _module(nodeid).startswith("test_browser")


def _module(nodeid: str) -> str:
    return nodeid.split("::")[0].rsplit("/", 1)[-1]


# The browser tests the second worker takes once the pure and AppTest tests are done.
_LATE_BROWSER_MODULE = "test_browser.py"


def _late(nodeid: str) -> bool:
    return _module(nodeid) == _LATE_BROWSER_MODULE


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests first, so their long run starts at once, and one browser module last,
    for the worker that finishes the rest early (see the scheduler below)."""
    early = [item for item in items if _browser_test(item.nodeid) and not _late(item.nodeid)]
    late = [item for item in items if _late(item.nodeid)]
    rest = [item for item in items if not _browser_test(item.nodeid)]
    items[:] = early + rest + late


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Two workers (pyproject's ``-n 2``): the browser tests but one module on one worker,
    against one server and one chromium, while the other takes the pure and AppTest tests and
    then that module (:data:`_LATE_BROWSER_MODULE`, with a server and chromium of its own).
    Scopes are handed out in collection order, so the late module is taken by whichever worker
    runs out of work first. (Handing each browser file to either worker from the start was
    tried: two chromiums and two servers on two cores starved each other, 127 tests in 7
    minutes; all of them on one worker left the other idle for its last four minutes.) A
    scheduler of our own, because xdist's ``loadgroup`` rewrites node ids in a way pytest 9.2
    no longer reads."""
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if _late(nodeid):
                return "browser, late"
            return "browser" if _browser_test(nodeid) else nodeid

    return BrowserTestsTogether(config, log)


@pytest.fixture(scope="session", autouse=True)
def _component_manifests_scanned_once() -> Iterator[None]:
    """Every ``AppTest`` scans all installed distributions for custom components' manifests
    when it first runs (0.35 s of CPU here, finding none): a third of a short AppTest test.
    The installed packages do not change during a test session, so the scan runs once per
    process. The app's own components (``st.components.v2.component`` in gdviz/ui) are
    registered by the script itself, not by this scan."""
    from streamlit.components.v2 import manifest_scanner

    scan = manifest_scanner.scan_component_manifests
    found = scan()
    manifest_scanner.scan_component_manifests = lambda *args, **kwargs: list(found)  # type: ignore[assignment]
    yield
    manifest_scanner.scan_component_manifests = scan


@pytest.fixture(scope="session")
def _sync_playwright() -> Any:
    """Playwright's sync API, or a skip saying what is missing."""
    api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return api


@pytest.fixture(scope="session")
def app_process() -> Iterator[tuple[str, int]]:
    """One ``streamlit run app.py`` on 127.0.0.1 and a free port: (its URL, its pid). The
    browser tests reach it as ``app_server``; the load client's test uses it directly."""
    try:
        process, url = start_app()
    except RuntimeError as error:
        pytest.fail(f"the app did not start: {error}")
    yield url, process.pid
    stop(process)  # killed if a server busy under load does not stop: it must not fail a test


@pytest.fixture(scope="session")
def app_server(_sync_playwright: Any, app_process: tuple[str, int]) -> str:
    """The app's base URL for every browser test (skipped, before the app starts, where
    Playwright or chromium is missing)."""
    return app_process[0]


@pytest.fixture(scope="session")
def chromium_browser(_sync_playwright: Any) -> Iterator[Any]:
    """One headless Debian chromium for every browser test."""
    with _sync_playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def browser_context(chromium_browser: Any) -> Iterator[Any]:
    """One browser context, so its HTTP cache holds Streamlit's and Plotly's scripts after the
    first page (a fresh context re-downloads and re-parses them: 3x slower first charts)."""
    context = chromium_browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    yield context
    context.close()


@pytest.fixture
def app(browser_context: Any, app_server: str) -> Iterator[AppPage]:
    """A fresh page, so a fresh Streamlit session (session state lives per connection)."""
    page = browser_context.new_page()
    try:
        yield AppPage(page, app_server)
    finally:
        page.close()


@pytest.fixture
def first_visit(chromium_browser: Any, app_server: str) -> Iterator[AppPage]:
    """A page in a context of its own: no size cookie, nothing cached."""
    context = chromium_browser.new_context(viewport=VIEWPORT)
    try:
        yield AppPage(context.new_page(), app_server)
    finally:
        context.close()


@pytest.fixture
def page(app: AppPage) -> Any:
    """The raw Playwright page of ``app``."""
    return app.page

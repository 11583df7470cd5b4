"""The dashboard in headless Chromium, and the render time of a page as a user perceives it.

Shared by `tests/test_browser.py` (tiny demo) and `benchmarks/dashboard_render.py` (any home, e.g. `medium`).

A page is **ready** when `[data-testid="stApp"]` has `data-test-script-state="notRunning"`, the page's title
(`h1`) is drawn, and at least `min_charts` charts are in the DOM with every Plotly chart drawn (its `.main-svg`
exists: Plotly's JavaScript chunk has loaded and the figure is laid out). The clock runs inside the page
(`performance.now()`), polled every few milliseconds, so WebDriver round trips are not counted.

- **cold load**: a browser with an empty profile opens the page's URL: from the navigation start to ready. It
  includes the HTML, Streamlit's JavaScript bundle, the websocket connect, the session's first script run
  (on a freshly started server also the Python imports and the first queries) and Plotly's chunk.
- **navigation**: in an open session, a click on the page's link in the sidebar menu: from the click to ready.
  No page load and no new session: what a user waits for when moving between pages.

Needs Debian's `chromium` and `chromium-driver` and the `selenium` package (dev dependencies).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dashboards.server import streamlit_command

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)  # fmt: skip
WINDOW = (1400, 1800)  # the tests' full-page screenshots; a laptop screen is about 1440 × 900
ROOT = Path(__file__).resolve().parent.parent
SERVER_START_S = 60
PAGE_TIMEOUT_S = 60
POLL_MS = 5

CHARTS = '[data-testid="stPlotlyChart"], [data-testid="stVegaLiteChart"], [data-testid="stArrowVegaLiteChart"]'
EXCEPTION = '[data-testid="stException"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# The heading each page shows (st.title), per url_path; a new page must be added here.
HEADINGS: dict[str, str] = {
    "home": "Overview",
    "market-share": "Market share & concentration",
    "customers-retention": "Customers & retention",
    "vendor-switching": "Switching between vendors",
    "model-pricing": "Model prices",
    "sustainability-scorecard": "Sustainability scorecard",
    "data-quality": "Data quality",
}
NAV_LINK = '[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]'

# In the page: resolves with the milliseconds until ready (or an exception shows), or an error. When `href` is
# given, the clock starts when the sidebar menu's link to it is clicked; otherwise at the navigation start (0).
_READY_JS = """
const [sel, heading, minCharts, href, timeoutMs, pollMs, done] = arguments;
function ready() {
  if (document.querySelector(sel.exception)) return true;
  if (!document.querySelector(sel.idle)) return false;
  const titles = [...document.querySelectorAll('h1')].map((h) => h.textContent.trim());
  if (!titles.includes(heading)) return false;
  const drawn = [...document.querySelectorAll(sel.charts)];
  if (drawn.length < minCharts) return false;
  return drawn.every((c) => c.dataset.testid !== 'stPlotlyChart' || c.querySelector('.main-svg'));
}
let started = 0;
if (href !== null) {
  const link = [...document.querySelectorAll(sel.nav)].find((a) => a.href === href);
  if (!link) { done({error: 'no menu link to ' + href}); return; }
  started = performance.now();
  link.click();
}
const deadline = performance.now() + timeoutMs;
(function poll() {
  if (ready()) { done({ms: performance.now() - started}); return; }
  if (performance.now() > deadline) { done({error: 'not ready within ' + timeoutMs + ' ms'}); return; }
  setTimeout(poll, pollMs);
})();
"""
_SELECTORS = {"charts": CHARTS, "exception": EXCEPTION, "idle": IDLE, "nav": NAV_LINK}


class NotReady(AssertionError):
    """The page did not become ready (timeout, missing link)."""


def missing_browser() -> str | None:
    """Why the browser cannot run here, or None when Chromium and its driver are installed."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return None
    return f"needs {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def serve(home: Path, log: Path, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """`streamlit run dashboards/app.py` against `home` on a free local port; yields the base URL.

    The server runs in its own process group and is stopped by its pid when the block ends.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = streamlit_command(port, "127.0.0.1")
    environment = os.environ | dict(env or {}) | {"MODELMARKET_HOME": str(home)}
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + SERVER_START_S
            while not _healthy(base):
                if server.poll() is not None or time.monotonic() > deadline:
                    output.flush()
                    raise RuntimeError(f"the dashboard did not start on {base}: {log.read_text()[-2000:]}")
                time.sleep(0.2)
            yield base
        finally:
            _stop(server)


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


@contextmanager
def chromium(profile: Path, window: tuple[int, int] = WINDOW) -> Iterator[Any]:
    """A headless Chromium session with a fresh profile directory and a `window` (width, height) in CSS pixels;
    yields the Selenium driver. Without a GPU every visible pixel is painted in software: size matters."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROME_ARGS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={window[0]},{window[1]}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT_S)
    driver.set_script_timeout(PAGE_TIMEOUT_S + 5)
    try:
        yield driver
    finally:
        driver.quit()


def _until_ready(driver: Any, heading: str, min_charts: int, href: str | None) -> float:
    timeout_ms = PAGE_TIMEOUT_S * 1000
    result = driver.execute_async_script(_READY_JS, _SELECTORS, heading, min_charts, href, timeout_ms, POLL_MS)
    if "error" in result:
        raise NotReady(f"{heading}: {result['error']}")
    return float(result["ms"]) / 1000


def cold_load(driver: Any, url: str, heading: str, min_charts: int = 1) -> float:
    """Open `url` (a full page load) and return the seconds from the navigation start until the page is ready."""
    driver.get(url)
    return _until_ready(driver, heading, min_charts, href=None)


def navigate(driver: Any, url: str, heading: str, min_charts: int = 1) -> float:
    """Click the sidebar menu's link to `url` in the open session; the seconds from the click until ready."""
    return _until_ready(driver, heading, min_charts, href=url)


def session_marker(driver: Any, value: str | None = None) -> str | None:
    """Set (with `value`) or read a marker on the page's window: it survives navigation, not a page load."""
    if value is not None:
        driver.execute_script("window.__modelmarketSession = arguments[0];", value)
    return driver.execute_script("return window.__modelmarketSession || null;")

"""The real dashboard in headless Chromium: every page renders its title and a chart without an exception.

One Streamlit server (a subprocess on a free port, against the session's tiny demo warehouse, read-only) and one
Chromium session serve every test of this module. Each page is opened by URL, its render time recorded, and a
screenshot saved to `test-artifacts/screenshots/<url_path>.png`. Then one sidebar filter is changed (the URL must
follow) and one link with query parameters is opened (the widgets must show its values).

Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them); skipped with the reason otherwise.
Run only these tests with `.venv/bin/python -m pytest -m browser`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboards.navigation import PAGES
from ingest.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
RENDER_TIMES = PROJECT_ROOT / "test-artifacts" / "render-times.json"
CHROME_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1800",
)  # fmt: skip
SERVER_START_S = 60
PAGE_TIMEOUT_S = 30
SETTLE_S = 0.3

# The heading each page shows (st.title), per url_path; a new page must be added here.
HEADINGS = {
    "home": "Overview",
    "market-share": "Market share & concentration",
    "customers-retention": "Customers & retention",
    "vendor-switching": "Switching between vendors",
    "model-pricing": "Model prices",
    "sustainability-scorecard": "Sustainability scorecard",
    "data-quality": "Data quality",
}
CHARTS = '[data-testid="stPlotlyChart"], [data-testid="stVegaLiteChart"], [data-testid="stArrowVegaLiteChart"]'
EXCEPTION = '[data-testid="stException"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def dashboard(demo_home: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard served by `streamlit run` on a free port; yields its base URL, stops it by pid."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(f"browser tests need {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path_factory.mktemp("streamlit") / "server.log").open("w")
    command = [
        sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "dashboards" / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    env = os.environ | {"MODELMARKET_HOME": str(demo_home.home)}
    server = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not _healthy(base):
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"the dashboard did not start on {base}: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(dashboard: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One headless Chromium session (fresh profile) for every test of the module."""
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROME_ARGS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    try:
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    except WebDriverException as err:
        pytest.skip(f"headless Chromium could not start: {str(err).splitlines()[0]}")
    driver.set_page_load_timeout(PAGE_TIMEOUT_S)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, condition, timeout: float = PAGE_TIMEOUT_S):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)


def _idle(driver) -> bool:
    """The app finished its run: the script is not running and the page's title is drawn."""
    from selenium.webdriver.common.by import By

    return bool(driver.find_elements(By.CSS_SELECTOR, IDLE) and driver.find_elements(By.CSS_SELECTOR, "h1"))


def _open(driver, url: str) -> float:
    """Load `url`, wait until the app's script ran to the end and its charts are drawn; returns the seconds."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By

    started = time.perf_counter()
    driver.get(url)
    _wait(driver, _idle)
    # a chart's element appears once its JavaScript chunk has loaded (the first time: Plotly's); on a timeout
    # the caller's assertions say what is missing
    with contextlib.suppress(TimeoutException):
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, CHARTS) or d.find_elements(By.CSS_SELECTOR, EXCEPTION))
    elapsed = time.perf_counter() - started
    _settle(driver)
    return elapsed


def _settle(driver) -> None:
    """A short pause for a rerun the last interaction may trigger, then wait until the app is idle again."""
    time.sleep(SETTLE_S)
    _wait(driver, _idle)


def _query(driver) -> dict[str, list[str]]:
    return parse_qs(urlsplit(driver.current_url).query)


def _sidebar_selectbox(driver, label: str):
    from selenium.webdriver.common.by import By

    for box in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebar"] [data-testid="stSelectbox"]'):
        if box.find_element(By.CSS_SELECTOR, '[data-testid="stWidgetLabel"]').text.strip() == label:
            return box
    raise AssertionError(f"no sidebar selectbox labelled {label!r}")


def test_every_page_renders_in_chromium(dashboard: str, browser) -> None:
    from selenium.webdriver.common.by import By

    assert {spec.url_path for spec in PAGES} == set(HEADINGS), "add the new page's heading to HEADINGS"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}
    for spec in PAGES:
        url = f"{dashboard}/" if spec.default else f"{dashboard}/{spec.url_path}"  # the default page lives at /
        times[spec.url_path] = round(_open(browser, url), 3)
        browser.save_screenshot(str(SCREENSHOTS / f"{spec.url_path}.png"))
        dialogs = [d.text for d in browser.find_elements(By.CSS_SELECTOR, '[role="dialog"]')]
        assert not dialogs, f"{spec.url_path}: {dialogs}"  # e.g. Streamlit's "Page not found"
        exceptions = browser.find_elements(By.CSS_SELECTOR, EXCEPTION)
        assert not exceptions, f"{spec.url_path}: {[e.text[:300] for e in exceptions]}"
        headings = [h.text.strip() for h in browser.find_elements(By.CSS_SELECTOR, "h1")]
        assert HEADINGS[spec.url_path] in headings, f"{spec.url_path}: headings {headings}"
        assert browser.find_elements(By.CSS_SELECTOR, CHARTS), f"{spec.url_path}: no chart"
        assert "Last refresh" in browser.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"]').text
    RENDER_TIMES.write_text(json.dumps(times, indent=2) + "\n")
    print("render times (s):", json.dumps(times))


def test_a_sidebar_filter_is_written_to_the_url(dashboard: str, browser) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, f"{dashboard}/market-share")
    assert "segment" not in _query(browser)
    _sidebar_selectbox(browser, "Customer segment").click()
    options = browser.find_elements(By.CSS_SELECTOR, '[role="listbox"] [role="option"]')
    next(option for option in options if option.text.strip() == "Enterprise").click()
    _wait(browser, lambda d: _query(d).get("segment") == ["enterprise"])
    _settle(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, EXCEPTION)
    assert "Enterprise" in browser.find_element(By.CSS_SELECTOR, '[data-testid="stMain"]').text


def test_a_link_with_query_parameters_sets_the_widgets(dashboard: str, browser) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, f"{dashboard}/market-share?segment=enterprise&grain=quarter")
    assert not browser.find_elements(By.CSS_SELECTOR, EXCEPTION)
    segment = _sidebar_selectbox(browser, "Customer segment").find_element(By.CSS_SELECTOR, '[role="combobox"]')
    assert segment.get_attribute("value") == "Enterprise"
    active = browser.find_elements(
        By.CSS_SELECTOR, '[data-testid="stSidebar"] [data-testid="stButtonGroup"] button[aria-checked="true"]'
    )
    assert [button.text.strip() for button in active] == ["Quarterly"]
    assert _query(browser) == {"segment": ["enterprise"], "grain": ["quarter"]}
    assert browser.find_elements(By.CSS_SELECTOR, CHARTS)

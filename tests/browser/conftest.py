"""Fixtures for the end-to-end tests in headless Chromium (Debian's chromium + chromium-driver).

``browser``   the Selenium 4 Chrome driver. One Chromium runs for the whole session; each test
              starts on about:blank with no cookies. On failure a screenshot and the page source
              are saved to ``$QUNGUAN_BROWSER_ARTIFACTS`` (default: <pytest basetemp>/browser-artifacts).
``live_url``  ``live_url("/accounts/login/")`` -> absolute URL on pytest-django's ``live_server``;
              a name without a leading slash is reversed first: ``live_url("login")``.

The system chromedriver is used directly (``ChromeService(executable_path=...)``), so Selenium
Manager never runs and nothing is downloaded. ``make test-browser`` installs the browser first
(scripts/ensure_chromium.py). Without Chromium the tests fail under CI=true and skip elsewhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Belt and braces: Selenium Manager must stay offline even if some code path reaches it.
os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")

from selenium import webdriver

CHROMIUM = os.environ.get("QUNGUAN_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("QUNGUAN_CHROMEDRIVER", "/usr/bin/chromedriver")
WINDOW = (1400, 1000)
IMPLICIT_WAIT_S = 0.5
PAGE_LOAD_TIMEOUT_S = 30
HEADLESS_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
    "--lang=zh-CN",
]


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    # Keep each phase's report on the item so that `browser` can tell a failed test.
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser_artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("QUNGUAN_BROWSER_ARTIFACTS")
    path = Path(configured) if configured else tmp_path_factory.getbasetemp() / "browser-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        msg = f"{', '.join(missing)} missing: run `python scripts/ensure_chromium.py` (as root)"
        if _ci():
            pytest.fail(f"CI=true: browser tests are required but {msg}", pytrace=False)
        pytest.skip(msg)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in HEADLESS_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    service = webdriver.ChromeService(
        executable_path=CHROMEDRIVER,
        log_output=str(tmp_path_factory.getbasetemp() / "chromedriver.log"),
    )
    driver = webdriver.Chrome(options=options, service=service)
    driver.implicitly_wait(IMPLICIT_WAIT_S)
    driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT_S)
    driver.set_window_size(*WINDOW)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(
    browser_session: webdriver.Chrome, browser_artifacts: Path, request: pytest.FixtureRequest
) -> Iterator[webdriver.Chrome]:
    driver = browser_session
    driver.get("about:blank")
    driver.delete_all_cookies()
    yield driver
    report = getattr(request.node, "_report_call", None)
    if report is not None and report.failed:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            shot = browser_artifacts / f"{stem}.png"
            driver.save_screenshot(str(shot))
            (browser_artifacts / f"{stem}.html").write_text(driver.page_source, encoding="utf-8")
            print(f"\n[browser] failure at {driver.current_url}: screenshot {shot}")
        except Exception as exc:  # the driver itself may be what broke
            print(f"\n[browser] could not save a screenshot: {exc!r}")
    # The next test starts clean: leave the page and drop this test's session cookies.
    try:
        driver.get("about:blank")
        driver.delete_all_cookies()
    except Exception as exc:
        print(f"\n[browser] could not reset the browser: {exc!r}")


@pytest.fixture
def live_url(live_server: Any) -> Callable[[str], str]:
    def url(path_or_name: str, *args: Any, **kwargs: Any) -> str:
        if not path_or_name.startswith("/"):
            from django.urls import reverse

            path_or_name = reverse(path_or_name, args=args or None, kwargs=kwargs or None)
        return f"{live_server.url}{path_or_name}"

    return url

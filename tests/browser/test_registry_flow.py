"""End to end in headless Chromium: a unit liaison logs in, registers a group, sees the
breach it causes on the dashboard and exports the unit's filing form."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.waits import page_left
from tests.conftest import PASSWORD, Cast, build_cast

pytestmark = pytest.mark.browser

NEW_GROUP = "作曲2023级1班家长群"


@pytest.fixture
def live_cast(transactional_db: Any) -> Cast:
    return build_cast()


def log_in(browser: webdriver.Chrome, live_url: Callable[..., str], username: str) -> None:
    browser.get(live_url("login"))
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    submit_and_wait(browser, "form button[type=submit]")
    assert browser.current_url == live_url("dashboard"), browser.page_source[:2000]


def submit_and_wait(browser: webdriver.Chrome, selector: str) -> None:
    """Click a submit button and wait until the browser has left the page (click does not wait)."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(browser, 15).until(page_left(old))
    WebDriverWait(browser, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def breaches_on_dashboard(browser: webdriver.Chrome, live_url: Callable[..., str]) -> dict[str, set[str]]:
    """Return breach kind → names of the groups the dashboard lists under it."""
    browser.get(live_url("dashboard"))
    found: dict[str, set[str]] = {}
    for row in browser.find_elements(By.CSS_SELECTOR, "#breaches tr[data-breach]"):
        name = row.find_element(By.CSS_SELECTOR, "td a").text
        found.setdefault(row.get_attribute("data-breach") or "", set()).add(name)
    return found


def wait_for_file(folder: Path, suffix: str, timeout_s: float = 20) -> Path:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]
        if done and not list(folder.glob("*.crdownload")):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file downloaded into {folder}: {list(folder.iterdir())}")


def test_liaison_registers_a_group_sees_its_breach_and_exports_the_filing(
    browser: webdriver.Chrome, live_url: Callable[..., str], live_cast: Cast, tmp_path: Path
) -> None:
    log_in(browser, live_url, "zuoqu")
    assert NEW_GROUP not in set().union(*breaches_on_dashboard(browser, live_url).values())

    # Register a class group with more members than the class has students and than 3(2) allows.
    browser.get(live_url("group_register"))
    browser.find_element(By.ID, "id_name").send_keys(NEW_GROUP)
    Select(browser.find_element(By.ID, "id_platform")).select_by_value("wechat")
    browser.find_element(By.ID, "id_account").send_keys("wx-zuoqu-2023-1-jiazhang")
    Select(browser.find_element(By.ID, "id_unit")).select_by_value(str(live_cast.composition_class.pk))
    browser.find_element(By.ID, "id_member_scope").send_keys("作曲2023级1班学生家长")
    browser.find_element(By.ID, "id_purpose").send_keys("家校沟通")
    Select(browser.find_element(By.ID, "id_owner")).select_by_value(str(live_cast.teacher_a.pk))
    Select(browser.find_element(By.ID, "id_admins")).select_by_value(str(live_cast.teacher_a.pk))
    count = browser.find_element(By.ID, "id_member_count")
    count.clear()
    count.send_keys("180")
    submit_and_wait(browser, "form.form-grid button[type=submit]")
    assert "/new/" not in browser.current_url, browser.page_source[:3000]
    assert "/groups/" in browser.current_url
    assert NEW_GROUP in browser.find_element(By.TAG_NAME, "h1").text

    # The dashboard now names the new group under both size rules.
    breaches = breaches_on_dashboard(browser, live_url)
    assert NEW_GROUP in breaches.get("oversize", set())
    assert NEW_GROUP in breaches.get("over_headcount", set())

    # Export the unit's filing form from the unit tree, as a real download.
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    browser.get(live_url("unit_tree"))
    link = next(
        a
        for a in browser.find_elements(By.CSS_SELECTOR, "a.export[data-format=xlsx]")
        if a.get_attribute("href").endswith(f"/units/{live_cast.composition.pk}/filing.xlsx")
    )
    link.click()
    workbook = openpyxl.load_workbook(wait_for_file(tmp_path, ".xlsx"))
    cells = {str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value}
    assert NEW_GROUP in cells
    assert any("填报部门" in c for c in cells)

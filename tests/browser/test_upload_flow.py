"""End to end in headless Chromium: a unit liaison uploads a sample chat export, reads the import
summary, follows it to the unregistered group it revealed, marks it not a work group and reopens it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from qunguan.unregistered.models import SightingStatus, UnregisteredGroup
from tests.browser.test_registry_flow import log_in, submit_and_wait
from tests.conftest import Cast, build_cast

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[1] / "ingest" / "samples" / "qce_json" / "qce_group_export.json"
SAMPLE_GROUP = "800100200"  # the sample's QQ group, which the cast's registry does not hold


@pytest.fixture
def live_cast(transactional_db: Any, settings: Any, tmp_path: Path) -> Cast:
    settings.DATA_DIR = tmp_path / "data"
    return build_cast()


def test_liaison_uploads_an_export_and_resolves_the_unregistered_group_it_shows(
    browser: webdriver.Chrome, live_url: Callable[..., str], live_cast: Cast
) -> None:
    log_in(browser, live_url, "zuoqu")
    browser.get(live_url("chat_upload"))
    browser.find_element(By.ID, "id_exports").send_keys(str(SAMPLE))
    submit_and_wait(browser, "form.form-grid button[type=submit]")

    # The import summary: one row for the file, with its counts and the unregistered group.
    row = browser.find_element(By.CSS_SELECTOR, f'#results tr[data-file="{SAMPLE.name}"]')
    cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
    assert cells[0] == SAMPLE.name
    assert cells[1] == "qce_json"
    read, stored, duplicates = (int(c) for c in cells[2:5])
    assert read > 0
    assert (stored, duplicates) == (read, 0)
    assert int(cells[6]) >= 2  # the sample's fake ID number and phone number
    assert SAMPLE_GROUP in cells[7], cells

    # 去处理 → the unregistered groups of 作曲系, and the group's own page.
    row.find_element(By.LINK_TEXT, "去处理").click()
    WebDriverWait(browser, 15).until(lambda d: "/unregistered/" in d.current_url)
    link = browser.find_element(By.CSS_SELECTOR, "#unregistered tr[data-unregistered] td a")
    assert SAMPLE_GROUP in link.text
    link.click()
    WebDriverWait(browser, 15).until(lambda d: re.search(r"/unregistered/\d+/$", d.current_url))
    assert SAMPLE_GROUP in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_element(By.ID, "status").text == "待处理"

    # Marked not a work group by mistake, then reopened from the same page.
    browser.find_element(By.ID, "id_reason").send_keys("个人兴趣群")
    submit_and_wait(browser, "form[action$='/dismiss/'] button[type=submit]")
    row_id = UnregisteredGroup.objects.get(account=SAMPLE_GROUP).pk
    assert UnregisteredGroup.objects.get(pk=row_id).status == SightingStatus.NOT_WORK
    browser.get(live_url("unregistered_detail", row_id))
    browser.find_element(By.ID, "reopen-note").send_keys("实为教研工作群")
    submit_and_wait(browser, "form[action$='/reopen/'] button[type=submit]")
    assert "已重新打开" in browser.page_source
    assert browser.find_element(By.ID, "status").text == "待处理"
    assert UnregisteredGroup.objects.get(pk=row_id).status == SightingStatus.OPEN

"""End to end in headless Chromium: a unit's filing from opened to accepted and exported.

The supervisor opens the year's campaign; 作曲系's liaison corrects a group, confirms the rest,
uploads the signed and stamped form and submits; the supervisor returns it with a comment; the
liaison resubmits; the supervisor accepts it, the correction reaches the registry, and the
filing downloads as PDF and Excel.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from qunguan.campaigns.models import Filing, FilingState
from qunguan.filing.pdf_writer import SYSTEM_FONTS
from qunguan.registry.models import Group
from tests.browser.test_registry_flow import log_in, submit_and_wait, wait_for_file
from tests.conftest import Cast, build_cast

pytestmark = pytest.mark.browser

YEAR = 2026


@pytest.fixture
def live_cast(transactional_db: Any) -> Cast:
    return build_cast()


def switch_user(browser: webdriver.Chrome, live_url: Callable[..., str], username: str) -> None:
    browser.delete_all_cookies()
    log_in(browser, live_url, username)


def flash(browser: webdriver.Chrome) -> str:
    return " ".join(m.text for m in browser.find_elements(By.CSS_SELECTOR, "ul.messages li"))


def board_state(browser: webdriver.Chrome, live_url: Callable[..., str], campaign_id: int, unit: str) -> str:
    browser.get(live_url("campaign_board", campaign_id))
    return (
        browser.find_element(By.CSS_SELECTOR, f'#board tr[data-unit="{unit}"]').get_attribute("data-state")
        or ""
    )


def test_a_units_filing_goes_from_opened_to_accepted_and_exported(
    browser: webdriver.Chrome, live_url: Callable[..., str], live_cast: Cast, tmp_path: Path
) -> None:
    # The supervisor opens the campaign with the default deadline (10 March).
    log_in(browser, live_url, "xcb")
    browser.get(live_url("campaign_list"))
    year = browser.find_element(By.ID, "id_year")
    year.clear()
    year.send_keys(str(YEAR))
    submit_and_wait(browser, "#open-campaign button[type=submit]")
    assert f"已发起{YEAR}年度群组备案填报，共 2 个单位。" in flash(browser)
    filing = Filing.objects.get(unit=live_cast.composition)
    campaign_id = filing.campaign_id
    assert board_state(browser, live_url, campaign_id, "作曲系") == "open"

    # 作曲系's liaison corrects the head count of its group and submits with the signed form.
    switch_user(browser, live_url, "zuoqu")
    browser.get(live_url("campaign_list"))
    browser.find_element(By.LINK_TEXT, "作曲系").click()
    assert "作曲系 2026年度群组备案登记表" in browser.find_element(By.TAG_NAME, "h1").text
    row = browser.find_element(By.CSS_SELECTOR, "#entries tr[data-entry]")
    row.find_element(By.TAG_NAME, "summary").click()
    count = row.find_element(By.NAME, "member_count")
    count.clear()
    count.send_keys("48")
    submit_and_wait(browser, "#entries form.entry-correct button[value=correct]")
    assert "“作曲系教职工群”已更正。" in flash(browser)
    assert (
        browser.find_element(By.CSS_SELECTOR, "#entries tr[data-entry]").get_attribute("data-decision")
        == "corrected"
    )

    # Submitting without the signed form is refused with the reason.
    submit_and_wait(browser, "#submit-filing button[type=submit]")
    assert "请先上传签字盖章的备案登记表（PDF、JPG 或 PNG）。" in flash(browser)
    signed = tmp_path / "作曲系-签字盖章.pdf"
    signed.write_bytes(b"%PDF-1.4\n% signed and stamped\n%%EOF\n")
    browser.find_element(By.ID, "id_scan").send_keys(str(signed))
    submit_and_wait(browser, "#scan-upload button[type=submit]")
    assert "已上传签字盖章的登记表。" in flash(browser)
    submit_and_wait(browser, "#submit-filing button[type=submit]")
    assert "已提交，等待党委宣传部审核。" in flash(browser)

    # The supervisor returns it with a comment; the liaison sees it and resubmits.
    switch_user(browser, live_url, "xcb")
    assert board_state(browser, live_url, campaign_id, "作曲系") == "submitted"
    browser.get(live_url("campaign_filing", filing.pk))
    browser.find_element(By.ID, "id_comment").send_keys("请注明现有人数的统计日期。")
    submit_and_wait(browser, "#decide button#return")
    assert "已退回“作曲系”的填报。" in flash(browser)

    switch_user(browser, live_url, "zuoqu")
    browser.get(live_url("campaign_filing", filing.pk))
    assert "请注明现有人数的统计日期。" in browser.find_element(By.ID, "filing-comment").text
    submit_and_wait(browser, "#submit-filing button[type=submit]")
    assert "已提交，等待党委宣传部审核。" in flash(browser)

    # The supervisor accepts: the correction reaches the registry.
    switch_user(browser, live_url, "xcb")
    browser.get(live_url("campaign_filing", filing.pk))
    submit_and_wait(browser, "#decide button#accept")
    assert "已通过“作曲系”的填报，登记信息已更新。" in flash(browser)
    assert board_state(browser, live_url, campaign_id, "作曲系") == "accepted"
    assert Filing.objects.get(pk=filing.pk).state == FilingState.ACCEPTED
    assert Group.objects.get(pk=live_cast.group_a.pk).member_count == 48

    # The accepted filing downloads in the annex layout, as PDF and as Excel.
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    browser.get(live_url("campaign_filing", filing.pk))
    browser.find_element(By.CSS_SELECTOR, "#exports a.export[data-format=xlsx]").click()
    workbook = openpyxl.load_workbook(wait_for_file(tmp_path, ".xlsx"))
    cells = {
        str(c.value) for ws in workbook.worksheets for r in ws.iter_rows() for c in r if c.value is not None
    }
    assert {"作曲系教职工群", "48", "填报部门（签字、盖章）：作曲系"} <= cells
    browser.find_element(By.CSS_SELECTOR, "#exports a.export[data-format=pdf]").click()
    pdf = wait_for_file(tmp_path, "年度备案登记表.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext") and any(Path(p).is_file() for p in SYSTEM_FONTS):
        # with an embedded font the text reads back; without, tests/campaigns checks the font name
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        )
        assert "作曲系教职工群" in text.stdout

"""End to end in headless Chromium: an over-150 group's approval goes from draft to filed across
the roles — the liaison drafts it from the group page, attaches the signed scan and submits; the
unit head rejects, the liaison revises and resubmits, the head approves; the Propaganda
Department files it — and the breach leaves the dashboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from qunguan.registry import actions
from tests.browser.test_registry_flow import breaches_on_dashboard, log_in, submit_and_wait
from tests.browser.waits import page_left
from tests.conftest import Cast, build_cast

pytestmark = pytest.mark.browser

BIG_GROUP = "作曲系全体师生通知群"


@pytest.fixture
def live_cast(transactional_db: Any) -> Cast:
    cast = build_cast()
    actions.do_register_group(
        None,
        platform="qq",
        account="600100999",
        name=BIG_GROUP,
        unit=cast.composition,
        member_scope="作曲系全体师生",
        purpose="教学通知",
        owner=cast.teacher_a,
        created_on=dt.date(2023, 9, 1),
        member_count=180,
        admins=[cast.teacher_a],
    )
    return cast


def switch_user(browser: webdriver.Chrome, live_url: Callable[..., str], username: str) -> None:
    browser.delete_all_cookies()
    log_in(browser, live_url, username)


def state_of(browser: webdriver.Chrome) -> str:
    return browser.find_element(By.ID, "approval-state").get_attribute("data-state") or ""


def confirm_and_wait(browser: webdriver.Chrome, selector: str) -> None:
    """Click a button whose form asks for confirmation, accept the dialog, wait for the next page."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(browser, 10).until(expected_conditions.alert_is_present()).accept()
    WebDriverWait(browser, 15).until(page_left(old))


def test_over_150_request_from_draft_to_filed_across_the_roles(
    browser: webdriver.Chrome, live_url: Callable[..., str], live_cast: Cast, tmp_path: Path
) -> None:
    log_in(browser, live_url, "zuoqu")
    assert BIG_GROUP in breaches_on_dashboard(browser, live_url).get("oversize", set())

    # The liaison starts the request from the group page.
    browser.get(live_url("group_list"))
    browser.find_element(By.LINK_TEXT, BIG_GROUP).click()
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "new-approval").click()
    WebDriverWait(browser, 15).until(page_left(old))
    Select(browser.find_element(By.ID, "id_kind")).select_by_value("oversize")
    browser.find_element(By.ID, "id_reason").send_keys("全系师生需同时接收教学通知")
    browser.find_element(By.ID, "id_max_members").send_keys("200")
    Select(browser.find_element(By.ID, "id_approver")).select_by_value(str(live_cast.head_a.pk))
    submit_and_wait(browser, "#submit-request")
    assert "/approvals/" in browser.current_url, browser.page_source[:3000]
    assert state_of(browser) == "submitted"
    detail_url = browser.current_url

    # The signed and stamped scan, as a real file upload.
    pdf = tmp_path / "签批单.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    browser.find_element(By.ID, "id_file").send_keys(str(pdf))
    submit_and_wait(browser, "#step-attach")
    assert "签批单.pdf" in browser.find_element(By.ID, "attachments").text

    # The head rejects with a reason; the liaison revises and resubmits.
    switch_user(browser, live_url, "zuoqu-head")
    browser.get(detail_url)
    browser.find_element(By.CSS_SELECTOR, "#reject-form textarea").send_keys("请说明为何不能按年级分群")
    submit_and_wait(browser, "#step-reject")
    assert state_of(browser) == "rejected"

    switch_user(browser, live_url, "zuoqu")
    browser.get(detail_url)
    assert "请说明为何不能按年级分群" in browser.page_source
    submit_and_wait(browser, "#step-submit")
    assert state_of(browser) == "submitted"

    # The head approves; the breach is gone at once.
    switch_user(browser, live_url, "zuoqu-head")
    browser.get(detail_url)
    confirm_and_wait(browser, "#step-approve")
    assert state_of(browser) == "approved"

    # The Propaganda Department files it.
    switch_user(browser, live_url, "xcb")
    browser.get(detail_url)
    submit_and_wait(browser, "#step-file")
    assert state_of(browser) == "filed"
    timeline = browser.find_element(By.ID, "timeline").text
    for step in ("新建审批申请", "提交审批申请", "驳回审批申请", "批准审批申请", "审批备案"):
        assert step in timeline
    assert BIG_GROUP not in breaches_on_dashboard(browser, live_url).get("oversize", set())

"""End to end in headless Chromium: a reviewer works the review queue (审查队列) with the keyboard.

The reviewer opens the queue, opens the most severe finding (an ID number posted in 作曲系教职工群),
confirms it by pressing ``c`` and finds it gone from the open findings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from qunguan.accounts.actions import do_grant_role
from qunguan.accounts.models import Role
from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import Finding, FindingStatus
from tests.browser.test_registry_flow import log_in
from tests.browser.waits import page_left
from tests.chatfixtures import chat_data_dir, chat_file, fresh_auditor, pipe_format
from tests.conftest import Cast, build_cast, make_user

pytestmark = pytest.mark.browser

__all__ = ["chat_data_dir", "chat_file", "fresh_auditor", "pipe_format"]

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def live_review(
    transactional_db: Any, chat_file: Callable[..., Path], chat_data_dir: Path, fresh_auditor: None
) -> Cast:
    cast = build_cast()
    reviewer = make_user("shenhe", "作曲系 审核员")
    do_grant_role(None, reviewer, Role.REVIEWER, unit=cast.composition)
    do_import_chat_file(
        None,
        chat_file(
            "2024-09-02T09:00:00|600100200|10001001|王建国|请各位老师周五前提交材料。|m1",
            f"2024-09-02T09:10:00|600100200|10001010|赵四|我的身份证号是{ID_NUMBER}|m2",
            "2024-09-02T09:11:00|600100200|10001011|钱五|有事打我电话13812345678|m3",
        ),
    )
    return cast


def open_ids(browser: webdriver.Chrome) -> set[int]:
    return {
        int(row.get_attribute("data-finding") or 0)
        for row in browser.find_elements(By.CSS_SELECTOR, "tr[data-finding]")
    }


def test_reviewer_confirms_a_finding_with_the_keyboard(
    browser: webdriver.Chrome, live_url: Callable[..., str], live_review: Cast
) -> None:
    finding = Finding.objects.get(category="privacy.id_card")
    log_in(browser, live_url, "shenhe")

    browser.find_element(By.LINK_TEXT, "审查").click()
    WebDriverWait(browser, 15).until(expected_conditions.url_to_be(live_url("review_list")))
    assert finding.pk in open_ids(browser)
    assert ID_NUMBER not in browser.page_source

    # The most severe finding is first; open it from its message.
    first = browser.find_element(By.CSS_SELECTOR, "tr[data-finding] a.review-open")
    old = browser.find_element(By.TAG_NAME, "html")
    first.click()
    WebDriverWait(browser, 15).until(page_left(old))
    assert browser.current_url == live_url("review_detail", finding.pk)
    assert browser.find_element(By.CSS_SELECTOR, "#finding-status").text == "待处理"

    # Press c: the finding is confirmed and the next one of the queue opens.
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.TAG_NAME, "body").send_keys("c")
    WebDriverWait(browser, 15).until(page_left(old))
    WebDriverWait(browser, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert "已确认为违规" in browser.find_element(By.CSS_SELECTOR, ".messages").text
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.CONFIRMED

    browser.get(live_url("review_list"))
    ids = open_ids(browser)
    assert finding.pk not in ids
    assert ids, "the other findings are still open"


def _submit_and_wait(browser: webdriver.Chrome, element: Any) -> None:
    old = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, 15).until(page_left(old))
    WebDriverWait(browser, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def test_reviewer_takes_a_finding_from_the_queue_to_a_closed_case(
    browser: webdriver.Chrome, live_url: Callable[..., str], live_review: Cast
) -> None:
    from selenium.webdriver.support.ui import Select

    from qunguan.chats.models import Case

    finding = Finding.objects.get(category="privacy.id_card")
    log_in(browser, live_url, "shenhe")
    browser.get(live_url("review_detail", finding.pk))

    # Open a case about the sender from the finding.
    browser.find_element(By.CSS_SELECTOR, "#case-form input[name=title]").send_keys("在工作群发布身份证号")
    _submit_and_wait(browser, browser.find_element(By.ID, "act-case"))
    case = Case.objects.get()
    assert browser.current_url == live_url("case_detail", case.pk)
    assert browser.find_element(By.ID, "case-state").text == "已立案"
    assert ID_NUMBER not in browser.page_source
    assert "赵四" not in browser.page_source

    # Record the 批评教育 talk: the case is now being handled.
    Select(browser.find_element(By.ID, "case-note-kind")).select_by_visible_text("批评教育")
    browser.find_element(By.CSS_SELECTOR, "#case-note-form textarea").send_keys("已约谈当事人，进行批评教育")
    _submit_and_wait(browser, browser.find_element(By.ID, "case-add-note"))
    assert browser.find_element(By.ID, "case-state").text == "处理中"

    # Close it with the outcome.
    Select(browser.find_element(By.ID, "case-close-outcome")).select_by_visible_text("批评教育")
    browser.find_element(By.ID, "case-close-note").send_keys("当事人已撤回消息并认识错误")
    _submit_and_wait(browser, browser.find_element(By.ID, "case-close"))
    assert browser.find_element(By.ID, "case-state").text == "已结案"
    assert browser.find_element(By.ID, "case-outcome").text == "批评教育"
    record = browser.find_element(By.ID, "case-record").text
    assert "已约谈当事人" in record
    case.refresh_from_db()
    assert (case.state, case.outcome) == ("closed", "education")


def test_the_dashboard_draws_its_charts_from_local_files(
    browser: webdriver.Chrome, live_url: Callable[..., str], live_review: Cast
) -> None:
    log_in(browser, live_url, "shenhe")
    browser.get(live_url("review_dashboard"))
    WebDriverWait(browser, 15).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-chart][data-drawn=true]")) == 5
    )
    assert browser.execute_script("return typeof window.echarts") == "object"
    canvases = browser.find_elements(By.CSS_SELECTOR, "[data-chart] canvas")
    assert len(canvases) >= 5

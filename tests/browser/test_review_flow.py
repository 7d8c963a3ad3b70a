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
    WebDriverWait(browser, 15).until(expected_conditions.staleness_of(old))
    assert browser.current_url == live_url("review_detail", finding.pk)
    assert browser.find_element(By.CSS_SELECTOR, "#finding-status").text == "待处理"

    # Press c: the finding is confirmed and the next one of the queue opens.
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.TAG_NAME, "body").send_keys("c")
    WebDriverWait(browser, 15).until(expected_conditions.staleness_of(old))
    WebDriverWait(browser, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert "已确认为违规" in browser.find_element(By.CSS_SELECTOR, ".messages").text
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.CONFIRMED

    browser.get(live_url("review_list"))
    ids = open_ids(browser)
    assert finding.pk not in ids
    assert ids, "the other findings are still open"

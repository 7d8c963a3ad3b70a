"""Smoke test of the browser harness: Chromium loads the login page from the live server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser


def test_harness_renders_a_data_url(browser: webdriver.Chrome) -> None:
    browser.get("data:text/html;charset=utf-8,<title>群管</title><form><input name=q></form>")
    assert browser.title == "群管"
    assert browser.find_elements(By.CSS_SELECTOR, "form input[name=q]")
    assert browser.get_window_size() == {"width": 1400, "height": 1000}


def test_login_page_has_a_form(browser: webdriver.Chrome, live_url: Callable[..., str]) -> None:
    browser.get(live_url("/accounts/login/"))
    assert browser.find_elements(By.TAG_NAME, "form"), browser.page_source[:2000]

"""Waiting for the browser to leave a page, robust to Chromium's navigation races."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.remote.webelement import WebElement


def page_left(old: WebElement) -> Callable[[Any], bool]:
    """Return a wait condition that holds once ``old`` (an element of the old page) is gone.

    Selenium's ``staleness_of`` asks the element a question and expects "stale" once the page
    has changed; while Chromium is swapping documents it may instead answer that the node
    "does not belong to the document", which means the same thing and must not fail the spec.
    """

    def gone(_driver: Any) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in (exc.msg or ""):
                return True
            raise
        return False

    return gone

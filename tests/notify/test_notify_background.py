"""A process that must not wait on slow channels sends from one background thread."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from qunguan.notify.actions import do_notify, do_set_preferences
from qunguan.notify.delivery import start_background_sender, stop_background_sender
from qunguan.notify.models import Delivery, DeliveryState


@pytest.fixture
def background_sender() -> Iterator[None]:
    start_background_sender()
    yield
    stop_background_sender()


def wait_for(condition: Any, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_the_caller_returns_before_a_slow_robot_answers(
    cast: Any, wecom_robot: Any, background_sender: None, settings: Any
) -> None:
    settings.QUNGUAN_WECOM_TIMEOUT = 1.5  # the stand-in robot takes 2 s: the sender times out
    wecom_robot.mode = "slow"
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["wecom"], wecom_webhook=wecom_robot.url)
    started = time.monotonic()
    do_notify([cast.manager_a], subject="群内出现身份证号", body="", severity="high")
    assert time.monotonic() - started < 1.0
    wait_for(lambda: Delivery.objects.filter(state=DeliveryState.RETRYING).exists())
    wecom_robot.mode = "ok"
    do_notify([cast.manager_a], subject="群内出现手机号", body="", severity="high")
    wait_for(lambda: Delivery.objects.filter(state=DeliveryState.SENT).exists())
    assert [post["text"]["content"] for post in wecom_robot.posts] == ["群内出现身份证号", "群内出现手机号"]

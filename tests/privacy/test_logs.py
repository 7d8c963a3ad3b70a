"""Log lines never carry a raw ID, phone or bank card number, whatever handler writes them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.conf import settings

from qunguan.ops.logs import JsonFormatter
from tests.privacy.conftest import (
    BANK_CARD,
    BANK_CARD_MASKED,
    ID_MASKED,
    ID_NUMBER,
    PHONE,
    PHONE_MASKED,
)

logger = logging.getLogger("qunguan.spec.privacy")


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the configured console handler (settings.LOGGING) writes, captured."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    out = io.StringIO()
    previous = handler.setStream(out)
    formatter = handler.formatter
    try:
        yield out
    finally:
        handler.setStream(previous)
        handler.setFormatter(formatter)


def test_every_configured_handler_masks_personal_data():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "personal_data" in handler.get("filters", []), f"handler {name} has no personal_data filter"


def test_a_log_line_with_a_phone_and_an_id_number_comes_out_masked(console):
    logger.warning("加群申请验证信息：%s 电话 %s 身份证 %s", "王建国", PHONE, ID_NUMBER)

    line = console.getvalue()
    assert "加群申请验证信息：王建国 电话 " + PHONE_MASKED + " 身份证 " + ID_MASKED in line
    assert PHONE not in line
    assert ID_NUMBER not in line


def test_a_number_in_the_format_string_is_masked_too(console):
    logger.warning(f"银行卡 {BANK_CARD} 已登记（消息 #%s）", 17)

    assert f"银行卡 {BANK_CARD_MASKED} 已登记（消息 #17）" in console.getvalue()


def test_json_lines_mask_the_message_the_extra_fields_and_the_traceback(console):
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    handler.setFormatter(JsonFormatter())
    try:
        raise ValueError(f"无法解析：{PHONE}")
    except ValueError:
        logger.exception(
            "成员变动通知处理失败：%s",
            json.dumps({"card": f"张三 {ID_NUMBER}"}, ensure_ascii=False),
            extra={"qq": PHONE},
        )

    entry = json.loads(console.getvalue().splitlines()[-1])
    assert ID_MASKED in entry["message"]
    assert entry["qq"] == PHONE_MASKED
    assert f"无法解析：{PHONE_MASKED}" in entry["exception"]
    assert PHONE not in console.getvalue()
    assert ID_NUMBER not in console.getvalue()


def test_staff_numbers_times_and_ids_of_records_are_left_alone(console):
    logger.warning("工号 %s 于 %s 导入 %d 条（批次 %s）", "10001001", "2026-03-02 02:30:00", 2000, "000123")

    assert "工号 10001001 于 2026-03-02 02:30:00 导入 2000 条（批次 000123）" in console.getvalue()


def test_a_record_whose_arguments_do_not_fit_is_still_written(console):
    logger.warning("两个参数 %s %s", PHONE)

    assert PHONE_MASKED in console.getvalue()


def test_the_console_writes_to_stderr_as_it_is_even_after_logging_was_configured_again(monkeypatch):
    # django.setup() configures logging again (each ``qunguan`` command run in this process); a
    # stream swapped in at that moment and closed since must not be where the console writes.
    import sys

    from django.utils.log import configure_logging

    gone = io.StringIO()
    monkeypatch.setattr(sys, "stderr", gone)
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    gone.close()
    now = io.StringIO()
    monkeypatch.setattr(sys, "stderr", now)
    logger.warning("有事打我电话 %s", PHONE)
    written = now.getvalue()
    assert "Logging error" not in written
    assert f"WARNING qunguan.spec.privacy 有事打我电话 {PHONE_MASKED}" in written
    assert PHONE not in written

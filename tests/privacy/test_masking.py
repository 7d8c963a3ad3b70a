"""``qunguan.privacy_at_rest``: the one masking of personal numbers for text kept outside the tables."""

from __future__ import annotations

import pytest

from qunguan.audit.normalize import digit_like_chars
from qunguan.privacy_at_rest import _OTHER_DIGITS, could_hold_a_number, mask_text, mask_values
from tests.privacy.conftest import (
    BANK_CARD,
    BANK_CARD_MASKED,
    ID_MASKED,
    ID_NUMBER,
    PHONE,
    PHONE_MASKED,
)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"电话 {PHONE}", f"电话 {PHONE_MASKED}"),
        ("手机 138 0013 8000", "手机 138 **** 8000"),
        ("电话 一三八零零一三八零零零", "电话 一三八****八零零零"),
        (f"身份证{ID_NUMBER}", f"身份证{ID_MASKED}"),
        (f"卡号 {BANK_CARD}", f"卡号 {BANK_CARD_MASKED}"),
        ("座机 028-85551234", "座机 028-****1234"),
        # near misses: what the detectors do not take for personal numbers stays
        ("学号 20230101，工号 10001001", "学号 20230101，工号 10001001"),
        ("订单号 13800138000", "订单号 13800138000"),
        ("2026-03-02 02:30:00 导入 2000 条", "2026-03-02 02:30:00 导入 2000 条"),
        ("sha256 3f2a13800138000b", "sha256 3f2a13800138000b"),
    ],
)
def test_personal_numbers_are_masked_and_near_misses_kept(text, masked):
    assert mask_text(text) == masked


def test_the_quick_check_counts_every_character_the_engine_takes_for_a_digit():
    assert {c for c in digit_like_chars() if not c.isdigit()} <= _OTHER_DIGITS
    assert could_hold_a_number("一三八零零一三八零零零")
    assert not could_hold_a_number("导入 2000 条，拒收 3 行")


def test_values_are_masked_inside_containers_and_left_alone_without_numbers():
    value = {"notes": [f"电话 {PHONE}", ("卡", BANK_CARD)], "count": 3}
    assert mask_values(value) == {"notes": [f"电话 {PHONE_MASKED}", ("卡", BANK_CARD_MASKED)], "count": 3}
    plain = {"name": "作曲系", "members": [1, 2]}
    assert mask_values(plain) is plain

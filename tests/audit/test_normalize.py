"""Normalisation: evasions folded, ordinary text left alone, offsets always point back."""

from __future__ import annotations

import pytest

from qunguan.audit.normalize import normalize, segment_starts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 3 8-0013-8000", "13800138000"),
        ("１５９ ８８７６ ５４３２", "15988765432"),
        ("一三八零零一三八零零零", "13800138000"),
        ("幺三八零零幺三八零零零", "13800138000"),
        ("壹叁捌零零壹叁捌零零零", "13800138000"),
        ("1️⃣3️⃣8️⃣", "138"),
        ("138\u200b0013\u200b8000", "13800138000"),
        ("138🙂0013🙂8000", "13800138000"),
        ("5101 0519 4912 3100 2X", "51010519491231002x"),
        ("這是機密文件", "这是机密文件"),
        ("机 密 文 件", "机密文件"),
        ("ＡＢＣ Def", "abc def"),
        ("机密★1年", "机密★1年"),
        ("绝密★长期", "绝密★长期"),
        ("二〇二二年", "2022年"),
    ],
)
def test_evasions_are_folded(text: str, expected: str) -> None:
    assert normalize(text)[0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "一起去统一战线",  # single Chinese digits inside words stay words
        "两个人",
        "学号 2021010203 电话",  # a digit next to a word keeps its space
        "13:00 至 14:30",  # colons are not number separators
        "你好,我是张老师。",  # sentence punctuation between CJK is kept (after NFKC)
    ],
)
def test_ordinary_text_is_kept(text: str) -> None:
    assert normalize(text)[0] == text


@pytest.mark.parametrize(
    "text", ["", "a", "１５９ ８８７６", "1️⃣3️⃣8️⃣ 機密", "\ud800x", "⑩⑪ ﬁ ㈱", "e\u0301", "\x00\x1f"]
)
def test_offsets_map_every_normalised_char_to_its_source(text: str) -> None:
    norm, offsets = normalize(text)
    assert len(offsets) == len(norm)
    assert all(0 <= o < len(text) for o in offsets)
    assert offsets == sorted(offsets)


def test_segment_starts_mark_where_separators_were_removed() -> None:
    norm, offsets = normalize("2021010203 13800138000")
    assert norm == "202101020313800138000"
    assert segment_starts(offsets, 0, len(norm)) == {0, 10, 21}


def test_expansion_keeps_offsets_of_the_source_char() -> None:
    norm, offsets = normalize("⑩号")
    assert norm == "10号"
    assert offsets == [0, 0, 1]

"""企业微信会话存档 (decrypted JSONL): the shared sample read exactly, msgtypes, and broken lines."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qunguan.ingest import formats
from qunguan.ingest.formats.wecom_archive import WeComArchive
from qunguan.ingest.records import CHINA, ChatRecord, Reject

SAMPLES = Path(__file__).parent / "samples"
SAMPLE = SAMPLES / "wecom_archive" / "wecom_archive_decrypted.jsonl"
ROOM = "wrOgQhDgAAxxxxSAMPLExxxxxxxxxxAA"
ZHANGSAN = "wmOgQhDgAAzhangsanSAMPLExxxxxxAA"
ZHAOSI = "wmOgQhDgAAzhaosiSAMPLExxxxxxxxxAA"
CHENXM = "wmOgQhDgAAchenxmSAMPLExxxxxxxxxAA"
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(data: bytes | str) -> list[ChatRecord | Reject]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(WeComArchive().read(io.BytesIO(raw)))


def records(data: bytes | str) -> list[ChatRecord]:
    items = read(data)
    assert all(isinstance(item, ChatRecord) for item in items), items
    return [item for item in items if isinstance(item, ChatRecord)]


def line(**fields: Any) -> str:
    base: dict[str, Any] = {
        "msgid": "1_1725238805123",
        "action": "send",
        "from": "LiFang",
        "tolist": ["WangJianGuo"],
        "roomid": ROOM,
        "msgtime": 1725238805123,
        "msgtype": "text",
        "text": {"content": "好"},
    }
    base.update(fields)
    return json.dumps(base, ensure_ascii=False) + "\n"


def at(hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime(2024, 9, 2, hour, minute, second, 123000, tzinfo=CHINA)


# ---- the shared sample -------------------------------------------------------------------------


def test_sample_reads_every_group_message_with_sender_time_kind_and_line():
    got = [(r.line, r.sent_at, r.sender_id, r.kind) for r in records(SAMPLE.read_bytes())]
    assert got == [
        (2, at(9, 0, 5), "WangJianGuo", "text"),
        (3, at(9, 1, 12), ZHANGSAN, "text"),
        (4, at(9, 1, 40), ZHAOSI, "text"),
        (5, at(9, 3, 27), "LiFang", "image"),
        (6, at(9, 3, 30), "LiFang", "text"),
        (7, at(9, 10, 2), ZHAOSI, "text"),
        (8, at(9, 10, 40), ZHAOSI, "recall"),
        (9, at(9, 12, 15), "WangJianGuo", "text"),
        (10, at(9, 15, 0), "LiFang", "text"),
        (11, at(12, 1, 33), ZHANGSAN, "sticker"),
        (12, at(12, 2, 10), ZHAOSI, "text"),
        (13, at(14, 31, 8), CHENXM, "text"),
    ]


def test_sample_skips_the_switch_record_and_keeps_ids_room_and_platform():
    got = records(SAMPLE.read_bytes())
    assert 1 not in [r.line for r in got]  # line 1 is action "switch"
    assert {(r.platform, r.group_account) for r in got} == {("wecom", ROOM)}
    assert got[0].message_id == "7100000000000001117_1725238805123_external"
    assert all(r.sender_name == r.sender_id for r in got)  # the archive knows ids, not names


def test_sample_recall_names_the_message_taken_back():
    recall = records(SAMPLE.read_bytes())[6]
    assert (recall.kind, recall.text, recall.message_id, recall.recalls_message_id) == (
        "recall",
        "撤回了一条消息",
        "7100000000000007819_1725239440123",
        "7100000000000006702_1725239402123_external",
    )


def test_sample_texts_and_placeholders():
    texts = [r.text for r in records(SAMPLE.read_bytes())]
    assert texts[0].endswith("逾期不候。\n表格模板见群文件《2024级新生信息表.xlsx》。")
    assert texts[3] == "[图片]"
    assert texts[9] == "[表情包]"


def test_detect_picks_wecom_archive_for_the_sample():
    assert formats.detect(SAMPLE) is WeComArchive


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SAMPLES.glob("*/*") if p != SAMPLE and p.suffix != ".md"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_sniff_leaves_other_files_alone(path):
    # The encrypted GetChatData envelope beside the sample is not readable and not claimed.
    assert not WeComArchive.sniff(path.read_bytes()[: 64 * 1024], path.name)


# ---- msgtypes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("msgtype", "body", "kind", "text"),
    [
        ("markdown", {"content": "**通知**"}, "text", "**通知**"),
        ("file", {"filename": "名单.xlsx", "fileext": "xlsx"}, "file", "[文件] 名单.xlsx"),
        (
            "link",
            {"title": "须知", "description": "请查收", "link_url": "https://a.cn/x"},
            "link",
            "[链接] 须知 请查收 https://a.cn/x",
        ),
        ("voice", {"play_length": 3}, "voice", "[语音]"),
        ("video", {"play_length": 3}, "video", "[视频]"),
        ("card", {"corpname": "某大学", "userid": "ZhangSan"}, "other", "[名片] 某大学 ZhangSan"),
        ("location", {"title": "图书馆", "address": "成都市"}, "other", "[位置] 图书馆 成都市"),
        ("redpacket", {"wish": "恭喜发财"}, "other", "[红包] 恭喜发财"),
        (
            "news",
            {"info": {"item": [{"title": "新闻", "url": "https://a.cn/n"}]}},
            "link",
            "[图文] 新闻 https://a.cn/n",
        ),
        (
            "mixed",
            {
                "item": [
                    {"type": "text", "content": json.dumps({"content": "看图"})},
                    {"type": "image", "content": "{}"},
                ]
            },
            "text",
            "看图\n[图片]",
        ),
        ("agree", {"userid": "wmX", "agree_time": 1}, "system", "同意会话存档"),
        ("sphfeed", {"feed_desc": "校园风光"}, "link", "[视频号] 校园风光"),
        ("brand_new_type", {}, "other", "[brand_new_type]"),
    ],
)
def test_msgtypes_give_kinds_and_readable_text(msgtype, body, kind, text):
    (record,) = records(line(msgtype=msgtype, **{msgtype: body}))
    assert (record.kind, record.text) == (kind, text)


def test_private_chats_and_switch_records_are_skipped_silently():
    data = (
        line(roomid="")
        + '{"msgid": "9", "action": "switch", "time": 1725238800000, "user": "LiFang"}\n'
        + line()
    )
    assert [r.line for r in records(data)] == [3]


# ---- broken lines ------------------------------------------------------------------------------


def test_a_malformed_line_is_rejected_and_the_rest_is_read():
    items = read(line() + "{not json\n" + "[1, 2]\n" + "\n" + line(text={"content": "后面"}))
    assert items[1] == Reject(2, "这一行不是合法的 JSON", "{not json")
    assert items[2] == Reject(3, "这一行是 JSON，但不是一个对象（{…}）", "[1, 2]")
    assert isinstance(items[3], ChatRecord)
    assert (items[3].line, items[3].text) == (5, "后面")


def test_a_time_in_seconds_is_rejected_as_not_milliseconds():
    (reject,) = read(line(msgtime="1725238805"))
    assert isinstance(reject, Reject)
    assert reject.reason == "消息时间 msgtime“1725238805”不是毫秒时间戳"


def test_a_message_without_sender_is_rejected():
    (reject,) = read(line(**{"from": ""}))
    assert isinstance(reject, Reject)
    assert reject.reason == "缺少 msgid、from 或 action，不是一条会话存档消息"


@PROPERTY
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text):
    for item in read(text):
        assert isinstance(item, ChatRecord | Reject)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_FIELDS = st.dictionaries(
    st.sampled_from(
        ["msgid", "action", "from", "roomid", "msgtime", "msgtype", "text", "mixed", "news", "revoke"]
    ),
    _JSON,
)


@PROPERTY
@given(st.lists(_FIELDS, max_size=5))
def test_arbitrary_field_values_never_raise(overrides):
    for item in read("".join(line(**fields) for fields in overrides)):
        assert isinstance(item, ChatRecord | Reject)


@PROPERTY
@given(st.binary(max_size=600), st.text(max_size=20))
def test_sniff_never_raises(head, filename):
    assert WeComArchive.sniff(head, filename) in (True, False)


@PROPERTY
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(data):
    for item in read(data):
        assert isinstance(item, ChatRecord | Reject)


def test_a_line_too_long_for_a_message_is_rejected_without_being_held():
    items = read("x" * 1_200_000 + "\n" + line())
    assert items[0] == Reject(1, "这一行超过 1048576 个字符，没有读取")
    assert isinstance(items[1], ChatRecord)
    assert items[1].line == 2

"""sjzar/chatlog JSON: the shared sample read exactly, media and system rows, and broken files."""

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
from qunguan.ingest.formats import chatlog_json
from qunguan.ingest.formats.chatlog_json import ChatlogJson
from qunguan.ingest.records import CHINA, ChatRecord, Reject

SAMPLES = Path(__file__).parent / "samples"
SAMPLE = SAMPLES / "chatlog_json" / "chatlog_group.json"
ROOM = "34567890123@chatroom"
GROUP = "计算机学院2024级辅导员工作群"
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(data: bytes | str) -> list[ChatRecord | Reject]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(ChatlogJson().read(io.BytesIO(raw)))


def records(data: bytes | str) -> list[ChatRecord]:
    items = read(data)
    assert all(isinstance(item, ChatRecord) for item in items), items
    return [item for item in items if isinstance(item, ChatRecord)]


def message(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "seq": 1725238805001,
        "time": "2024-09-02T09:00:05+08:00",
        "talker": ROOM,
        "talkerName": GROUP,
        "isChatRoom": True,
        "sender": "wxid_z",
        "senderName": "张三",
        "isSelf": False,
        "type": 1,
        "subType": 0,
        "content": "好",
    }
    base.update(fields)
    return base


def one(**fields: Any) -> ChatRecord:
    (record,) = records(json.dumps([message(**fields)], ensure_ascii=False))
    return record


def at(hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime(2024, 9, 2, hour, minute, second, tzinfo=CHINA)


# ---- the shared sample -------------------------------------------------------------------------


def test_sample_reads_every_message_with_sender_time_kind_and_position():
    got = [(r.line, r.sent_at, r.sender_id, r.sender_name, r.kind) for r in records(SAMPLE.read_bytes())]
    assert got == [
        (1, at(9, 0, 5), "wxid_wang_fdy01", "王建国-辅导员", "text"),
        (2, at(9, 1, 12), "wxid_zhangsan03", "张三-1班班长", "text"),
        (3, at(9, 1, 40), "zhaosi_2024", "赵四-2班", "text"),
        (4, at(9, 3, 27), "wxid_li_xgb02", "李芳-学工办", "image"),
        (5, at(9, 3, 30), "wxid_li_xgb02", "李芳-学工办", "text"),
        (6, at(9, 10, 2), "zhaosi_2024", "赵四-2班", "text"),
        (7, at(9, 10, 40), None, "赵四-2班", "recall"),
        (8, at(9, 12, 15), "wxid_wang_fdy01", "王建国-辅导员", "text"),
        (9, at(9, 15, 0), "wxid_li_xgb02", "李芳-学工办", "text"),
        (10, at(12, 1, 33), "wxid_zhangsan03", "张三-1班班长", "sticker"),
        (11, at(12, 2, 10), "zhaosi_2024", "赵四-2班", "text"),
        (12, at(14, 30, 0), None, "系统消息", "system"),
        (13, at(14, 31, 8), "wxid_chenxm05", "陈小明", "text"),
    ]


def test_sample_names_the_chatroom_and_keeps_text_placeholders_and_system_wording():
    got = records(SAMPLE.read_bytes())
    assert {(r.group_account, r.group_name, r.platform, r.message_id) for r in got} == {
        (ROOM, GROUP, "wechat", None)
    }
    texts = [r.text for r in got]
    assert texts[0].endswith("逾期不候。\n表格模板见群文件《2024级新生信息表.xlsx》。")
    assert texts[3] == "[图片]"
    assert texts[6] == '"赵四-2班" 撤回了一条消息'
    assert texts[9] == "[表情包]"
    assert texts[11] == '"王建国-辅导员"邀请"陈小明"加入了群聊'


def test_detect_picks_chatlog_json_for_the_sample():
    assert formats.detect(SAMPLE) is ChatlogJson


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SAMPLES.glob("*/*") if p.parent.name != "chatlog_json" and p.suffix != ".md"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_sniff_leaves_other_formats_alone(path):
    assert not ChatlogJson.sniff(path.read_bytes()[: 64 * 1024], path.name)


# ---- message kinds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "kind", "text"),
    [
        (
            {"type": 49, "subType": 5, "content": "", "contents": {"title": "须知", "url": "https://a.cn/x"}},
            "link",
            "[链接] 须知 https://a.cn/x",
        ),
        (
            {"type": 49, "subType": 6, "content": "", "contents": {"title": "名单.xlsx", "md5": "0a"}},
            "file",
            "[文件] 名单.xlsx",
        ),
        (
            {"type": 49, "subType": 57, "content": "好的", "contents": {"refer": {"content": "交表"}}},
            "text",
            "好的",
        ),
        ({"type": 49, "subType": 62, "content": '"张三" 拍了拍 "李四"'}, "system", '"张三" 拍了拍 "李四"'),
        ({"type": 49, "subType": 2000, "content": "[转账|发送 ¥1.00]"}, "other", "[转账|发送 ¥1.00]"),
        ({"type": 34, "content": ""}, "voice", "[语音]"),
        ({"type": 43, "content": "", "contents": {"md5": "0a"}}, "video", "[视频]"),
        ({"type": 48, "content": "", "contents": {"label": "成都市", "x": 1}}, "other", "[位置] 成都市"),
        (
            {"type": 10000, "sender": "系统消息", "senderName": "", "content": "你撤回了一条消息"},
            "recall",
            "你撤回了一条消息",
        ),
    ],
)
def test_types_give_kinds_and_readable_text(fields, kind, text):
    record = one(**fields)
    assert (record.kind, record.text) == (kind, text)


def test_a_time_with_nanoseconds_and_another_offset_is_read_exactly():
    assert one(time="2024-09-02T01:00:05.123456789Z").sent_at == dt.datetime(
        2024, 9, 2, 1, 0, 5, 123456, tzinfo=dt.UTC
    )


def test_private_chats_are_skipped():
    data = json.dumps([message(talker="wxid_peer", isChatRoom=False), message(content="群里")])
    assert [r.text for r in records(data)] == ["群里"]


# ---- broken files ------------------------------------------------------------------------------


def test_a_bad_time_is_rejected_by_position_and_the_rest_is_read():
    items = read(json.dumps([message(time="昨天"), message(content="后面")]))
    assert isinstance(items[0], Reject)
    assert (items[0].line, items[0].reason) == (1, "第 1 条的时间“昨天”无法识别")
    assert isinstance(items[1], ChatRecord)
    assert (items[1].line, items[1].text) == (2, "后面")


def test_an_element_that_is_not_an_object_is_rejected():
    items = read(json.dumps([1, message()]))
    assert items[0] == Reject(1, "第 1 条不是一个对象（{…}）", "1")
    assert isinstance(items[1], ChatRecord)


def test_invalid_json_is_one_reject_with_the_line():
    (reject,) = read('[\n  {"seq": 1,\n  oops\n]')
    assert isinstance(reject, Reject)
    assert reject.line == 3
    assert reject.reason.startswith("不是合法的 JSON（第 3 行")


def test_a_document_that_is_not_an_array_is_rejected():
    (reject,) = read('{"items": []}')
    assert reject == Reject(1, "chatlog JSON 应当是一个消息数组（[…]），这个文件不是")


def test_a_file_over_the_cap_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(chatlog_json, "MAX_BYTES", 100)
    (reject,) = read(SAMPLE.read_bytes())
    assert isinstance(reject, Reject)
    assert "请按日期分段导出" in reject.reason


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
        ["time", "talker", "isChatRoom", "sender", "senderName", "type", "subType", "content", "contents"]
    ),
    _JSON,
)


@PROPERTY
@given(st.lists(_FIELDS, max_size=5))
def test_arbitrary_field_values_never_raise(overrides):
    data = json.dumps([message(**fields) for fields in overrides])
    for item in read(data):
        assert isinstance(item, ChatRecord | Reject)


@PROPERTY
@given(st.binary(max_size=600), st.text(max_size=20))
def test_sniff_never_raises(head, filename):
    assert ChatlogJson.sniff(head, filename) in (True, False)


@PROPERTY
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(data):
    for item in read(data):
        assert isinstance(item, ChatRecord | Reject)

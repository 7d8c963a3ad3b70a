"""OneBot v11 event logs: group messages in both message forms, recalls, member notices, bad lines."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qunguan.ingest.formats.onebot_v11 import OneBotV11, parse_cq
from qunguan.ingest.records import CHINA, ChatRecord, Reject

SAMPLES = Path(__file__).parent / "samples"
SAMPLE = SAMPLES / "onebot_v11" / "event_stream.jsonl"
GROUP = "计算机学院2024级辅导员工作群"


def read(data: bytes | str) -> list[ChatRecord | Reject]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(OneBotV11().read(io.BytesIO(raw)))


def records(data: bytes | str) -> list[ChatRecord]:
    items = read(data)
    assert all(isinstance(item, ChatRecord) for item in items), items
    return [item for item in items if isinstance(item, ChatRecord)]


def at(hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime(2024, 9, 2, hour, minute, second, tzinfo=CHINA)


def group_message(message: Any, **fields: Any) -> str:
    event = {
        "time": 1725238805,
        "self_id": 3000000001,
        "post_type": "message",
        "message_type": "group",
        "sub_type": "normal",
        "message_id": 42,
        "group_id": 800100200,
        "user_id": 10001001,
        "sender": {"user_id": 10001001, "nickname": "王老师", "card": "王建国-辅导员", "role": "owner"},
        "message": message,
    }
    event.update(fields)
    return json.dumps(event, ensure_ascii=False)


def notice(notice_type: str, **fields: Any) -> str:
    event = {"time": 1725238805, "self_id": 3000000001, "post_type": "notice", "notice_type": notice_type}
    event.update({"group_id": 800100200, **fields})
    return json.dumps(event, ensure_ascii=False)


# ---- the shared sample -------------------------------------------------------------------------


def test_sample_reads_messages_recall_and_member_notices_and_skips_meta_and_requests():
    got = records(SAMPLE.read_bytes())
    assert [(r.line, r.sent_at, r.sender_id, r.message_id, r.kind) for r in got] == [
        (3, at(9, 0, 5), "10001001", "1804130919", "text"),
        (4, at(9, 1, 12), "10001003", "1804138838", "text"),
        (5, at(9, 1, 40), "10001004", "1804146757", "text"),
        (6, at(9, 3, 27), "10001002", "1804154676", "image"),
        (7, at(9, 3, 30), "10001002", "1804162595", "text"),
        (8, at(9, 10, 2), "10001004", "1804170514", "text"),
        (9, at(9, 10, 40), "10001004", None, "recall"),
        (10, at(9, 12, 15), "10001001", "1804178433", "text"),
        (11, at(9, 15, 0), "10001002", "1804186352", "text"),
        (12, at(12, 1, 33), "10001003", "1804194271", "sticker"),
        (13, at(12, 2, 10), "10001004", "1804202190", "text"),
        (15, at(14, 30, 0), "10001005", None, "system"),
        (16, at(14, 31, 8), "10001005", "1804210109", "text"),
        (17, at(14, 31, 30), "10001003", "1804210210", "text"),
        (18, at(14, 40, 0), "10001001", None, "system"),
        (19, at(14, 50, 0), "10001001", None, "system"),
        (20, at(15, 0, 0), "10001003", None, "system"),
        (21, at(15, 10, 0), "10001001", None, "system"),
        (22, at(15, 11, 0), "20990002", None, "system"),
    ]


def test_sample_group_card_is_the_name_and_nickname_the_fallback():
    got = records(SAMPLE.read_bytes())
    assert got[0].sender_name == "王建国-辅导员"
    assert got[12].sender_name == "陈小明"  # card "" → nickname
    assert {(r.group_account, r.group_name, r.platform) for r in got} == {("800100200", GROUP, "qq")}


def test_sample_texts_render_segments_and_notices_readably():
    got = {r.line: r for r in records(SAMPLE.read_bytes())}
    assert got[3].text.endswith("\n表格模板见群文件《2024级新生信息表.xlsx》。")
    assert got[6].text == "[图片]"
    assert got[10].text == "@赵四-2班 不要在群里发身份证号！私聊李老师处理。"
    assert got[12].text == "[表情]"
    assert got[17].text == "欢迎@陈小明 加入[2024级]工作群[表情]"
    assert got[9].text == "赵四-2班（10001004） 撤回了一条消息"
    assert got[15].text == "10001005 加入本群"
    assert got[18].text == "王建国-辅导员（10001001） 将 赵四-2班（10001004） 禁言 10 分钟"
    assert got[19].text == "王建国-辅导员（10001001） 解除了 赵四-2班（10001004） 的禁言"
    assert got[20].text == "张三-1班班长（10001003） 被设为管理员"
    assert got[21].text == "王建国-辅导员（10001001） 将 20990001 移出本群"
    assert got[22].text == "20990002 退出本群"


def test_sample_recall_points_at_the_recalled_message():
    got = {r.line: r for r in records(SAMPLE.read_bytes())}
    assert got[9].recalls_message_id == got[8].message_id == "1804170514"


# ---- message forms -----------------------------------------------------------------------------


def test_cq_code_strings_are_decoded_with_their_escapes():
    raw = "A&amp;B &#91;不是CQ码&#93; [CQ:at,qq=all] [CQ:image,file=a.jpg,url=https://x/?a=1&amp;b=2&#44;3]&amp;#91;"
    assert parse_cq(raw) == [
        {"type": "text", "data": {"text": "A&B [不是CQ码] "}},
        {"type": "at", "data": {"qq": "all"}},
        {"type": "text", "data": {"text": " "}},
        {"type": "image", "data": {"file": "a.jpg", "url": "https://x/?a=1&b=2,3"}},
        {"type": "text", "data": {"text": "&#91;"}},
    ]
    (got,) = records(group_message(raw))
    assert got.text == "A&B [不是CQ码] @全体成员 [图片]&#91;"
    assert got.kind == "text"


@pytest.mark.parametrize(
    ("message", "text", "kind"),
    [
        ([{"type": "text", "data": {"text": "收到"}}], "收到", "text"),
        (
            [{"type": "at", "data": {"qq": "all"}}, {"type": "text", "data": {"text": " 开会"}}],
            "@全体成员 开会",
            "text",
        ),
        ([{"type": "at", "data": {"qq": "123"}}], "@123", "text"),
        ([{"type": "image", "data": {"file": "a.jpg", "subType": 1}}], "[图片]", "sticker"),
        (
            [{"type": "face", "data": {"id": "14"}}, {"type": "face", "data": {"id": "2"}}],
            "[表情][表情]",
            "sticker",
        ),
        ([{"type": "record", "data": {"file": "a.amr"}}], "[语音]", "voice"),
        ([{"type": "json", "data": {"data": "{}"}}], "[卡片]", "link"),
        (
            [{"type": "reply", "data": {"id": "7"}}, {"type": "text", "data": {"text": "同意"}}],
            "同意",
            "text",
        ),
        ([{"type": "forward", "data": {"id": "x"}}], "[聊天记录]", "other"),
        ("[CQ:record,file=a.amr]", "[语音]", "voice"),
        ([], "", "other"),
    ],
)
def test_segments_become_text_and_a_kind(message, text, kind):
    (got,) = records(group_message(message))
    assert (got.text, got.kind) == (text, kind)


def test_bot_sent_messages_are_records_too_and_anonymous_senders_use_their_alias():
    sent = group_message(
        "机器人提醒", post_type="message_sent", user_id=3000000001, sender={"nickname": "群管机器人"}
    )
    anonymous = group_message(
        "匿名发言", sub_type="anonymous", anonymous={"id": 1, "name": "匿名者", "flag": "f"}
    )
    first, second = records(sent + "\n" + anonymous)
    assert (first.sender_id, first.sender_name, first.text) == ("3000000001", "群管机器人", "机器人提醒")
    assert second.sender_name == "匿名者"


def test_private_messages_meta_events_and_requests_are_skipped_silently():
    lines = [
        group_message("私聊", message_type="private"),
        '{"time": 1, "self_id": 1, "post_type": "meta_event", "meta_event_type": "heartbeat"}',
        '{"time": 1, "self_id": 1, "post_type": "request", "request_type": "friend", "flag": "x"}',
        notice("notify", sub_type="poke", user_id=1, target_id=2),
    ]
    assert read("\n".join(lines)) == []


def test_join_by_invitation_and_a_group_upload_read_as_chinese():
    lines = [
        notice("group_increase", sub_type="invite", operator_id=10001001, user_id=10001009),
        notice(
            "group_upload", user_id=10001002, file={"id": "f", "name": "名单.xlsx", "size": 1, "busid": 102}
        ),
        notice("group_ban", sub_type="ban", operator_id=10001001, user_id=0, duration=0),
    ]
    first, second, third = records("\n".join(lines))
    assert (first.text, first.kind, first.sender_id) == (
        "10001001 邀请 10001009 加入本群",
        "system",
        "10001001",
    )
    assert (second.text, second.kind, second.sender_id) == ("上传了群文件：名单.xlsx", "file", "10001002")
    assert third.text == "10001001 开启了全员禁言"


# ---- bad lines ---------------------------------------------------------------------------------


def test_a_malformed_line_in_the_middle_is_rejected_by_number_and_the_rest_still_read():
    lines = [group_message("一"), '{"post_type": "message", "message_type": "gro', group_message("三")]
    items = read("\n".join(lines) + "\n")
    assert [type(item).__name__ for item in items] == ["ChatRecord", "Reject", "ChatRecord"]
    assert isinstance(items[1], Reject)
    assert (items[1].line, items[1].reason) == (2, "这一行不是有效的 JSON（可能不完整）")
    assert isinstance(items[2], ChatRecord)
    assert items[2].text == "三"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[1, 2]", "这一行不是 OneBot 事件（应为 JSON 对象）"),
        ('{"status": "ok", "retcode": 0, "data": null}', "这一行不是 OneBot 事件（缺少 post_type）"),
        ('{"post_type": "something_else"}', "无法识别的事件类型“something_else”"),
        (
            '{"post_type": "notice", "notice_type": "mystery", "time": 1725238805}',
            "无法识别的通知类型“mystery”",
        ),
        (
            '{"post_type": "notice", "notice_type": "group_mystery", "time": 1725238805, "group_id": 1, "user_id": 2}',
            "无法识别的群通知类型“group_mystery”",
        ),
        (
            '{"post_type": "message", "message_type": "group", "group_id": 1, "message": "x"}',
            "群消息缺少 user_id、time 或 message_id",
        ),
        (
            '{"post_type": "notice", "notice_type": "group_recall", "group_id": 1, "time": 1725238805}',
            "撤回通知缺少 operator_id 或 message_id",
        ),
    ],
)
def test_unknown_event_shapes_are_rejected_with_a_reason(line, reason):
    items = read("\n\n" + line)
    assert items == [Reject(3, reason, line)]


def test_a_truncated_log_keeps_every_complete_event():
    data = SAMPLE.read_bytes()
    cut = data[: data.index(b'"message_id": 1804178433') + 5]
    items = read(cut)
    assert sum(isinstance(item, ChatRecord) for item in items) == 7
    assert isinstance(items[-1], Reject)
    assert items[-1].line == 10


def test_an_implausible_time_is_rejected():
    (item,) = read(group_message("x", time=99999999999999))
    assert isinstance(item, Reject)


# ---- sniffing ----------------------------------------------------------------------------------


def test_sniff_claims_an_event_log():
    assert OneBotV11.sniff(SAMPLE.read_bytes(), SAMPLE.name)
    assert OneBotV11.sniff(group_message("x").encode(), "bot.log")


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SAMPLES.glob("*/*") if p != SAMPLE and p.suffix != ".md"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_sniff_leaves_other_files_alone_including_api_frames(path):
    assert not OneBotV11.sniff(path.read_bytes()[: 64 * 1024], path.name)


# ---- robustness --------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
_segment = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "at", "image", "face", "reply", "markdown", "zzz"]) | _json},
    optional={
        "data": st.fixed_dictionaries({}, optional={"text": _json, "qq": _json, "subType": _json}) | _json
    },
)
_event = st.fixed_dictionaries(
    {"post_type": st.sampled_from(["message", "message_sent", "notice", "request", "meta_event"]) | _json},
    optional={
        "time": st.integers() | st.floats() | _json,
        "message_type": st.sampled_from(["group", "private"]) | _json,
        "notice_type": st.sampled_from(
            [
                "group_recall",
                "group_increase",
                "group_decrease",
                "group_ban",
                "group_admin",
                "group_card",
                "group_upload",
            ]
        )
        | _json,
        "sub_type": st.sampled_from(["ban", "kick", "invite", "set", "kick_me"]) | _json,
        "group_id": st.integers() | _json,
        "user_id": st.integers() | _json,
        "operator_id": st.integers() | _json,
        "message_id": st.integers() | _json,
        "duration": st.integers() | _json,
        "message": st.lists(_segment, max_size=4) | st.text(max_size=40) | _json,
        "sender": _json,
        "anonymous": _json,
        "file": _json,
    },
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data):
    assert OneBotV11.sniff(data, "upload.bin") in (True, False)
    assert all(isinstance(item, ChatRecord | Reject) for item in read(data))


@settings(max_examples=300, deadline=None)
@given(st.lists(_event | _json, max_size=6))
def test_arbitrary_events_never_raise(events):
    log = "\n".join(json.dumps(event) for event in events)
    assert OneBotV11.sniff(log.encode(), "bot.jsonl") in (True, False)
    for item in read(log):
        assert isinstance(item, ChatRecord | Reject)
        if isinstance(item, ChatRecord):
            assert item.sent_at.tzinfo is not None
            assert item.group_account


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("[]CQ:,=&#;0-9a文at"), max_size=60))
def test_arbitrary_cq_strings_never_raise(text):
    assert all(isinstance(segment["type"], str) for segment in parse_cq(text))

"""QQ Chat Exporter JSON: the single-file export (whole, damaged, cut short) and chunk files."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qunguan.ingest.formats.qce_json import QCEJson
from qunguan.ingest.records import CHINA, ChatRecord, Reject

SAMPLES = Path(__file__).parent / "samples"
SAMPLE = SAMPLES / "qce_json" / "qce_group_export.json"
GROUP = "计算机学院2024级辅导员工作群"


def read(data: bytes | str) -> list[ChatRecord | Reject]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(QCEJson().read(io.BytesIO(raw)))


def records(data: bytes | str) -> list[ChatRecord]:
    items = read(data)
    assert all(isinstance(item, ChatRecord) for item in items), items
    return [item for item in items if isinstance(item, ChatRecord)]


def at(hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime(2024, 9, 2, hour, minute, second, tzinfo=CHINA)


def message(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "1",
        "timestamp": 1725238805000,
        "sender": {"uid": "u_abc", "uin": "10001001", "name": "王建国"},
        "type": "text",
        "content": {"text": "好", "elements": [{"type": "text", "data": {"text": "好"}}]},
        "recalled": False,
        "system": False,
    }
    base.update(fields)
    return base


def export(*messages: dict[str, Any], chat: dict[str, Any] | None = None) -> str:
    doc = {
        "metadata": {
            "name": "QQChatExporter V4 / https://github.com/shuakami/qq-chat-exporter",
            "version": "4.x",
        },
        "chatInfo": chat or {"name": "测试群", "type": "group"},
        "statistics": {"totalMessages": len(messages)},
        "messages": list(messages),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


# ---- the shared sample -------------------------------------------------------------------------


def test_sample_reads_every_message_with_qq_number_time_and_kind():
    got = records(SAMPLE.read_bytes())
    assert [(r.sent_at, r.sender_name, r.sender_id, r.message_id, r.kind, r.recalled) for r in got] == [
        (at(9, 0, 5), "王建国-辅导员", "10001001", "7410000000000005121", "text", False),
        (at(9, 1, 12), "张三-1班班长", "10001003", "7410000000000005122", "text", False),
        (at(9, 1, 40), "赵四-2班", "10001004", "7410000000000005123", "text", False),
        (at(9, 3, 27), "李芳-学工办", "10001002", "7410000000000005124", "image", False),
        (at(9, 3, 30), "李芳-学工办", "10001002", "7410000000000005125", "text", False),
        (at(9, 10, 2), "赵四-2班", "10001004", "7410000000000005126", "text", True),
        (at(9, 10, 40), "赵四-2班", "10001004", "7410000000000005127", "recall", False),
        (at(9, 12, 15), "王建国-辅导员", "10001001", "7410000000000005128", "text", False),
        (at(9, 15, 0), "李芳-学工办", "10001002", "7410000000000005129", "text", False),
        (at(12, 1, 33), "张三-1班班长", "10001003", "7410000000000005130", "sticker", False),
        (at(12, 2, 10), "赵四-2班", "10001004", "7410000000000005131", "text", False),
        (at(14, 30, 0), "陈小明", "10001005", "7410000000000005132", "system", False),
        (at(14, 31, 8), "陈小明", "10001005", "7410000000000005133", "text", False),
    ]


def test_sample_names_the_group_by_chat_info_and_its_avatar_url():
    got = records(SAMPLE.read_bytes())
    assert {(r.group_account, r.group_name, r.platform) for r in got} == {("800100200", GROUP, "qq")}


def test_sample_keeps_content_text_and_the_line_each_message_starts_on():
    got = records(SAMPLE.read_bytes())
    assert got[0].text == (
        "【通知】各位班长：本周五（9月6日）17:00前提交新生入学信息汇总表，逾期不候。\n"
        "表格模板见群文件《2024级新生信息表.xlsx》。"
    )
    assert got[3].text == "[图片:3F2A9C0D1E8B7A6F5E4D3C2B1A098765.jpg]"
    assert got[11].text == "陈小明加入了群聊"
    assert [r.line for r in got[:3]] == [68, 98, 128]


# ---- variants ----------------------------------------------------------------------------------


def test_without_a_qq_number_the_nt_uid_identifies_the_sender():
    (got,) = records(export(message(sender={"uid": "u_xyz", "uin": "0", "nickname": "昵称"})))
    assert (got.sender_id, got.sender_name) == ("u_xyz", "昵称")


def test_a_private_chat_has_no_group_account():
    (got,) = records(
        export(message(), chat={"name": "张三", "type": "private", "avatar": "https://x/gh/1234567/"})
    )
    assert (got.group_account, got.group_name) == (None, "张三")


@pytest.mark.parametrize(
    ("elements", "kind"),
    [
        ([{"type": "image", "data": {"filename": "a.jpg"}}], "image"),
        ([{"type": "image", "data": {"filename": "a.gif", "subType": "sticker"}}], "sticker"),
        ([{"type": "market_face", "data": {"name": "[贴贴]"}}], "sticker"),
        ([{"type": "file", "data": {"filename": "名单.xlsx"}}], "file"),
        ([{"type": "json", "data": {"title": "小程序"}}], "link"),
        ([{"type": "image", "data": {}}, {"type": "text", "data": {"text": "看图"}}], "text"),
        ([{"type": "at", "data": {"name": "全体成员", "atType": 1}}, {"type": "image", "data": {}}], "text"),
    ],
)
def test_kind_comes_from_the_elements_because_images_are_typed_text(elements, kind):
    (got,) = records(export(message(content={"text": "x", "elements": elements})))
    assert got.kind == kind


def test_a_time_string_is_used_when_timestamp_is_missing():
    item = message(time="2024-09-02T01:00:05.000Z")
    del item["timestamp"]
    (got,) = records(export(item))
    assert got.sent_at == at(9, 0, 5)


def test_a_message_without_a_time_is_rejected_and_the_rest_still_read():
    bad = message(id="2")
    del bad["timestamp"]
    items = read(export(message(id="1"), bad, message(id="3")))
    assert [type(item).__name__ for item in items] == ["ChatRecord", "Reject", "ChatRecord"]
    assert isinstance(items[1], Reject)
    assert items[1].reason == "第 2 条消息缺少有效的时间（timestamp）"


def test_a_file_cut_short_gives_every_message_before_the_cut():
    text = SAMPLE.read_text(encoding="utf-8")
    cut = text[: text.index('"id": "7410000000000005124"') + 10]
    items = read(cut)
    assert [type(item).__name__ for item in items] == ["ChatRecord"] * 3 + ["Reject"]
    reject = items[-1]
    assert isinstance(reject, Reject)
    assert reject.line == 158  # where the cut message opens
    assert reject.reason == (
        "第 4 条消息不完整或不是有效的 JSON（文件可能被截断），之前的消息已读取，其后的内容无法读取"
    )


def test_a_file_cut_between_messages_says_so():
    text = export(message(id="1"), message(id="2"))
    cut = text[: text.index('"id": "2"') - 10].rstrip().rstrip("{").rstrip()
    items = read(cut)
    assert isinstance(items[0], ChatRecord)
    assert isinstance(items[-1], Reject)
    assert items[-1].reason == "文件在第 2 条消息处中断（JSON 不完整），之前的消息已读取"


def test_a_manifest_of_a_chunked_export_points_to_the_chunk_files():
    manifest = json.dumps({"metadata": {}, "chatInfo": {"name": "群"}, "chunked": {"chunks": []}})
    assert read(manifest) == [
        Reject(1, "这是分块导出的清单文件（manifest.json），请导入 chunks 目录下的 .jsonl 文件")
    ]


def test_chunk_files_read_one_message_per_line_and_reject_a_bad_line():
    lines = [
        json.dumps(message(id="1"), ensure_ascii=False),
        '{"id": "2", "timestamp": 17252388',
        json.dumps(message(id="3", content={"text": "第三条"}), ensure_ascii=False),
    ]
    items = read("\n".join(lines) + "\n")
    assert [type(item).__name__ for item in items] == ["ChatRecord", "Reject", "ChatRecord"]
    assert isinstance(items[1], Reject)
    assert (items[1].line, items[1].reason) == (2, "这一行不是有效的 JSON（可能不完整）")
    assert isinstance(items[2], ChatRecord)
    assert (items[2].line, items[2].message_id, items[2].text) == (3, "3", "第三条")
    assert items[2].group_account is None


# ---- sniffing ----------------------------------------------------------------------------------


def test_sniff_claims_the_export_and_a_chunk_file():
    assert QCEJson.sniff(SAMPLE.read_bytes(), SAMPLE.name)
    chunk = json.dumps(message(), ensure_ascii=False).encode() + b"\n"
    assert QCEJson.sniff(chunk, "c000001.jsonl")


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SAMPLES.glob("*/*") if p.parent.name != "qce_json" and p.suffix != ".md"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_sniff_leaves_other_formats_alone(path):
    assert not QCEJson.sniff(path.read_bytes()[: 64 * 1024], path.name)


# ---- robustness --------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
_fields = st.fixed_dictionaries(
    {},
    optional={
        "id": _json,
        "timestamp": st.integers() | st.floats() | _json,
        "time": st.text(max_size=30) | _json,
        "sender": st.fixed_dictionaries({}, optional={"uin": _json, "uid": _json, "name": _json}) | _json,
        "type": st.sampled_from(["text", "file", "system", "type_7"]) | _json,
        "content": st.fixed_dictionaries({}, optional={"text": _json, "elements": _json}) | _json,
        "recalled": _json,
        "system": _json,
    },
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data):
    assert QCEJson.sniff(data, "upload.bin") in (True, False)
    assert all(isinstance(item, ChatRecord | Reject) for item in read(data))


@settings(max_examples=200, deadline=None)
@given(st.lists(_fields | _json, max_size=5), _json)
def test_arbitrary_messages_never_raise(messages, chat):
    doc = json.dumps({"chatInfo": chat, "messages": messages})
    for text in (doc, "\n".join(json.dumps(m) for m in messages)):
        assert QCEJson.sniff(text.encode(), "export.json") in (True, False)
        assert all(isinstance(item, ChatRecord | Reject) for item in read(text))

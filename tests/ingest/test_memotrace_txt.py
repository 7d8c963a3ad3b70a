"""留痕 MemoTrace TXT: the shared sample read exactly, replies, link cards, and broken files."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qunguan.ingest import formats
from qunguan.ingest.formats.memotrace_txt import MemoTraceTxt
from qunguan.ingest.records import CHINA, ChatRecord, Reject

SAMPLES = Path(__file__).parent / "samples"
SAMPLE = SAMPLES / "memotrace_txt" / "memotrace_group.txt"
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(data: bytes | str) -> list[ChatRecord | Reject]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(MemoTraceTxt().read(io.BytesIO(raw)))


def records(data: bytes | str) -> list[ChatRecord]:
    items = read(data)
    assert all(isinstance(item, ChatRecord) for item in items), items
    return [item for item in items if isinstance(item, ChatRecord)]


def at(hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime(2024, 9, 2, hour, minute, second, tzinfo=CHINA)


# ---- the shared sample -------------------------------------------------------------------------


def test_sample_reads_every_message_with_name_time_kind_and_line():
    got = [(r.line, r.sent_at, r.sender_name, r.kind) for r in records(SAMPLE.read_bytes())]
    assert got == [
        (1, at(9, 0, 5), "王建国-辅导员", "text"),
        (5, at(9, 1, 12), "张三-1班班长", "text"),
        (8, at(9, 1, 40), "赵四-2班", "text"),
        (11, at(9, 3, 27), "李芳-学工办", "image"),
        (14, at(9, 3, 30), "李芳-学工办", "text"),
        (17, at(9, 10, 2), "赵四-2班", "text"),
        (20, at(9, 10, 40), "赵四-2班", "recall"),
        (22, at(9, 12, 15), "王建国-辅导员", "text"),
        (25, at(9, 15, 0), "李芳-学工办", "text"),
        (28, at(12, 1, 33), "张三-1班班长", "sticker"),
        (31, at(12, 2, 10), "赵四-2班", "text"),
        (34, at(14, 30, 0), "系统消息", "system"),
        (36, at(14, 31, 8), "陈小明", "text"),
    ]


def test_sample_texts_keep_multi_line_bodies_placeholders_and_system_wording():
    texts = [r.text for r in records(SAMPLE.read_bytes())]
    assert texts[0] == (
        "【通知】各位班长：本周五（9月6日）17:00前提交新生入学信息汇总表，逾期不候。\n"
        "表格模板见群文件《2024级新生信息表.xlsx》。"
    )
    assert texts[3] == "[图片]"
    assert texts[6] == '"赵四-2班" 撤回了一条消息'
    assert texts[9] == "[表情包]"
    assert texts[11] == '"王建国-辅导员"邀请"陈小明"加入了群聊'


def test_sample_names_no_ids_and_no_group():
    assert {
        (r.sender_id, r.message_id, r.group_account, r.platform) for r in records(SAMPLE.read_bytes())
    } == {(None, None, None, "wechat")}


def test_detect_picks_memotrace_txt_for_the_sample():
    assert formats.detect(SAMPLE) is MemoTraceTxt


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SAMPLES.glob("*/*") if p.parent.name != "memotrace_txt" and p.suffix != ".md"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_sniff_leaves_other_formats_alone(path):
    assert not MemoTraceTxt.sniff(path.read_bytes()[: 64 * 1024], path.name)


# ---- what MemoTrace writes besides plain text --------------------------------------------------


def test_a_reply_keeps_only_the_reply():
    (record,) = records("2024-09-02 09:00:05 张三\n好的，马上交\n引用:王老师:请周五前交表\n\n")
    assert (record.kind, record.text) == ("text", "好的，马上交")


def test_a_link_card_loses_the_exporters_indentation():
    record, _ = records(
        "2024-09-02 09:00:05 王老师\n"
        "            [链接]:title:新生报到须知\n"
        "            description:请查收\n"
        "            url:https://example.edu.cn/notice\n"
        "            name:微信\n"
        "            \n\n"
        "2024-09-02 09:00:06 张三\n收到\n\n"
    )
    assert record.kind == "link"
    assert record.text == (
        "[链接]:title:新生报到须知\ndescription:请查收\nurl:https://example.edu.cn/notice\nname:微信"
    )


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("[语音]", "voice"),
        ("[视频]", "video"),
        ("[文件]", "file"),
        ("[音乐分享]", "link"),
        ("[图片]2", "text"),
    ],
)
def test_placeholders_give_kinds(body, kind):
    (record,) = records(f"2024-09-02 09:00:05 张三\n{body}\n\n")
    assert (record.kind, record.text) == (kind, body)


def test_a_body_line_that_looks_like_a_time_is_body_unless_a_blank_line_precedes_it():
    (record,) = records("2024-09-02 09:00:05 张三\n明天\n2024-09-03 08:00:00 集合\n\n")
    assert record.text == "明天\n2024-09-03 08:00:00 集合"


def test_blank_lines_inside_a_body_are_kept_and_trailing_ones_dropped():
    (record,) = records("2024-09-02 09:00:05 张三\n第一段\n\n第二段\n\n\n")
    assert record.text == "第一段\n\n第二段"


def test_you_recalled_is_a_recall_without_a_named_sender():
    (record,) = records("2024-09-02 09:00:05 你撤回了一条消息\n\n")
    assert (record.kind, record.sender_name) == ("recall", "系统消息")


def test_crlf_files_read_the_same():
    data = SAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n")
    assert records(data) == records(SAMPLE.read_bytes())


def test_a_gb18030_file_reads_like_utf8():
    data = SAMPLE.read_text(encoding="utf-8").encode("gb18030")
    assert records(data) == records(SAMPLE.read_bytes())


# ---- broken files ------------------------------------------------------------------------------


def test_an_impossible_time_is_rejected_with_its_line_and_the_rest_is_read():
    items = read("2024-02-30 09:00:05 张三\n好\n\n2024-09-02 09:00:06 李四\n收到\n\n")
    assert items[0] == Reject(1, "时间“2024-02-30 09:00:05”不存在", "2024-02-30 09:00:05 张三")
    assert isinstance(items[1], ChatRecord)
    assert (items[1].line, items[1].text) == (4, "收到")


def test_text_before_the_first_header_is_rejected_once_in_file_order():
    items = read("导出说明\n随便写的\n\n2024-09-02 09:00:05 张三\n好\n")
    assert items[0] == Reject(1, "第一条消息之前的内容不是留痕 TXT 的格式，没有读取", "导出说明\n随便写的")
    assert isinstance(items[1], ChatRecord)
    assert (items[1].line, items[1].text) == (4, "好")
    assert len(items) == 2


def test_a_file_cut_off_mid_message_keeps_everything_up_to_the_cut():
    got = records("2024-09-02 09:00:05 张三\n好\n\n2024-09-02 09:00:06 李四\n收")
    assert [r.text for r in got] == ["好", "收"]


@PROPERTY
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text):
    for item in read(text):
        assert isinstance(item, ChatRecord | Reject)


_PIECES = [
    "2024-09-02 09:00:05 张三",
    "2024-02-30 09:00:05 坏日期",
    '2024-09-02 09:10:40 "赵四" 撤回了一条消息',
    "[图片]",
    "            [链接]:title:x",
    "引用:王老师:交表",
    "",
    "   ",
]


@PROPERTY
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=20)), max_size=40))
def test_arbitrary_lines_never_raise(lines):
    for item in read("\n".join(lines)):
        assert isinstance(item, ChatRecord | Reject)


@PROPERTY
@given(st.binary(max_size=600), st.text(max_size=20))
def test_sniff_never_raises(head, filename):
    assert MemoTraceTxt.sniff(head, filename) in (True, False)


@PROPERTY
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(data):
    for item in read(data):
        assert isinstance(item, ChatRecord | Reject)


def test_a_body_too_long_for_a_chat_message_is_rejected_and_the_next_message_read():
    items = read("2024-09-02 09:00:05 张三\n" + "很长的一行\n" * 50_000 + "\n2024-09-02 09:00:06 李四\n好\n")
    assert items[0] == Reject(1, "这条消息超过 200000 个字符，没有读取", "2024-09-02 09:00:05 张三")
    assert isinstance(items[1], ChatRecord)
    assert (items[1].line, items[1].text) == (50_003, "好")

"""QQ PC 消息管理器 .txt exports: the shared sample read exactly, and the variants real files show."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qunguan.ingest.formats.qq_pc_txt import QQPCText
from qunguan.ingest.records import CHINA, ChatRecord, Reject

SAMPLES = Path(__file__).parent / "samples"
SAMPLE = SAMPLES / "qq_pc_txt" / "qq_group_export.txt"
GROUP = "计算机学院2024级辅导员工作群"
BANNER = (
    "消息记录（此消息记录为文本格式，不支持重新导入）\r\n\r\n"
    + "=" * 64
    + "\r\n消息分组:我的QQ群\r\n"
    + "=" * 64
    + f"\r\n消息对象:{GROUP}\r\n"
    + "=" * 64
    + "\r\n\r\n"
)


def read(data: bytes | str) -> list[ChatRecord | Reject]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(QQPCText().read(io.BytesIO(raw)))


def records(data: bytes | str) -> list[ChatRecord]:
    items = read(data)
    assert all(isinstance(item, ChatRecord) for item in items), items
    return [item for item in items if isinstance(item, ChatRecord)]


def at(hour: int, minute: int, second: int, day: tuple[int, int, int] = (2024, 9, 2)) -> dt.datetime:
    return dt.datetime(*day, hour, minute, second, tzinfo=CHINA)


# ---- the shared sample -------------------------------------------------------------------------


def test_sample_reads_every_message_with_sender_id_time_and_kind():
    got = records(SAMPLE.read_bytes())
    assert [(r.line, r.sent_at, r.sender_name, r.sender_id, r.kind) for r in got] == [
        (9, at(9, 0, 5), "王建国-辅导员", "10001001", "text"),
        (13, at(9, 1, 12), "张三-1班班长", "10001003", "text"),
        (16, at(9, 1, 40), "赵四-2班", "10001004", "text"),
        (19, at(9, 3, 27), "李芳-学工办", "10001002", "image"),
        (22, at(9, 3, 30), "李芳-学工办", "10001002", "text"),
        (25, at(9, 10, 2), "赵四-2班", "10001004", "text"),
        (28, at(9, 10, 40), "系统消息", "10000", "recall"),
        (31, at(9, 12, 15), "王建国-辅导员", "10001001", "text"),
        (34, at(9, 15, 0), "李芳-学工办", "10001002", "text"),
        (37, at(12, 1, 33), "张三-1班班长", "10001003", "sticker"),
        (40, at(12, 2, 10), "赵四-2班", "10001004", "text"),
        (43, at(14, 30, 0), "系统消息", "1000000", "system"),
        (46, at(14, 31, 8), "陈小明", "10001005", "text"),
        (49, at(15, 2, 44), "外聘讲师", "guest_lecturer@example.com", "text"),
    ]


def test_sample_keeps_a_multi_line_body_and_names_the_group():
    got = records(SAMPLE.read_bytes())
    assert got[0].text == (
        "【通知】各位班长：本周五（9月6日）17:00前提交新生入学信息汇总表，逾期不候。\n"
        "表格模板见群文件《2024级新生信息表.xlsx》。"
    )
    assert {r.group_name for r in got} == {GROUP}
    assert {r.platform for r in got} == {"qq"}
    assert all(r.group_account is None and r.message_id is None for r in got)


def test_sample_system_lines_keep_their_wording():
    got = records(SAMPLE.read_bytes())
    assert got[6].text == "赵四-2班撤回了一条消息"
    assert got[11].text == "陈小明加入本群。"
    assert got[9].text == "[表情]"
    assert got[-1].text == "下午的讲座课件我发到群文件了"


# ---- header variants ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected_time", "name", "ident"),
    [
        ("2019-09-23 8:43:38 PM 昵称(87200175)", (20, 43, 38), "昵称", "87200175"),
        ("2019-09-23 12:05:00 AM 夜猫子(87200175)", (0, 5, 0), "夜猫子", "87200175"),
        ("2019-09-23 12:30:00 PM 午饭(87200175)", (12, 30, 0), "午饭", "87200175"),
        ("2019-09-23 上午 08:00:00 Alice(1)", (8, 0, 0), "Alice", "1"),
        ("2019-09-23 下午 3:04:05 Bob(2)", (15, 4, 5), "Bob", "2"),
        ("2019-09-23 3:04:05 下午 Carol(3)", (15, 4, 5), "Carol", "3"),
        ("2019-09-23 9:00:05 PMing(87200175)", (9, 0, 5), "PMing", "87200175"),
        ("2019-09-23 9:00:05 (A(123123)", (9, 0, 5), "(A", "123123"),
        ("2019-09-23 9:00:05 (B)(456456)", (9, 0, 5), "(B)", "456456"),
        ("2019-09-23 9:00:05 名字(带(嵌套)括号) (0012345)", (9, 0, 5), "名字(带(嵌套)括号)", "0012345"),
        ("2019-09-23 9:00:05 【管理员】王建国-辅导员(10001001)", (9, 0, 5), "王建国-辅导员", "10001001"),
        ("2019-09-23 9:00:05 围观<indo@qq.com>", (9, 0, 5), "围观", "indo@qq.com"),
    ],
)
def test_header_variants_give_24_hour_time_and_the_last_bracket_as_id(header, expected_time, name, ident):
    (got,) = records(f"{BANNER}{header}\r\n正文\r\n")
    assert got.sent_at == at(*expected_time, day=(2019, 9, 23))
    assert (got.sender_name, got.sender_id, got.text) == (name, ident, "正文")


def test_private_export_without_ids_reads_every_header():
    text = "1883-03-07 11:22:33 A\n关注\n关注谢谢\n\n1883-03-07 12:34:56 B\nTCG\n"
    got = records(text)
    assert [(r.sender_name, r.sender_id, r.text) for r in got] == [
        ("A", None, "关注\n关注谢谢"),
        ("B", None, "TCG"),
    ]


def test_a_timestamp_line_without_id_in_a_group_export_is_body_text():
    text = (
        f"{BANNER}2024-09-02 9:00:05 王建国-辅导员(10001001)\r\n会议改到\r\n"
        "2024-09-03 10:00:00 在三楼会议室\r\n\r\n2024-09-02 9:01:12 张三-1班班长(10001003)\r\n收到\r\n"
    )
    first, second = records(text)
    assert first.text == "会议改到\n2024-09-03 10:00:00 在三楼会议室"
    assert (second.sender_id, second.text) == ("10001003", "收到")


def test_blank_lines_inside_a_body_are_kept_and_only_trailing_ones_dropped():
    text = f"{BANNER}2024-09-02 9:00:05 王建国(10001001)\r\n第一段\r\n\r\n\r\n第二段\r\n\r\n\r\n"
    (got,) = records(text)
    assert got.text == "第一段\n\n\n第二段"


def test_an_empty_body_is_a_message_of_kind_other():
    text = f"{BANNER}2024-09-02 9:00:05 王建国(10001001)\r\n\r\n2024-09-02 9:00:06 王建国(10001001)\r\n好\r\n"
    first, second = records(text)
    assert (first.text, first.kind) == ("", "other")
    assert second.text == "好"


def test_a_rule_of_equals_signs_inside_a_body_stays_in_the_body():
    text = f"{BANNER}2024-09-02 9:00:05 王建国(10001001)\r\n通知\r\n{'=' * 64}\r\n落款\r\n"
    (got,) = records(text)
    assert got.text == f"通知\n{'=' * 64}\n落款"


def test_each_conversation_block_names_its_own_group():
    second_banner = (
        "=" * 64 + "\r\n消息分组:我的QQ群\r\n" + "=" * 64 + "\r\n消息对象：另一个群\r\n" + "=" * 64
    )
    text = (
        f"{BANNER}2024-09-02 9:00:05 王建国(10001001)\r\n第一个群\r\n\r\n"
        f"{second_banner}\r\n\r\n2024-09-02 9:00:06 李芳(10001002)\r\n第二个群\r\n"
    )
    first, second = records(text)
    assert (first.group_name, first.text) == (GROUP, "第一个群")
    assert (second.group_name, second.text) == ("另一个群", "第二个群")


@pytest.mark.parametrize(
    ("sender", "body", "kind"),
    [
        ("张三(10001003)", "[图片]", "image"),
        ("张三(10001003)", "[图片][图片]", "image"),
        ("张三(10001003)", "[表情]", "sticker"),
        ("张三(10001003)", "[文件]", "file"),
        ("张三(10001003)", "[图片]2", "text"),
        ("张三(10001003)", "[图片]对方已成功接收了你发送的离线文件", "system"),
        ("系统消息(10000)", "你撤回了一条消息", "recall"),
        ("系统消息(1000000)", "王建国邀请陈小明加入了本群。", "system"),
        ("赵四(10001004)", "赵四撤回了一条消息", "recall"),
        ("赵四(10001004)", "老师说不要撤回了一条消息就以为没事\n要注意", "text"),
    ],
)
def test_kind_follows_placeholders_and_system_senders(sender, body, kind):
    (got,) = records(f"{BANNER}2024-09-02 9:00:05 {sender}\r\n{body}\r\n")
    assert got.kind == kind


# ---- bad input ---------------------------------------------------------------------------------


def test_an_impossible_date_is_rejected_with_its_line_and_its_body_is_not_misfiled():
    text = (
        f"{BANNER}2024-09-02 9:00:05 王建国(10001001)\r\n好\r\n"
        "2024-13-45 9:00:06 李芳(10001002)\r\n这行属于坏消息\r\n"
        "2024-09-02 9:00:07 张三(10001003)\r\n收到\r\n"
    )
    items = read(text)
    assert [type(item).__name__ for item in items] == ["ChatRecord", "Reject", "ChatRecord"]
    reject = items[1]
    assert isinstance(reject, Reject)
    assert reject.line == 11
    assert reject.reason == "消息头中的日期或时间无效：“2024-13-45 9:00:06”"
    assert isinstance(items[0], ChatRecord)
    assert items[0].text == "好"


def test_text_before_the_first_header_is_rejected_line_by_line():
    items = read("某人转发来的半截记录\r\n2024-09-02 9:00:05 王建国(10001001)\r\n好\r\n")
    assert isinstance(items[0], Reject)
    assert (items[0].line, items[0].raw) == (1, "某人转发来的半截记录")
    assert items[0].reason == "这一行不属于任何消息（前面没有“日期 时间 发送者(QQ号)”格式的消息头）"
    assert isinstance(items[1], ChatRecord)
    assert items[1].text == "好"


def test_a_truncated_file_gives_every_message_up_to_the_cut():
    data = SAMPLE.read_bytes()
    cut = data[: data.index("各位老师好".encode()) + 4]  # in the middle of a character
    got = records(cut)
    assert len(got) == 13
    assert got[-1].sender_name == "陈小明"
    assert got[-1].text.startswith("各")


@pytest.mark.parametrize("codec", ["gb18030", "utf-16", "utf-16-le"])
def test_other_encodings_read_the_same_as_utf8(codec):
    text = SAMPLE.read_bytes().decode("utf-8-sig")
    assert records(text.encode(codec)) == records(SAMPLE.read_bytes())


def test_an_overlong_line_is_rejected_without_being_held():
    text = f"{BANNER}2024-09-02 9:00:05 王建国(10001001)\r\n{'啊' * (1 << 20)}\r\n短\r\n"
    items = read(text)
    assert [type(item).__name__ for item in items] == ["Reject", "ChatRecord"]
    assert items[0].line == 10
    assert isinstance(items[1], ChatRecord)
    assert items[1].text == "短"


# ---- sniffing ----------------------------------------------------------------------------------


def test_sniff_claims_the_export_and_a_bare_conversation_with_ids():
    assert QQPCText.sniff(SAMPLE.read_bytes(), SAMPLE.name)
    assert QQPCText.sniff(SAMPLE.read_bytes().decode("utf-8-sig").encode("utf-16"), "x.txt")
    assert QQPCText.sniff("2024-09-02 9:00:05 王建国(10001001)\r\n好\r\n".encode(), "x.txt")


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SAMPLES.glob("*/*") if p.parent.name != "qq_pc_txt" and p.suffix != ".md"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_sniff_leaves_other_formats_alone(path):
    assert not QQPCText.sniff(path.read_bytes()[: 64 * 1024], path.name)


# ---- robustness --------------------------------------------------------------------------------

_PIECES = [
    "2024-09-02 9:00:05 王建国(10001001)",
    "2024-09-02 12:00:00 PM 【管理员】A(B)(0012)",
    "2024-02-30 9:00:05 坏日期(1)",
    "2024-09-02 9:00:05 无号",
    "=" * 64,
    "消息对象:群",
    "消息分组:我的QQ群",
    "[图片]",
    "",
    "系统消息(10000)",
]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data):
    assert QQPCText.sniff(data, "upload.bin") in (True, False)
    assert all(isinstance(item, ChatRecord | Reject) for item in read(data))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=30)), max_size=40))
def test_arbitrary_lines_never_raise(lines):
    for item in read("\r\n".join(lines)):
        assert isinstance(item, ChatRecord | Reject)
        if isinstance(item, ChatRecord):
            assert item.sent_at.tzinfo is not None

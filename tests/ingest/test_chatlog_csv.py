"""sjzar/chatlog CSV: the shared sample read exactly, chatlog's placeholders, and broken files."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qunguan.ingest import formats
from qunguan.ingest.formats.chatlog_csv import ChatlogCsv
from qunguan.ingest.formats.chatlog_json import ChatlogJson
from qunguan.ingest.records import CHINA, ChatRecord, Reject

SAMPLES = Path(__file__).parent / "samples"
SAMPLE = SAMPLES / "chatlog_csv" / "chatlog_group.csv"
HEADER = "Time,SenderName,Sender,TalkerName,Talker,Content"
ROOM = "34567890123@chatroom"
GROUP = "计算机学院2024级辅导员工作群"
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(data: bytes | str) -> list[ChatRecord | Reject]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(ChatlogCsv().read(io.BytesIO(raw)))


def records(data: bytes | str) -> list[ChatRecord]:
    items = read(data)
    assert all(isinstance(item, ChatRecord) for item in items), items
    return [item for item in items if isinstance(item, ChatRecord)]


def row(content: str, *, sender: str = "wxid_z", name: str = "张三", talker: str = ROOM) -> str:
    cell = '"' + content.replace('"', '""') + '"'
    return f"{HEADER}\r\n2024-09-02 09:00:05,{name},{sender},{GROUP},{talker},{cell}\r\n"


def at(hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime(2024, 9, 2, hour, minute, second, tzinfo=CHINA)


# ---- the shared sample -------------------------------------------------------------------------


def test_sample_reads_every_row_with_sender_time_kind_and_starting_line():
    got = [(r.line, r.sent_at, r.sender_id, r.sender_name, r.kind) for r in records(SAMPLE.read_bytes())]
    assert got == [
        (2, at(9, 0, 5), "wxid_wang_fdy01", "王建国-辅导员", "text"),
        (4, at(9, 1, 12), "wxid_zhangsan03", "张三-1班班长", "text"),
        (5, at(9, 1, 40), "zhaosi_2024", "赵四-2班", "text"),
        (6, at(9, 3, 27), "wxid_li_xgb02", "李芳-学工办", "image"),
        (7, at(9, 3, 30), "wxid_li_xgb02", "李芳-学工办", "text"),
        (8, at(9, 10, 2), "zhaosi_2024", "赵四-2班", "text"),
        (9, at(9, 10, 40), None, "赵四-2班", "recall"),
        (10, at(9, 12, 15), "wxid_wang_fdy01", "王建国-辅导员", "text"),
        (11, at(9, 15, 0), "wxid_li_xgb02", "李芳-学工办", "text"),
        (12, at(12, 1, 33), "wxid_zhangsan03", "张三-1班班长", "sticker"),
        (13, at(12, 2, 10), "zhaosi_2024", "赵四-2班", "text"),
        (14, at(14, 30, 0), None, "系统消息", "system"),
        (15, at(14, 31, 8), "wxid_chenxm05", "陈小明", "text"),
    ]


def test_sample_drops_chatlogs_local_urls_and_keeps_the_multi_line_cell():
    got = records(SAMPLE.read_bytes())
    assert got[0].text.endswith("逾期不候。\n表格模板见群文件《2024级新生信息表.xlsx》。")
    assert got[3].text == "[图片]"  # not ![图片](http://127.0.0.1:5030/image/…)
    assert got[9].text == "[表情包]"
    assert {(r.group_account, r.group_name, r.platform) for r in got} == {(ROOM, GROUP, "wechat")}


def test_sample_gives_the_same_fingerprints_as_the_json_of_the_same_messages():
    # A JSON and a CSV export of one group overlap: they must de-duplicate against each other.
    json_records = list(
        ChatlogJson().read(io.BytesIO((SAMPLES / "chatlog_json" / "chatlog_group.json").read_bytes()))
    )
    assert [r.fingerprint() for r in records(SAMPLE.read_bytes())] == [
        r.fingerprint() for r in json_records if isinstance(r, ChatRecord)
    ]


def test_detect_picks_chatlog_csv_for_the_sample():
    assert formats.detect(SAMPLE) is ChatlogCsv


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SAMPLES.glob("*/*") if p.parent.name != "chatlog_csv" and p.suffix != ".md"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_sniff_leaves_other_formats_alone(path):
    assert not ChatlogCsv.sniff(path.read_bytes()[: 64 * 1024], path.name)


# ---- chatlog's placeholders --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "kind", "text"),
    [
        ("![视频](http://127.0.0.1:5030/video/0a,0b)", "video", "[视频]"),
        ("[语音](http://127.0.0.1:5030/voice/12)", "voice", "[语音]"),
        ("[语音]", "voice", "[语音]"),
        ("[动画表情]", "sticker", "[表情包]"),
        ("[GIF表情]", "sticker", "[表情包]"),
        ("[链接|新生须知](https://example.edu.cn/x)", "link", "[链接] 新生须知 https://example.edu.cn/x"),
        ("[分享|标题|描述](https://a.cn/)", "link", "[分享] 标题 https://a.cn/"),
        ("[文件|名单.xlsx](http://127.0.0.1:5030/file/0a)", "file", "[文件] 名单.xlsx"),
        ("[小程序|报名](https://a.cn/)", "link", "[小程序] 报名 https://a.cn/"),
        ("[名片]", "other", "[名片]"),
        ("[红包]", "other", "[红包]"),
        ("[转账|发送 ¥1.00](备注)", "other", "[转账|发送 ¥1.00](备注)"),
        ("> 王老师(wxid_w) 09-02 09:00:05\n> 周五前交表\n好的，马上交", "text", "好的，马上交"),
        ("> [引用]\n收到", "text", "收到"),
        ("[图片]不是占位符", "text", "[图片]不是占位符"),
    ],
)
def test_placeholders_give_kinds_and_readable_text(content, kind, text):
    (record,) = records(row(content))
    assert (record.kind, record.text) == (kind, text)


def test_private_chats_are_skipped():
    assert records(row("私聊", talker="wxid_peer")) == []


# ---- broken files ------------------------------------------------------------------------------


def test_a_bad_time_is_rejected_with_its_line_and_the_rest_is_read():
    items = read(
        f"{HEADER}\r\n2024-09-02 25:00:05,张三,wxid_z,{GROUP},{ROOM},坏\r\n"
        f"2024-09-02 09:00:06,张三,wxid_z,{GROUP},{ROOM},好\r\n"
    )
    assert items[0] == Reject(
        2, "时间“2024-09-02 25:00:05”无法识别", f"2024-09-02 25:00:05,张三,wxid_z,{GROUP},{ROOM},坏"
    )
    assert isinstance(items[1], ChatRecord)
    assert (items[1].line, items[1].text) == (3, "好")


def test_an_unterminated_quote_at_the_end_is_rejected_with_its_starting_line():
    items = read(
        f"{HEADER}\r\n2024-09-02 09:00:05,张三,wxid_z,{GROUP},{ROOM},好\r\n"
        f'2024-09-02 09:00:06,张三,wxid_z,{GROUP},{ROOM},"没写完\r\n还有一行\r\n'
    )
    assert isinstance(items[0], ChatRecord)
    assert isinstance(items[1], Reject)
    assert (items[1].line, items[1].reason) == (3, "引号没有闭合，一直到文件末尾，这条记录无法读取")


def test_a_row_with_the_wrong_cell_count_is_rejected():
    (reject,) = read(f"{HEADER}\r\n2024-09-02 09:00:05,张三,wxid_z\r\n")
    assert reject == Reject(2, "这一行有 3 列，chatlog CSV 应有 6 列", "2024-09-02 09:00:05,张三,wxid_z")


@PROPERTY
@given(st.text(max_size=400))
def test_arbitrary_text_after_the_header_never_raises(body):
    for item in read(f"{HEADER}\r\n{body}"):
        assert isinstance(item, ChatRecord | Reject)


_CELLS = [
    "2024-09-02 09:00:05",
    "系统消息",
    ROOM,
    "wxid_z",
    '"',
    '""',
    "> a\n",
    "![图片](x)",
    "[链接|",
    "\r\n",
    ",",
]


@PROPERTY
@given(st.lists(st.one_of(st.sampled_from(_CELLS), st.text(max_size=8)), max_size=60))
def test_arbitrary_cells_and_quotes_never_raise(cells):
    for item in read(HEADER + "\r\n" + ",".join(cells)):
        assert isinstance(item, ChatRecord | Reject)


@PROPERTY
@given(st.binary(max_size=600), st.text(max_size=20))
def test_sniff_never_raises(head, filename):
    assert ChatlogCsv.sniff(head, filename) in (True, False)


@PROPERTY
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(data):
    for item in read(data):
        assert isinstance(item, ChatRecord | Reject)

"""QQ PC 消息管理器 .mht exports: MIME parts, 日期 rows, HTML bodies."""

from __future__ import annotations

import base64
import datetime as dt
import io
import quopri
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qunguan.ingest.formats.qq_pc_mht import QQPCMht
from qunguan.ingest.formats.qq_pc_txt import QQPCText
from qunguan.ingest.records import CHINA, ChatRecord, Reject

SAMPLES = Path(__file__).parent / "samples"
SAMPLE = SAMPLES / "qq_pc_mht" / "qq_group_export.mht"
GROUP = "计算机学院2024级辅导员工作群"
BOUNDARY = "----=_NextPart_TEST"
FONT = "<font style=\"font-size:10pt;font-family:'微软雅黑',sans-serif;\" color='000000'>"


def read(data: bytes) -> list[ChatRecord | Reject]:
    return list(QQPCMht().read(io.BytesIO(data)))


def records(data: bytes) -> list[ChatRecord]:
    items = read(data)
    assert all(isinstance(item, ChatRecord) for item in items), items
    return [item for item in items if isinstance(item, ChatRecord)]


def row(who: str, clock: str, body: str, colour: str = "#006EFE") -> str:
    return (
        f"<tr><td><div style=color:{colour};padding-left:10px;><div style=float:left;margin-right:6px;>"
        f"{who}</div>{clock}</div><div style=padding-left:20px;>{FONT}{body}</font></div></td></tr>\r\n"
    )


def date_row(day: str) -> str:
    return f"<tr><td style=border-bottom-width:1px;color:#3568BB;padding-left:10px;>日期: {day}</td></tr>\r\n"


def mht(rows: str, group: str = GROUP, encoding: str = "7bit") -> bytes:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />'
        "<title>QQ Message</title></head><body><table width=100% cellspacing=0>\r\n"
        "<tr><td><div style=padding-left:10px;>消息分组:我的QQ群</div></td></tr>\r\n"
        f"<tr><td><div style=padding-left:10px;>消息对象:{group}</div></td></tr>\r\n"
        "<tr><td><div style=padding-left:10px;>&nbsp;</div></td></tr>\r\n"
        f"{rows}</table></body></html>\r\n"
    ).encode()
    if encoding == "quoted-printable":
        html = quopri.encodestring(html)
    elif encoding == "base64":
        html = base64.encodebytes(html)
    head = (
        "From: <Save by Tencent MsgMgr>\r\nSubject: Tencent IM Message\r\nMIME-Version: 1.0\r\n"
        'Content-Type:multipart/related;\r\n\tcharset="utf-8"\r\n\ttype="text/html";\r\n'
        f'\tboundary="{BOUNDARY}"\r\n\r\n--{BOUNDARY}\r\nContent-Type:text/html\r\n'
        f"Content-Transfer-Encoding:{encoding}\r\n\r\n"
    ).encode()
    return head + html + f"\r\n--{BOUNDARY}--\r\n".encode()


def at(hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime(2024, 9, 2, hour, minute, second, tzinfo=CHINA)


# ---- the shared sample -------------------------------------------------------------------------


def test_sample_reads_every_message_row_with_the_date_from_its_date_row():
    got = records(SAMPLE.read_bytes())
    assert [(r.line, r.sent_at, r.sender_name, r.sender_id, r.kind) for r in got] == [
        (18, at(9, 0, 5), "王建国-辅导员", "10001001", "text"),
        (19, at(9, 1, 12), "张三-1班班长", "10001003", "text"),
        (20, at(9, 1, 40), "赵四-2班", "10001004", "text"),
        (21, at(9, 3, 27), "李芳-学工办", "10001002", "image"),
        (22, at(9, 3, 30), "李芳-学工办", "10001002", "text"),
        (23, at(9, 10, 2), "赵四-2班", "10001004", "text"),
        (24, at(9, 10, 40), "系统消息", "10000", "recall"),
        (25, at(9, 12, 15), "王建国-辅导员", "10001001", "text"),
        (26, at(9, 15, 0), "李芳-学工办", "10001002", "text"),
        (27, at(12, 1, 33), "张三-1班班长", "10001003", "sticker"),
        (28, at(12, 2, 10), "赵四-2班", "10001004", "text"),
        (29, at(14, 30, 0), "系统消息", "1000000", "system"),
        (30, at(14, 31, 8), "陈小明", "10001005", "text"),
    ]


def test_sample_bodies_turn_br_into_newlines_and_pictures_into_placeholders():
    got = records(SAMPLE.read_bytes())
    assert got[0].text == (
        "【通知】各位班长：本周五（9月6日）17:00前提交新生入学信息汇总表，逾期不候。\n"
        "表格模板见群文件《2024级新生信息表.xlsx》。"
    )
    assert (got[3].text, got[9].text) == ("[图片]", "[表情]")
    assert got[6].text == "赵四-2班撤回了一条消息"
    assert {r.group_name for r in got} == {GROUP}


def test_sample_records_match_the_txt_export_of_the_same_chat():
    """The same messages exported both ways de-duplicate against each other."""
    txt = [
        r for r in QQPCText().read(io.BytesIO((SAMPLES / "qq_pc_txt" / "qq_group_export.txt").read_bytes()))
    ]
    mht_prints = {r.fingerprint() for r in records(SAMPLE.read_bytes())}
    txt_prints = {r.fingerprint() for r in txt if isinstance(r, ChatRecord)}
    assert mht_prints <= txt_prints


# ---- variants ----------------------------------------------------------------------------------


def test_html_entities_are_unescaped_in_names_and_bodies():
    data = mht(
        date_row("2024-09-02") + row("大魔头&lt;notyycn@gmail.com&gt;", "9:00:05", "A&amp;B &lt;3&nbsp;好")
    )
    (got,) = records(data)
    assert (got.sender_name, got.sender_id) == ("大魔头", "notyycn@gmail.com")
    assert got.text == "A&B <3 好"


def test_each_date_row_sets_the_day_of_the_rows_after_it():
    data = mht(
        date_row("2024-09-02")
        + row("王建国(10001001)", "23:59:59", "晚安")
        + date_row("2024-09-03")
        + row("王建国(10001001)", "0:00:01", "早")
    )
    first, second = records(data)
    assert first.sent_at == at(23, 59, 59)
    assert second.sent_at == dt.datetime(2024, 9, 3, 0, 0, 1, tzinfo=CHINA)


def test_a_message_row_before_any_date_row_is_rejected():
    items = read(mht(row("王建国(10001001)", "9:00:05", "无日期")))
    assert len(items) == 1
    assert isinstance(items[0], Reject)
    assert items[0].reason == "这条消息之前没有“日期”行，无法确定日期"


def test_twelve_hour_times_and_titles_are_handled_like_the_txt_export():
    data = mht(date_row("2024-09-02") + row("【管理员】王建国(10001001)", "2:05:00 PM", "好"))
    (got,) = records(data)
    assert (got.sender_name, got.sent_at) == ("王建国", at(14, 5, 0))


@pytest.mark.parametrize("encoding", ["quoted-printable", "base64"])
def test_encoded_html_parts_are_decoded(encoding):
    data = mht(
        date_row("2024-09-02") + row("王建国(10001001)", "9:00:05", "第一行<br>第二行"), encoding=encoding
    )
    (got,) = records(data)
    assert (got.sent_at, got.text) == (at(9, 0, 5), "第一行\n第二行")


def test_a_table_written_on_one_very_long_line_is_read_in_pieces():
    rows = "".join(row("王建国(10001001)", "9:00:05", f"第{n}条").rstrip("\r\n") for n in range(5000))
    data = mht((date_row("2024-09-02") + rows).replace("\r\n", ""))
    assert len(data) > 1 << 20
    got = records(data)
    assert len(got) == 5000
    assert (got[0].text, got[-1].text) == ("第0条", "第4999条")
    assert {r.line for r in got} == {got[0].line}


def test_a_file_cut_inside_a_row_keeps_the_rows_before_and_reports_the_cut():
    data = SAMPLE.read_bytes()
    cut = data[: data.index("陈小明(10001005)".encode())]
    items = read(cut)
    assert sum(isinstance(item, ChatRecord) for item in items) == 12
    assert isinstance(items[-1], Reject)
    assert items[-1].line == 30
    assert items[-1].reason == "文件在这一行中断，最后一行消息不完整"


def test_a_file_without_a_mime_boundary_is_one_reject():
    items = read(b"<html><table><tr><td>x</td></tr></table></html>")
    assert items == [Reject(1, "不是 QQ 消息管理器导出的 MHT 文件：找不到 MIME 分隔符（boundary）")]


# ---- sniffing ----------------------------------------------------------------------------------


def test_sniff_claims_the_export():
    assert QQPCMht.sniff(SAMPLE.read_bytes(), SAMPLE.name)


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SAMPLES.glob("*/*") if p.parent.name != "qq_pc_mht" and p.suffix != ".md"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_sniff_leaves_other_formats_alone(path):
    assert not QQPCMht.sniff(path.read_bytes()[: 64 * 1024], path.name)


# ---- robustness --------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data):
    assert QQPCMht.sniff(data, "upload.bin") in (True, False)
    assert all(isinstance(item, ChatRecord | Reject) for item in read(data))


_HTML_PIECES = [
    "<tr>",
    "</tr>",
    "<td>",
    "<div>",
    "</div>",
    "<br>",
    "<IMG src=x.gif>",
    "<![if",
    "<!x",
    "日期: 2024-09-02",
    "日期: 2024-02-30",
    "王建国(10001001)",
    "9:00:05",
    "25:61:61",
    "&lt;",
    "\r\n",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_HTML_PIECES), st.text(max_size=10)), max_size=60))
def test_arbitrary_html_never_raises(pieces):
    items = read(mht("".join(pieces)))
    assert all(isinstance(item, ChatRecord | Reject) for item in items)

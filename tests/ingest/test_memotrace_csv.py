"""留痕 MemoTrace CSV: the shared sample read exactly, the other headers, and what broken files do."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qunguan.ingest import formats
from qunguan.ingest.formats.memotrace_csv import MemoTraceCsv
from qunguan.ingest.records import CHINA, ChatRecord, Reject

SAMPLES = Path(__file__).parent / "samples"
SAMPLE = SAMPLES / "memotrace_csv" / "memotrace_group_utf8.csv"
HEADER_12 = (
    "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender"
)
HEADER_9 = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime"
HEADER_ZH = "消息ID,类型,发送人,时间,内容,备注,昵称,更多信息"
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(data: bytes | str) -> list[ChatRecord | Reject]:
    raw = data.encode("utf-8-sig") if isinstance(data, str) else data
    return list(MemoTraceCsv().read(io.BytesIO(raw)))


def records(data: bytes | str) -> list[ChatRecord]:
    items = read(data)
    assert all(isinstance(item, ChatRecord) for item in items), items
    return [item for item in items if isinstance(item, ChatRecord)]


def at(hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime(2024, 9, 2, hour, minute, second, tzinfo=CHINA)


# ---- the shared sample -------------------------------------------------------------------------


def test_sample_reads_every_row_with_sender_wxid_time_kind_and_starting_line():
    got = [(r.line, r.sent_at, r.sender_id, r.sender_name, r.kind) for r in records(SAMPLE.read_bytes())]
    assert got == [
        (2, at(9, 0, 5), "wxid_wang_fdy01", "王建国辅导员", "text"),
        (4, at(9, 1, 12), "wxid_zhangsan03", "张三", "text"),
        (5, at(9, 1, 40), "zhaosi_2024", "赵四同学", "text"),
        (6, at(9, 3, 27), "wxid_li_xgb02", "小李", "image"),
        (7, at(9, 3, 30), "wxid_li_xgb02", "小李", "text"),
        (8, at(9, 10, 2), "zhaosi_2024", "赵四同学", "text"),
        (9, at(9, 10, 40), None, "赵四-2班", "recall"),
        (10, at(9, 12, 15), "wxid_wang_fdy01", "王建国辅导员", "text"),
        (11, at(9, 15, 0), "wxid_li_xgb02", "小李", "text"),
        (12, at(12, 1, 33), "wxid_zhangsan03", "张三", "sticker"),
        (13, at(12, 2, 10), "zhaosi_2024", "赵四同学", "text"),
        (14, at(14, 30, 0), None, "系统消息", "system"),
        (15, at(14, 31, 8), "wxid_chenxm05", "陈小明", "text"),
        (16, at(15, 5, 0), "wxid_wang_fdy01", "王建国辅导员", "file"),
    ]


def test_sample_multi_line_cell_is_one_message_on_the_line_it_starts():
    first = records(SAMPLE.read_bytes())[0]
    assert first.line == 2
    assert first.text == (
        "【通知】各位班长：本周五（9月6日）17:00前提交新生入学信息汇总表，逾期不候。\n"
        "表格模板见群文件《2024级新生信息表.xlsx》。"
    )


def test_sample_texts_keep_the_words_and_reduce_xml_and_system_rows():
    texts = [r.text for r in records(SAMPLE.read_bytes())]
    assert texts[3] == "[图片]"
    assert texts[6] == '"赵四-2班" 撤回了一条消息'
    assert texts[7] == "@赵四-2班\u2005不要在群里发身份证号！私聊李老师处理。"  # WeChat's mention space kept
    assert texts[9] == "[表情包]"  # the <msg><emoji …/></msg> XML
    assert texts[11] == '"王建国-辅导员"邀请"陈小明"加入了群聊'
    assert texts[13] == "[文件]"


def test_sample_carries_no_group_id_or_message_id():
    # No MemoTrace column holds the …@chatroom id, and localId is no message id.
    assert {(r.group_account, r.message_id, r.platform) for r in records(SAMPLE.read_bytes())} == {
        (None, None, "wechat")
    }


def test_detect_picks_memotrace_csv_for_the_sample():
    assert formats.detect(SAMPLE) is MemoTraceCsv


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SAMPLES.glob("*/*") if p.parent.name != "memotrace_csv" and p.suffix != ".md"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_sniff_leaves_other_formats_alone(path):
    assert not MemoTraceCsv.sniff(path.read_bytes()[: 64 * 1024], path.name)


# ---- the other headers -------------------------------------------------------------------------


def test_nine_column_header_reads_rows_without_a_sender():
    got = records(
        f"{HEADER_9}\r\n"
        "1,7,1,0,0,1725238805,,你好,2024-09-02 09:00:05\r\n"
        "2,7,1,0,1,1725238806,,我来了,2024-09-02 09:00:06\r\n"
    )
    assert [(r.sender_id, r.sender_name, r.text, r.line) for r in got] == [
        (None, "", "你好", 2),
        (None, "我", "我来了", 3),
    ]


def test_a_wechat_4_sender_prefix_becomes_the_sender():
    (record,) = records(f'{HEADER_9}\r\n3,7,1,0,0,1725238807,,"wxid_abc:\n群里好",2024-09-02 09:00:07\r\n')
    assert (record.sender_id, record.text) == ("wxid_abc", "群里好")


def test_private_rows_under_the_twelve_column_header_have_nine_cells():
    (record,) = records(f"{HEADER_12}\r\n1,7,1,0,0,1725238805,,在吗,2024-09-02 09:00:05\r\n")
    assert (record.text, record.sender_id) == ("在吗", None)


def test_chinese_header_reads_server_id_type_names_and_display_names():
    got = records(
        f"{HEADER_ZH}\n"
        "1234567890123,文本,小红,2024-02-01 10:00:00,在吗,小红,小红,more\n"
        '0,系统消息,,2024-02-01 10:00:01,"""小红"" 撤回了一条消息",,,more\n'
        '99,引用消息,我,2024-02-01 10:00:02,"好的\n引用：小红: 在吗",我,我,more\n'
        "98,文件,我,2024-02-01 10:00:03,【文件】名单 final.xlsx 0.01 MB C:\\名单 final.xlsx xlsx 0a1b,我,我,more\n"
        "97,图片,小红,2024-02-01 10:00:04,【图片】,小红,小红,more\n"
    )
    assert [(r.line, r.message_id, r.sender_name, r.kind, r.text) for r in got] == [
        (2, "1234567890123", "小红", "text", "在吗"),
        (3, None, "小红", "recall", '"小红" 撤回了一条消息'),
        (4, "99", "我", "text", "好的"),  # the quoted words are the quoted message's
        (6, "98", "我", "file", "[文件] 名单 final.xlsx"),
        (7, "97", "小红", "image", "[图片]"),
    ]
    assert got[0].sent_at == dt.datetime(2024, 2, 1, 10, 0, tzinfo=CHINA)


def test_a_gb18030_file_reads_like_utf8():
    data = f"{HEADER_12}\r\n1,7,1,0,0,1725238805,,老师好,2024-09-02 09:00:05,,张三,wxid_z\r\n".encode(
        "gb18030"
    )
    (record,) = records(data)
    assert (record.text, record.sender_name) == ("老师好", "张三")


def test_str_time_is_read_as_china_time_when_create_time_is_missing():
    (record,) = records(f"{HEADER_12}\r\n1,7,1,0,0,,,好,2024-09-02 09:00:05,,张三,wxid_z\r\n")
    assert record.sent_at == at(9, 0, 5)


def test_a_dump_with_a_talker_column_names_the_group():
    (record,) = records(
        "localId,Type,SubType,IsSender,CreateTime,StrContent,StrTalker,Sender\n"
        "1,1,0,0,1725238805,好,34567890123@chatroom,wxid_z\n"
    )
    assert record.group_account == "34567890123@chatroom"


# ---- WeChat XML reduced to what the chat shows --------------------------------------------------

REVOKE_XML = (
    '<sysmsg type="revokemsg"><revokemsg><session>34567890123@chatroom</session><msgid>1</msgid>'
    '<newmsgid>2</newmsgid><replacemsg><![CDATA["赵四-2班" 撤回了一条消息]]></replacemsg></revokemsg></sysmsg>'
)
INVITE_XML = (
    '<sysmsg type="sysmsgtemplate"><sysmsgtemplate><content_template type="tmpl_type_profile">'
    '<plain><![CDATA[]]></plain><template><![CDATA["$username$"邀请"$names$"加入了群聊]]></template>'
    '<link_list><link name="username" type="link_profile"><memberlist><member><username><![CDATA[wxid_w]]>'
    "</username><nickname><![CDATA[王建国]]></nickname></member></memberlist></link>"
    '<link name="names" type="link_profile"><memberlist><member><username><![CDATA[wxid_c]]></username>'
    "<nickname><![CDATA[陈小明]]></nickname></member><member><username><![CDATA[wxid_d]]></username>"
    "<nickname><![CDATA[周大]]></nickname></member></memberlist></link></link_list>"
    "</content_template></sysmsgtemplate></sysmsg>"
)
LINK_XML = (
    "<msg><appmsg><title>新生报到须知</title><des>请查收</des><type>5</type>"
    "<url>https://example.edu.cn/notice</url></appmsg></msg>"
)
QUOTE_XML = "<msg><appmsg><title>好的，马上交</title><type>57</type><refermsg><content>交表</content></refermsg></appmsg></msg>"


@pytest.mark.parametrize(
    ("type_", "sub_type", "content", "kind", "text"),
    [
        (10002, 0, REVOKE_XML, "recall", '"赵四-2班" 撤回了一条消息'),
        (10000, 0, INVITE_XML, "system", '"王建国"邀请"陈小明、周大"加入了群聊'),
        (
            10000,
            0,
            '<![CDATA[你撤回了一条消息 <a href="weixin://revoke_edit_click">重新编辑</a>]]>',
            "recall",
            "你撤回了一条消息",
        ),
        (10000, 0, "你已添加了张三，现在可以开始聊天了。", "system", "你已添加了张三，现在可以开始聊天了。"),
        (49, 5, LINK_XML, "link", "[链接] 新生报到须知 https://example.edu.cn/notice"),
        (49, 0, LINK_XML, "link", "[链接] 新生报到须知 https://example.edu.cn/notice"),  # subtype from XML
        (49, 57, QUOTE_XML, "text", "好的，马上交"),
        (
            49,
            6,
            "<msg><appmsg><title>名单.xlsx</title><type>6</type></appmsg></msg>",
            "file",
            "[文件] 名单.xlsx",
        ),
        (
            49,
            87,
            "<msg><appmsg><textannouncement>周五交表</textannouncement></appmsg></msg>",
            "text",
            "[群公告] 周五交表",
        ),
        (49, 2001, "", "other", "[红包]"),
        (34, 0, '<msg><voicemsg endflag="1" length="3000"/></msg>', "voice", "[语音]"),
        (43, 0, "", "video", "[视频]"),
        (
            48,
            0,
            '<msg><location x="30.6" y="104.0" label="成都市" poiname="图书馆"/></msg>',
            "other",
            "[位置] 图书馆 成都市",
        ),
        (25769803825, 0, "", "file", "[文件]"),  # WeChat 4.x: subtype 6 packed into the type
        (9999, 0, "奇怪的内容", "other", "[消息类型 9999] 奇怪的内容"),
    ],
)
def test_type_codes_give_kinds_and_readable_text(type_, sub_type, content, kind, text):
    cell = '"' + content.replace('"', '""') + '"'
    (record,) = records(f"{HEADER_12}\r\n1,7,{type_},{sub_type},0,1725238805,,{cell},,,,wxid_z\r\n")
    assert (record.kind, record.text) == (kind, text)


# ---- broken files ------------------------------------------------------------------------------


def test_a_row_with_a_bad_time_is_rejected_with_its_line_and_the_rest_is_read():
    items = read(
        f"{HEADER_12}\r\n"
        "1,7,1,0,0,abc,,老师好,2024-13-02 09:00:05,,张三,wxid_z\r\n"
        "2,7,1,0,0,1725238805,,好的,,,张三,wxid_z\r\n"
    )
    assert items[0] == Reject(
        2,
        "时间无法识别（CreateTime“abc”，StrTime“2024-13-02 09:00:05”）",
        "1,7,1,0,0,abc,,老师好,2024-13-02 09:00:05,,张三,wxid_z",
    )
    assert isinstance(items[1], ChatRecord)
    assert (items[1].line, items[1].text) == (3, "好的")


def test_an_unterminated_quote_at_the_end_is_rejected_and_the_lines_it_swallowed_are_read():
    items = read(
        f"{HEADER_12}\r\n"
        "1,7,1,0,0,1725238805,,ok,,,张三,wxid_z\r\n"
        '2,7,1,0,0,1725238806,,"broken,x,,张三,wxid_z\r\n'
        "3,7,1,0,0,1725238807,,after,,,张三,wxid_z\r\n"
    )
    assert [(type(i).__name__, i.line) for i in items] == [
        ("ChatRecord", 2),
        ("Reject", 3),
        ("ChatRecord", 4),
    ]
    assert isinstance(items[1], Reject)
    assert items[1].reason == "引号没有闭合，一直到文件末尾，这条记录无法读取"
    assert isinstance(items[2], ChatRecord)
    assert items[2].text == "after"


def test_a_runaway_quote_in_the_middle_costs_one_row():
    items = read(
        f"{HEADER_12}\r\n"
        '1,7,1,0,0,1725238806,,"broken,x,,张三,wxid_z\r\n'
        "2,7,1,0,0,1725238807,,after,,,张三,wxid_z\r\n"
        '3,7,1,0,0,1725238808,,"quoted",,,张三,wxid_z\r\n'
        "4,7,1,0,0,1725238809,,last,,,张三,wxid_z\r\n"
    )
    assert isinstance(items[0], Reject)
    assert items[0].line == 2
    assert [(r.line, r.text) for r in items[1:] if isinstance(r, ChatRecord)] == [
        (3, "after"),
        (4, "quoted"),
        (5, "last"),
    ]


def test_a_row_with_too_many_cells_is_rejected():
    (reject,) = read(f"{HEADER_9}\r\n1,7,1,0,0,1725238805,,a,b,c,d\r\n")
    assert reject == Reject(2, "这一行有 11 列，与表头的 9 列对不上", "1,7,1,0,0,1725238805,,a,b,c,d")


def test_a_non_numeric_type_is_rejected():
    (reject,) = read(f"{HEADER_9}\r\n1,7,文本,0,0,1725238805,,a,\r\n")
    assert isinstance(reject, Reject)
    assert reject.reason == "消息类型“文本/0”不是数字"


def test_a_file_with_another_header_reads_nothing():
    (reject,) = read("a,b,c\r\n1,2,3\r\n")
    assert isinstance(reject, Reject)
    assert reject.line == 1


@PROPERTY
@given(st.text(max_size=400))
def test_arbitrary_text_after_the_header_never_raises(body):
    for item in read(f"{HEADER_12}\r\n{body}"):
        assert isinstance(item, ChatRecord | Reject)


@PROPERTY
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(data):
    for item in read(data):
        assert isinstance(item, ChatRecord | Reject)


_CELLS = [
    "1",
    "7",
    "47",
    "49",
    "10000",
    "1725238805",
    "",
    '"',
    '""',
    '"a\nb"',
    "<msg><emoji/></msg>",
    "撤回了一条消息",
    "\r\n",
    "\n",
    ",",
]


@PROPERTY
@given(st.lists(st.one_of(st.sampled_from(_CELLS), st.text(max_size=8)), max_size=60))
def test_arbitrary_cells_and_quotes_never_raise(cells):
    for item in read(HEADER_12 + "\r\n" + ",".join(cells)):
        assert isinstance(item, ChatRecord | Reject)


@PROPERTY
@given(st.binary(max_size=600), st.text(max_size=20))
def test_sniff_never_raises(head, filename):
    assert MemoTraceCsv.sniff(head, filename) in (True, False)


def test_a_line_too_long_for_a_chat_message_is_rejected_without_being_held():
    items = read(
        f"{HEADER_12}\r\n1,7,1,0,0,1725238805,,{'x' * 1_200_000},,,张三,wxid_z\r\n2,7,1,0,0,1725238806,,ok,,,张三,wxid_z\r\n"
    )
    assert isinstance(items[0], Reject)
    assert (items[0].line, items[0].reason) == (2, "这一行超过 1048576 个字符，不像聊天记录，没有读取")
    assert isinstance(items[1], ChatRecord)
    assert (items[1].line, items[1].text) == (3, "ok")


def test_sniff_accepts_a_header_with_every_cell_quoted():
    quoted = ",".join(f'"{name}"' for name in HEADER_12.split(","))
    assert MemoTraceCsv.sniff(f"\ufeff{quoted}\r\n".encode(), "x.csv")

"""Reading member lists: the shared samples, each format's shape, every bad record with its place."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from openpyxl import Workbook

from qunguan.members.formats import (
    MemberRow,
    UnreadableMemberFile,
    detect_format,
    read_chatlog,
    read_member_file,
    read_onebot,
    read_sheet_members,
    read_wecom,
)

from .helpers import HEADER, ONEBOT_SAMPLE, WECOM_SAMPLE


def test_onebot_sample_gives_every_member_with_card_role_join_time_and_robot_flag():
    members = read_onebot(ONEBOT_SAMPLE.read_bytes())

    assert members.format == "onebot"
    assert members.group_account == "800100200"
    assert members.problems == []
    assert [(r.platform_id, r.card, r.role, r.is_robot) for r in members.rows] == [
        ("10001001", "王建国-辅导员", "owner", False),
        ("10001002", "李芳-学工办", "admin", False),
        ("10001003", "张三-1班班长", "member", False),
        ("10001004", "赵四-2班", "member", False),
        ("10001005", "", "member", False),
        ("3000000001", "群管家(机器人)", "admin", True),
    ]
    assert members.rows[0].nickname == "王老师"
    assert members.rows[0].joined_at == dt.datetime(2024, 6, 20, 2, 0, tzinfo=dt.UTC)


def test_onebot_bare_array_reads_as_the_envelope_does():
    data = json.loads(ONEBOT_SAMPLE.read_text(encoding="utf-8"))["data"]

    bare = read_onebot(json.dumps(data).encode())

    assert bare.rows == read_onebot(ONEBOT_SAMPLE.read_bytes()).rows


def test_onebot_failed_response_is_unreadable():
    with pytest.raises(UnreadableMemberFile, match="OneBot 返回失败：群不存在"):
        read_onebot(
            b'{"status": "failed", "retcode": 100, "data": null, "wording": "\\u7fa4\\u4e0d\\u5b58\\u5728"}'
        )


def test_onebot_bad_members_are_each_reported_with_their_position_and_field():
    data = [
        {"user_id": 1001, "card": "王建国", "role": "member"},
        {"card": "无号"},
        {"user_id": 1003, "role": "boss"},
        {"user_id": 1001, "card": "重复"},
        {"user_id": "abc"},
    ]

    members = read_onebot(json.dumps(data).encode())

    assert [r.platform_id for r in members.rows] == ["1001"]
    assert [p.render("m.json") for p in members.problems] == [
        "m.json: 第 2 个成员: user_id: 缺少 QQ 号",
        "m.json: 第 3 个成员: role: 角色应为“群主”“管理员”或“成员”，而不是“boss”",
        "m.json: 第 4 个成员: user_id: 与第 1 个成员重复",
        "m.json: 第 5 个成员: user_id: QQ 号“abc”不是数字",
    ]


def test_wecom_sample_takes_group_nickname_as_card_and_owner_and_admins_from_the_chat():
    members = read_wecom(WECOM_SAMPLE.read_bytes())

    assert members.group_account == "wrOgQhDgAAxxxxSAMPLExxxxxxxxxxAA"
    assert [(r.platform_id, r.card, r.nickname, r.role) for r in members.rows][:3] == [
        ("WangJianGuo", "王建国-辅导员", "王老师", "owner"),
        ("LiFang", "李芳-学工办", "小李", "admin"),
        ("wmOgQhDgAAzhangsanSAMPLExxxxxxAA", "张三-1班班长", "张三", "member"),
    ]
    assert len(members.rows) == 5
    assert members.problems == []


def test_wecom_error_response_is_unreadable():
    with pytest.raises(UnreadableMemberFile, match="企业微信返回错误 40003"):
        read_wecom(b'{"errcode": 40003, "errmsg": "invalid userid"}')


CHATLOG = {
    "items": [
        {"name": "111@chatroom", "owner": "wxid_a", "users": [{"userName": "wxid_a", "displayName": "甲"}]},
        {
            "name": "222@chatroom",
            "owner": "wxid_b",
            "users": [
                {"userName": "wxid_b", "displayName": "王建国"},
                {"userName": "wxid_c", "displayName": ""},
            ],
        },
    ]
}


def test_chatlog_chatroom_list_is_read_for_the_room_of_the_group():
    members = read_chatlog(json.dumps(CHATLOG).encode(), "222@chatroom")

    assert members.group_account == "222@chatroom"
    assert [(r.platform_id, r.card, r.role) for r in members.rows] == [
        ("wxid_b", "王建国", "owner"),
        ("wxid_c", "", "member"),
    ]


def test_chatlog_with_several_rooms_and_no_matching_account_is_unreadable():
    with pytest.raises(UnreadableMemberFile, match="找不到群号为“333@chatroom”的一个"):
        read_chatlog(json.dumps(CHATLOG).encode(), "333@chatroom")


def test_sheet_reads_header_synonyms_roles_and_join_times():
    data = "QQ号,群昵称,QQ昵称,身份,加入时间\n10001,作曲1班-张三,三,管理员,2024/6/20 10:00\n10002,李四,,群主,2024年6月21日\n"

    members = read_sheet_members(data.encode("gb18030"), "m.csv")

    assert members.problems == []
    assert members.rows == [
        MemberRow(2, "10001", "三", "作曲1班-张三", "admin", dt.datetime(2024, 6, 20, 10, 0)),  # noqa: DTZ001
        MemberRow(3, "10002", "", "李四", "owner", dt.datetime(2024, 6, 21)),  # noqa: DTZ001
    ]


def test_sheet_reports_every_bad_line_with_its_field_and_keeps_counting_blank_lines():
    data = (
        ",".join(HEADER) + "\n"
        "张三,,10001,,\n"
        "李四,,,成员,\n"
        "\n"
        "王五,,10003,老板,\n"
        "赵六,,10004,,昨天\n"
        "张三,,10001,,\n"
    )

    members = read_sheet_members(data.encode(), "m.csv")

    assert [p.render("m.csv") for p in members.problems] == [
        "m.csv:3: QQ号或微信号: 必填，不能为空",
        "m.csv:5: 角色: 角色应为“群主”“管理员”或“成员”，而不是“老板”",
        "m.csv:6: 入群时间: 无法识别的时间“昨天”，请写成 2024-06-20 10:00 或 2024-06-20",
        "m.csv:7: QQ号或微信号: 与第 2 行重复",
    ]
    assert [r.platform_id for r in members.rows] == ["10001"]


def test_xlsx_sheet_reads_numbers_and_date_cells():
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["王建国", "王老师", 10001001, "群主", dt.datetime(2022, 9, 1, 8, 0)])  # noqa: DTZ001
    buffer = io.BytesIO()
    book.save(buffer)

    members = read_sheet_members(buffer.getvalue(), "m.xlsx")

    assert members.rows == [
        MemberRow(2, "10001001", "王老师", "王建国", "owner", dt.datetime(2022, 9, 1, 8, 0))  # noqa: DTZ001
    ]


def test_sheet_without_an_id_column_is_unreadable():
    with pytest.raises(UnreadableMemberFile, match="缺少必填列“QQ号或微信号”"):
        read_sheet_members("群名片,昵称\n张三,三\n".encode(), "m.csv")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (ONEBOT_SAMPLE.read_bytes(), "onebot"),
        (WECOM_SAMPLE.read_bytes(), "wecom"),
        (json.dumps(CHATLOG).encode(), "chatlog"),
        (b"[]", "onebot"),
        ("群名片,QQ号\n".encode(), "sheet"),
    ],
)
def test_format_is_told_from_the_content(content, expected):
    assert detect_format(content, "members") == expected


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "文件是空的。"),
        (b"{not json", "JSON 格式有误"),
        (b'{"status": "ok", "retcode": 0, "data": {"x": 1}}', "缺少成员数组 data"),
    ],
)
def test_unreadable_files_say_why(content, reason):
    with pytest.raises(UnreadableMemberFile, match=reason):
        read_member_file(content, "m.json")

"""Real-name matching (1(3)): conventions × cards, then cards × the roster, as one table each."""

from __future__ import annotations

import pytest

from qunguan.members.naming import (
    AMBIGUOUS,
    OUT_OF_SCOPE,
    UNKNOWN,
    VERIFIED,
    BadConvention,
    Candidate,
    ParsedName,
    Roster,
    compile_convention,
    match_member,
    parse_display,
)

# convention, card, nickname → (name, number, class, unit, source), or None when nothing fits
PARSING = [
    ("{姓名}", "王建国", "", ("王建国", "", "", "", "card")),
    ("{姓名}", "王建國", "", ("王建国", "", "", "", "card")),  # traditional characters
    ("{姓名}", "王 建 国", "", ("王建国", "", "", "", "card")),  # spaces inside the name
    ("{姓名}", "　王建国　", "", ("王建国", "", "", "", "card")),  # full-width spaces around it
    ("{姓名}", "王建国-辅导员", "", ("王建国", "", "", "", "card")),  # duties after a separator
    ("{姓名}", "买买提•艾力", "", ("买买提·艾力", "", "", "", "card")),  # one dot for every dot variant
    ("{姓名}", "", "王建国", ("王建国", "", "", "", "nickname")),  # no card: the nickname
    ("{姓名}", "Tony", "王建国", ("王建国", "", "", "", "nickname")),  # card does not fit: the nickname
    ("{姓名}", "Tony", "", None),
    ("{班级}-{姓名}", "作曲2023级1班-张小明", "", ("张小明", "", "作曲2023级1班", "", "card")),
    (
        "{班级}-{姓名}",
        "作曲2023级1班－张小明",
        "",
        ("张小明", "", "作曲2023级1班", "", "card"),
    ),  # full-width dash
    (
        "{班级}-{姓名}",
        "作曲2023级1班 张小明",
        "",
        ("张小明", "", "作曲2023级1班", "", "card"),
    ),  # another separator
    ("{班级}-{姓名}", "张小明", "", None),  # class missing
    ("{班级}{姓名}", "作曲2023级1班张小明", "", ("张小明", "", "作曲2023级1班", "", "card")),
    ("{学号}{姓名}", "2023010101张小明", "", ("张小明", "2023010101", "", "", "card")),
    (
        "{学号}{姓名}",
        "２０２３０１０１０１张小明",
        "",
        ("张小明", "2023010101", "", "", "card"),
    ),  # full-width digits
    ("{学号}{姓名}", "2023010101 张小明", "", ("张小明", "2023010101", "", "", "card")),
    ("{学号}{姓名}", "张小明", "", None),  # number missing
    ("{姓名}-{单位}", "李芳-学工办", "", ("李芳", "", "", "学工办", "card")),
    ("{姓名}-{单位}", "李芳", "", None),
    ("{姓名}（{工号}）", "王建国（t1001）", "", ("王建国", "T1001", "", "", "card")),
    ("{姓名}（{工号}）", "王建国(T1001", "", ("王建国", "T1001", "", "", "card")),  # bracket left open
]


@pytest.mark.parametrize(("convention", "card", "nickname", "expected"), PARSING)
def test_card_is_read_under_the_groups_convention(convention, card, nickname, expected):
    parsed = parse_display(convention, card, nickname)

    assert parsed == (ParsedName(*expected) if expected else None)


@pytest.mark.parametrize(
    ("convention", "reason"),
    [
        ("{年级}-{姓名}", "群名片规范中的“{年级}”无法识别"),
        ("{班级}", "群名片规范必须包含 {姓名} 或 {学号}/{工号}"),
        ("{姓名}{姓名}", "群名片规范中“{姓名}”出现了两次"),
    ],
)
def test_unusable_conventions_are_refused_with_the_reason(convention, reason):
    with pytest.raises(BadConvention, match=reason):
        compile_convention(convention)


SCOPE = "/1/2/"  # 作曲系
ROSTER = Roster(
    [
        Candidate(1, "王建国", "T1001", "/1/2/", "作曲系"),
        Candidate(2, "张小明", "2023010101", "/1/2/3/", "作曲2023级1班"),
        Candidate(3, "张小明", "2023020202", "/1/4/", "声乐系"),
        Candidate(4, "李秀兰", "T2001", "/1/4/", "声乐系"),
        Candidate(5, "刘洋", "2023010103", "/1/2/3/", "作曲2023级1班"),
        Candidate(6, "刘洋", "2023010104", "/1/2/5/", "作曲2023级2班"),
        Candidate(7, "陈旧", "2019010101", "/1/2/", "作曲系", active=False),
        Candidate(8, "欧阳娜娜", "T1009", "/1/2/", "作曲系"),
    ]
)

# convention, card → status, person id, reason
MATCHING = [
    ("{姓名}", "王建国", VERIFIED, 1, ""),
    ("{姓名}", "王建國", VERIFIED, 1, ""),
    ("{姓名}", "王 建 国", VERIFIED, 1, ""),
    ("{姓名}", "歐陽娜娜", VERIFIED, 8, ""),
    ("{姓名}", "张小明", VERIFIED, 2, ""),  # the other 张小明 is outside the scope
    ("{学号}{姓名}", "２０２３０１０１０１张小明", VERIFIED, 2, ""),
    ("{姓名}（{工号}）", "王建国（T1001）", VERIFIED, 1, ""),
    ("{班级}-{姓名}", "作曲2023级2班-刘洋", VERIFIED, 6, ""),  # the class tells the two 刘洋 apart
    ("{姓名}-{学号}", "刘洋-2023010103", VERIFIED, 5, ""),
    ("{姓名}", "刘洋", AMBIGUOUS, None, "本群成员范围内有 2 名“刘洋”，请在群名片中注明学号/工号"),
    (
        "{班级}-{姓名}",
        "作曲系-刘洋",
        AMBIGUOUS,
        None,
        "本群成员范围内有 2 名“刘洋”，请在群名片中注明学号/工号",
    ),
    ("{姓名}", "李秀兰", OUT_OF_SCOPE, 4, "花名册中的“李秀兰”属于“声乐系”，不在本群成员范围内"),
    (
        "{学号}{姓名}",
        "2023020202张小明",
        OUT_OF_SCOPE,
        3,
        "花名册中的“张小明”属于“声乐系”，不在本群成员范围内",
    ),
    ("{姓名}", "陈旧", OUT_OF_SCOPE, 7, "“陈旧”在花名册中已标记为离校/离岗"),
    ("{姓名}", "赵六", UNKNOWN, None, "花名册中查无“赵六”"),
    ("{学号}{姓名}", "2023019999张小明", UNKNOWN, None, "群名片中的学号/工号与花名册中的“张小明”不符"),
    ("{学号}{姓名}", "张小明", UNKNOWN, None, "群名片“张小明”不符合本群的命名规范"),  # number missing
    ("{姓名}", "", UNKNOWN, None, "未填写群名片"),
]


@pytest.mark.parametrize(("convention", "card", "status", "person", "reason"), MATCHING)
def test_member_is_matched_against_the_roster_of_the_groups_unit(convention, card, status, person, reason):
    parsed = parse_display(convention, card)

    match = match_member(parsed, ROSTER, SCOPE, shown=card)

    assert (match.status, match.person_id, match.reason) == (status, person, reason)


def test_whole_school_group_sees_both_namesakes_as_ambiguous():
    match = match_member(parse_display("{姓名}", "张小明"), ROSTER, "/1/", shown="张小明")

    assert match.status == AMBIGUOUS

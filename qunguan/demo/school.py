"""The demo school's data: its unit tree, name pools and groups (蓉城音乐学院, all invented).

``group_specs`` lists compliant groups for every unit, then ``breach_specs`` adds the groups
that break each registry check and the near-misses beside them that must stay silent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from qunguan.registry.models import GroupStatus

# name, kind, parent name (None: root), headcount (staff of an office, staff+students of a college, a class's students)
UNITS: tuple[tuple[str, str, str | None, int], ...] = (
    ("蓉城音乐学院党委", "party_committee", None, 1500),
    ("机关党委", "party_committee", "蓉城音乐学院党委", 140),
    ("党委宣传部", "office", "机关党委", 12),
    ("学生工作部", "office", "机关党委", 20),
    ("教务处", "office", "机关党委", 26),
    ("作曲系", "college", "蓉城音乐学院党委", 260),
    ("作曲2023级1班", "class", "作曲系", 32),
    ("作曲2024级1班", "class", "作曲系", 30),
    ("声乐系", "college", "蓉城音乐学院党委", 420),
    ("声乐2023级1班", "class", "声乐系", 36),
    ("声乐2024级2班", "class", "声乐系", 34),
    ("器乐系", "college", "蓉城音乐学院党委", 380),
    ("器乐2023级钢琴班", "class", "器乐系", 28),
    ("音乐学院", "college", "蓉城音乐学院党委", 300),
    ("音乐学2022级1班", "class", "音乐学院", 40),
    ("舞蹈学院党总支", "general_party_branch", "蓉城音乐学院党委", 320),
    ("舞蹈学院", "college", "舞蹈学院党总支", 310),
    ("舞蹈2023级1班", "class", "舞蹈学院", 30),
    ("离退休教职工直属党支部", "party_branch", "蓉城音乐学院党委", 90),
    ("图书馆直属党支部", "party_branch", "蓉城音乐学院党委", 25),
)
# Two-digit college codes inside student numbers (2023 01 02 03 = year, college, class, seat).
COLLEGE_CODES = {"作曲系": "01", "声乐系": "02", "器乐系": "03", "音乐学院": "04", "舞蹈学院": "05"}
# Roster size of every unit that is not a class (the roster is a sample, not the full headcount).
STAFF_PER_UNIT = 8

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = [
    "思雨",
    "子涵",
    "梓萱",
    "欣怡",
    "浩然",
    "宇轩",
    "俊杰",
    "雅琴",
    "静怡",
    "嘉乐",
    "明远",
    "晓峰",
    "志强",
    "秀英",
    "丽娟",
    "婉清",
    "一鸣",
    "书瑶",
    "若溪",
    "沐阳",
    "语桐",
    "芷若",
    "清扬",
    "安琪",
    "慕白",
    "知夏",
    "建华",
    "文博",
    "海燕",
    "晨曦",
    "敏",
    "磊",
    "婷",
    "洋",
    "军",
    "芳",
    "伟",
    "静",
    "涛",
    "颖",
]


@dataclass
class GroupSpec:
    """One demo group; ``breach`` names the check it is meant to trip ("" for a compliant one)."""

    unit: str
    name: str
    platform: str
    official: bool = False
    members: int = 0
    scope: str = ""
    purpose: str = ""
    status: str = GroupStatus.ACTIVE
    end_in_days: int | None = None
    owner: bool = True
    admins: bool = True
    rules: bool = True
    breach: str = ""
    approval: dict[str, Any] | None = None
    dissolve: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def class_year(name: str) -> str:
    digits = [c for c in name if c.isdigit()]
    return "".join(digits[:4])


def college_of(unit_name: str) -> str:
    """Return the college a class belongs to (a unit that is not a class: itself)."""
    for name, kind, parent, _ in UNITS:
        if name == unit_name:
            return parent if kind == "class" and parent else name
    raise KeyError(unit_name)


def group_specs(rng: random.Random) -> list[GroupSpec]:
    """Return every demo group: compliant ones for each unit, then one or more per breach kind."""
    specs: list[GroupSpec] = []
    platforms = ("qq", "wechat")
    for name, kind, _parent, headcount in UNITS:
        if kind == "class":
            specs.append(
                GroupSpec(
                    name,
                    f"{name}班级群",
                    rng.choice(platforms),
                    official=True,
                    members=headcount - rng.randint(0, 3),
                    scope=f"{name}全体学生及班主任、辅导员",
                    purpose="班级通知、教学安排、活动组织",
                )
            )
            continue
        staff_size = min(headcount, 150) if kind != "party_committee" else 120
        specs.append(
            GroupSpec(
                name,
                f"{name}工作群",
                "wecom"
                if kind in {"office", "party_committee"} and rng.random() < 0.5
                else rng.choice(platforms),
                official=True,
                members=max(staff_size - rng.randint(2, 15), 5),
                scope=f"{name}全体教职工",
                purpose="工作通知、工作部署、情况通报",
            )
        )
        if kind in {"college", "office", "party_committee", "general_party_branch", "party_branch"}:
            specs.append(
                GroupSpec(
                    name,
                    f"{name}党员学习群" if kind != "office" else f"{name}业务交流群",
                    rng.choice(platforms),
                    members=min(headcount, rng.randint(12, 60)),
                    scope=f"{name}党员" if kind != "office" else f"{name}工作人员及各单位联络人",
                    purpose="理论学习、组织生活通知" if kind != "office" else "业务通知与答疑",
                )
            )
        if kind == "college":
            specs.append(
                GroupSpec(
                    name,
                    f"{name}学生干部群",
                    rng.choice(platforms),
                    members=rng.randint(20, 45),
                    scope=f"{name}学生会、团总支学生干部",
                    purpose="学生活动通知与协调",
                )
            )
            specs.append(
                GroupSpec(
                    name,
                    f"{name}教研室群",
                    rng.choice(platforms),
                    members=rng.randint(15, 40),
                    scope=f"{name}专任教师",
                    purpose="教学研讨、课程安排",
                )
            )
    # groups that span units belong to a unit whose headcount covers them (3(4))
    specs += [
        GroupSpec(
            "蓉城音乐学院党委",
            "全院新媒体联络员群",
            "wecom",
            members=42,
            scope="各单位新媒体联络员",
            purpose="宣传稿件报送与审核",
        ),
        GroupSpec(
            "蓉城音乐学院党委",
            "全院辅导员工作群",
            "wechat",
            members=38,
            scope="各院系辅导员",
            purpose="学生工作通知",
        ),
        GroupSpec(
            "蓉城音乐学院党委",
            "舆情信息员群",
            "wecom",
            members=30,
            scope="各单位舆情信息员",
            purpose="舆情信息报送",
        ),
        GroupSpec(
            "机关党委", "教学秘书工作群", "qq", members=25, scope="各院系教学秘书", purpose="教务通知与答疑"
        ),
    ]
    specs.extend(breach_specs())
    return specs


def breach_specs() -> list[GroupSpec]:
    """The groups that break a rule, and the near-misses beside them that must stay silent."""
    return [
        # 3(2) over 150 members with no approval on file
        GroupSpec(
            "声乐系",
            "声乐系全体学生群",
            "qq",
            members=236,
            scope="声乐系全体学生",
            purpose="学生通知",
            breach="oversize",
        ),
        # near-miss: over 150 with the head's signed approval on file (must not be reported)
        GroupSpec(
            "蓉城音乐学院党委",
            "蓉城音乐学院全体教职工群",
            "wecom",
            members=680,
            scope="全院在职教职工",
            purpose="全院工作通知",
            approval={
                "kind": "oversize",
                "max_members": 800,
                "reason": "全院通知需覆盖全体教职工，经负责人签字盖章批准",
            },
        ),
        # near-miss: exactly 150 members is within the rule
        GroupSpec(
            "器乐系",
            "器乐系专业课学生群",
            "wechat",
            members=150,
            scope="器乐系专业课学生",
            purpose="专业课通知",
        ),
        # 3(3) a second official group in one unit
        GroupSpec(
            "器乐系",
            "器乐系官方通知群",
            "wechat",
            official=True,
            members=96,
            scope="器乐系全体教职工",
            purpose="系务通知",
            breach="duplicate_official",
        ),
        # 3(4) more members than the class has students
        GroupSpec(
            "作曲2024级1班",
            "作曲2024级1班家校联系群",
            "wechat",
            members=41,
            scope="作曲2024级1班学生",
            purpose="班级事务",
            breach="over_headcount",
        ),
        # 3(5) temporary group past its end date
        GroupSpec(
            "舞蹈学院",
            "2025级迎新晚会筹备群",
            "qq",
            members=48,
            scope="迎新晚会演职人员",
            purpose="迎新晚会排练与演出协调",
            status=GroupStatus.TEMPORARY,
            end_in_days=-40,
            breach="temporary_overdue",
        ),
        # near-miss: overdue temporary group kept with a retention approval
        GroupSpec(
            "机关党委",
            "期末考试巡考协调群",
            "wechat",
            members=35,
            scope="巡考教师",
            purpose="考试巡查协调",
            status=GroupStatus.TEMPORARY,
            end_in_days=-20,
            approval={"kind": "retention", "reason": "补考安排仍需使用，由教务处专人监管"},
        ),
        # near-miss: temporary group still running
        GroupSpec(
            "音乐学院",
            "2026艺术节志愿者群",
            "wechat",
            members=60,
            scope="艺术节学生志愿者",
            purpose="志愿者排班与通知",
            status=GroupStatus.TEMPORARY,
            end_in_days=30,
        ),
        # near-miss: temporary group whose work ends today
        GroupSpec(
            "舞蹈学院",
            "舞蹈学院汇报演出群",
            "qq",
            members=44,
            scope="汇报演出演职人员",
            purpose="汇报演出排练通知",
            status=GroupStatus.TEMPORARY,
            end_in_days=0,
        ),
        # 1(2) no designated admin
        GroupSpec(
            "音乐学院",
            "音乐学院科研交流群",
            "qq",
            members=33,
            scope="音乐学院教师",
            purpose="科研项目交流",
            admins=False,
            breach="no_admin",
        ),
        # 1(1) registration incomplete: no purpose; no member scope; no owner; no rules document
        GroupSpec(
            "舞蹈学院",
            "舞蹈学院排练通知群",
            "wechat",
            members=52,
            scope="舞蹈学院学生",
            purpose="",
            breach="incomplete_registration",
        ),
        GroupSpec(
            "器乐系",
            "器乐系乐团群",
            "qq",
            members=70,
            scope="",
            purpose="乐团排练通知",
            breach="incomplete_registration",
        ),
        GroupSpec(
            "图书馆直属党支部",
            "图书馆读者服务群",
            "wecom",
            members=18,
            scope="图书馆馆员",
            purpose="读者服务协调",
            owner=False,
            breach="incomplete_registration",
        ),
        GroupSpec(
            "离退休教职工直属党支部",
            "离退休教职工活动群",
            "wechat",
            members=84,
            scope="离退休教职工",
            purpose="活动通知",
            rules=False,
            breach="incomplete_registration",
        ),
        # dissolved groups: breaches they would have are not reported
        GroupSpec(
            "作曲系",
            "2024届毕业音乐会群",
            "qq",
            members=180,
            scope="2024届毕业生",
            purpose="毕业音乐会筹备",
            status=GroupStatus.TEMPORARY,
            end_in_days=-90,
            admins=False,
            dissolve=True,
        ),
        GroupSpec(
            "声乐系",
            "声乐系旧工作群",
            "wechat",
            official=True,
            members=40,
            scope="声乐系教职工",
            purpose="已由新工作群取代",
            dissolve=True,
        ),
    ]

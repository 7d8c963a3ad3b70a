"""Privacy detectors (第二条（四）): a positive beside its near miss, exact spans asserted.

All personal data here is synthetic: GB 11643's own example 11010519491231002X, numbers built
with a valid checksum for made-up people, and the 138-0013-8000 test mobile.
"""

from __future__ import annotations

import pytest

from qunguan.audit import Auditor, Finding
from qunguan.audit.detectors.privacy import id_checksum_ok, luhn_ok, validate_id


@pytest.fixture(scope="module")
def auditor() -> Auditor:
    return Auditor()


def hits(auditor: Auditor, text: str, category: str) -> list[tuple[int, int, str]]:
    return [(f.start, f.end, text[f.start : f.end]) for f in auditor.scan(text) if f.category == category]


def spans(auditor: Auditor, text: str, category: str) -> list[str]:
    return [s for _, _, s in hits(auditor, text, category)]


# ---- resident ID ---------------------------------------------------------------------

ID_CASES = [
    # (text, the exact spans expected)
    ("身份证11010519491231002X", ["11010519491231002X"]),
    ("身份证11010519491231002x", ["11010519491231002x"]),
    ("我的身份证号是510104198706233314，谢谢", ["510104198706233314"]),
    ("证件号 4403 0419 9902 2840 44", ["4403 0419 9902 2840 44"]),
    ("5 1 0 1 0 4 1 9 8 7 0 6 2 3 3 3 1 4", ["5 1 0 1 0 4 1 9 8 7 0 6 2 3 3 3 1 4"]),
    ("身份证号３３０１０６１９９２１１１１０７４６", ["３３０１０６１９９２１１１１０７４６"]),
    ("五一零一零四一九八七零六二三三三一四", ["五一零一零四一九八七零六二三三三一四"]),
    ("旧身份证号510104870623331", ["510104870623331"]),
    ("学号 2021010203 身份证 510104198706233314", ["510104198706233314"]),
]
ID_NEAR_MISSES = [
    "我的身份证号是510104198706233315",  # checksum off by one
    "990104198706233314",  # no province 99
    "510104203006233319",  # born in 2030
    "510104198713233312",  # month 13
    "510104189906233319",  # born before 1900
    "订单号 202204151234567890",
    "学号2021010203的同学",
    "sf51010419870623331400",  # glued to letters: a code
    "5101041987062333140",  # 19 digits in one unbroken run
]


@pytest.mark.parametrize(("text", "expected"), ID_CASES)
def test_id_card_found(auditor: Auditor, text: str, expected: list[str]) -> None:
    assert spans(auditor, text, "privacy.id_card") == expected


@pytest.mark.parametrize("text", ID_NEAR_MISSES)
def test_id_card_near_misses_ignored(auditor: Auditor, text: str) -> None:
    assert spans(auditor, text, "privacy.id_card") == []


def test_id_card_checksum_and_validation() -> None:
    assert id_checksum_ok("11010519491231002X")
    assert not id_checksum_ok("110105194912310021")
    assert validate_id("11010519491231002X") > 0.9
    # 110199 is no county in the 2023 table (codes of merged counties are missing too): that
    # lowers the score but does not reject the number.
    assert id_checksum_ok("11019919491231002X")
    assert 0.5 < validate_id("11019919491231002X") < validate_id("11010519491231002X")


def test_id_card_finding_is_masked_and_explained(auditor: Auditor) -> None:
    (f,) = [f for f in auditor.scan("身份证11010519491231002X") if f.category.startswith("privacy.")]
    assert f == Finding(
        "privacy.id_card",
        "privacy.id_card.gb11643",
        f.severity,
        3,
        21,
        "1101**********002X",
        f.score,
        "疑似身份证号码（校验位、地区码和出生日期均有效），不得在工作群发布",
    )
    assert f.score >= 0.9


# ---- phones --------------------------------------------------------------------------

PHONE_CASES = [
    ("有事打我电话13800138000", ["13800138000"]),
    ("电话：1 3 8-0013-8000", ["1 3 8-0013-8000"]),
    ("手机 １５９ ８８７６ ５４３２", ["１５９ ８８７６ ５４３２"]),
    ("一三八零零一三八零零零", ["一三八零零一三八零零零"]),
    ("幺三八零零幺三八零零零", ["幺三八零零幺三八零零零"]),
    ("请联系 +86 186 1234 5678", ["186 1234 5678"]),
    ("+8613800138000", ["13800138000"]),
    ("0086-13912345678", ["13912345678"]),
    ("座机：028-85432100", ["028-85432100"]),
    ("办公电话 (028)85432100", ["(028)85432100"]),
    ("固话 0816-2345678", ["0816-2345678"]),
    ("1⃣3⃣8⃣0⃣0⃣1⃣3⃣8⃣0⃣0⃣0⃣", ["1⃣3⃣8⃣0⃣0⃣1⃣3⃣8⃣0⃣0⃣0"]),
    ("电话📞177😀1234😀5678", ["177😀1234😀5678"]),
    ("学号 2021010203 电话 13800138000", ["13800138000"]),
    ("2021010203 13800138000", ["13800138000"]),
]
PHONE_NEAR_MISSES = [
    "腾讯会议 123 456 789",
    "会议号：876 543 210",
    "QQ群号 123456789",
    "学号 20210102031 的同学",
    "12800138000",  # 128 is not a mobile prefix
    "座机 026-85432100",  # 026 is unassigned
    "订单号 13800138000123456",  # inside a longer unbroken number
    "请在 2022-04-15 13:00 前提交",
    "本次活动共 13800 人次",
    "请拨打 12345 热线，急救 120",
    "单号: 13800138000",  # labelled as an order number
    "ab13800138000",
]


@pytest.mark.parametrize(("text", "expected"), PHONE_CASES)
def test_phone_found(auditor: Auditor, text: str, expected: list[str]) -> None:
    assert spans(auditor, text, "privacy.phone") == expected


@pytest.mark.parametrize("text", PHONE_NEAR_MISSES)
def test_phone_near_misses_ignored(auditor: Auditor, text: str) -> None:
    assert spans(auditor, text, "privacy.phone") == []


def test_phone_evidence_keeps_three_and_four(auditor: Auditor) -> None:
    (f,) = [f for f in auditor.scan("电话13812345678") if f.category == "privacy.phone"]
    assert f.evidence == "138****5678"


# ---- bank cards ----------------------------------------------------------------------

CARD_CASES = [
    ("工资卡号 6222 0259 0830 1661 319", ["6222 0259 0830 1661 319"]),
    ("我的银行卡 6217008609139099604", ["6217008609139099604"]),
    ("信用卡 4392 5432 3194 8750", ["4392 5432 3194 8750"]),
    ("转账到 6236682199351816 就行", ["6236682199351816"]),
    ("借记卡 ６２２５８８６０１８９５５５９９", ["６２２５８８６０１８９５５５９９"]),
]
CARD_NEAR_MISSES = [
    "工资卡号 6222 0259 0830 1661 318",  # Luhn fails
    "订单号 6222025908301661319",  # an order number, not a card
    "物流单号 6236682199351816",
    "编号 1234567890123456",
    "身份证号510104203006233319",
    "11010519491231002X",  # an ID number is not also a card
]


@pytest.mark.parametrize(("text", "expected"), CARD_CASES)
def test_bank_card_found(auditor: Auditor, text: str, expected: list[str]) -> None:
    assert spans(auditor, text, "privacy.bank_card") == expected


@pytest.mark.parametrize("text", CARD_NEAR_MISSES)
def test_bank_card_near_misses_ignored(auditor: Auditor, text: str) -> None:
    assert spans(auditor, text, "privacy.bank_card") == []


def test_luhn() -> None:
    assert luhn_ok("4392543231948750")
    assert not luhn_ok("4392543231948751")


# ---- birth dates ---------------------------------------------------------------------

BIRTH_CASES = [
    ("出生日期：1999年5月3日", ["1999年5月3日"]),
    ("出生年月：2001年9月", ["2001年9月"]),
    ("生日 1998-12-25", ["1998-12-25"]),
    ("她是2002年6月18日出生的", ["2002年6月18日"]),
    ("DOB: 1995/07/21", ["1995/07/21"]),
    ("出生于一九九九年五月三日", ["一九九九年五月三日"]),
    ("birthday 1990-3-8", ["1990-3-8"]),
    ("出生年月1986.08，中共党员", ["1986.08"]),
]
BIRTH_NEAR_MISSES = [
    "会议定于2022年4月15日召开",
    "祝你生日快乐！",
    "明天是小王生日",
    "出生日期 2035年1月1日",
    "学校成立于1939年",
    "新生报到时间 2024-09-01",
]


@pytest.mark.parametrize(("text", "expected"), BIRTH_CASES)
def test_birth_date_found(auditor: Auditor, text: str, expected: list[str]) -> None:
    assert spans(auditor, text, "privacy.birth_date") == expected


@pytest.mark.parametrize("text", BIRTH_NEAR_MISSES)
def test_birth_date_near_misses_ignored(auditor: Auditor, text: str) -> None:
    assert spans(auditor, text, "privacy.birth_date") == []


# ---- home addresses ------------------------------------------------------------------

ADDRESS_CASES = [
    ("家住成都市武侯区玉林小区3栋2单元501", ["成都市武侯区玉林小区3栋2单元501"]),
    ("我们明天去玉林小区3栋2单元501拜访", ["玉林小区3栋2单元501"]),
    ("四川省南充市仪陇县马鞍镇琳琅村3组", ["四川省南充市仪陇县马鞍镇琳琅村3组"]),
    ("快递寄到四川省绵阳市涪城区临园路东段15号", ["四川省绵阳市涪城区临园路东段15号"]),
    ("阳光花园3-2-501，有空来玩", ["阳光花园3-2-501"]),
    ("她家是龙湖小区9栋1单元2202室", ["龙湖小区9栋1单元2202室"]),
]
ADDRESS_NEAR_MISSES = [
    "请到行政楼301开会",
    "下午三点在图书馆三楼报告厅集合",
    "教学楼A栋201上课",
    "7栋305寝室卫生检查不合格",
    "学生公寓3栋201室请注意用电安全",
    "学校地址在新都区新都大道8号，欢迎参观",
    "第三单元测试下周进行",
    "比分是3-2-1",
    "成都市教育局发布通知",
]


@pytest.mark.parametrize(("text", "expected"), ADDRESS_CASES)
def test_address_found(auditor: Auditor, text: str, expected: list[str]) -> None:
    assert spans(auditor, text, "privacy.address") == expected


@pytest.mark.parametrize("text", ADDRESS_NEAR_MISSES)
def test_address_near_misses_ignored(auditor: Auditor, text: str) -> None:
    assert spans(auditor, text, "privacy.address") == []

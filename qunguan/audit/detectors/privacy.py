"""Privacy detectors (个人信息, regulation 第二条（四）): ID numbers, phones, bank cards,
birth dates and home addresses.

Numbers are searched in the normalised text (``Document.normalized``) so that full-width,
Chinese-digit and separated forms are caught; each candidate is then *validated* — the GB
11643 checksum, a real province and birth date, a real mobile prefix or area code, Luhn —
because a regex alone fires on every 学号 and 订单号. A candidate inside a longer digit run
(separators removed by normalisation merge neighbouring numbers) is only accepted when it
starts and ends where the writer put a separator (``normalize.segment_starts``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from qunguan.audit.detectors.base import Detector, Document
from qunguan.audit.finding import Finding, Severity
from qunguan.audit.mask import mask_span
from qunguan.audit.normalize import RAW_DIGIT_CLASS, segment_starts

_DATA = Path(__file__).resolve().parent.parent / "data"

# A maximal digit run in the normalised text (an ID number may end in x). Letters glued to
# the run ("sf1234…", "no123…") make it a code, not personal data.
_RUN = re.compile(r"(?<![0-9a-z])(\+?)([0-9]{7,}x?)(?![0-9a-z])")


@lru_cache(maxsize=1)
def divisions() -> dict[str, str]:
    """Return the shipped division table: code (2, 4 or 6 digits) → name."""
    table: dict[str, str] = {}
    with (_DATA / "divisions.txt").open(encoding="utf-8") as fh:
        for line in fh:
            if line[:1].isdigit():
                code, _, name = line.rstrip("\n").partition("\t")
                table[code] = name
    return table


# Resident-ID provinces: the 31 mainland ones from the data plus 71 台湾, 81 香港, 82 澳门
# (used for residence permits), 83 (台湾居民居住证).
@lru_cache(maxsize=1)
def _provinces() -> frozenset[str]:
    return frozenset({c for c in divisions() if len(c) == 2} | {"71", "81", "82", "83"})


@lru_cache(maxsize=1)
def area_codes() -> frozenset[str]:
    """Return the telephone area codes (长途区号) shipped in ``data/area_codes.txt``."""
    codes = set()
    with (_DATA / "area_codes.txt").open(encoding="utf-8") as fh:
        for line in fh:
            if line[:1] == "0":
                codes.add(line.split()[0])
    return frozenset(codes)


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10x98765432"


def id_checksum_ok(number: str) -> bool:
    """Return whether the 18-character ``number`` has a valid GB 11643 MOD 11-2 check digit."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == number[17].lower()


def _valid_birth(year: int, month: int, day: int) -> bool:
    if year < 1900:
        return False
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    # A birth date in the future is not a birth date; local date is precise enough here.
    return born <= dt.datetime.now(tz=dt.UTC).date()


def validate_id(number: str) -> float:
    """Return a confidence (0 = not a resident ID) for an 18- or 15-character candidate.

    18 digits: checksum, province, birth date (1900 … today) must hold; a county code absent
    from the 2023 table only lowers the score (codes of merged counties are legitimately
    missing). 15 digits (pre-1999 form, no checksum): province, a 19YY birth date and a known
    prefecture are required.
    """
    table = divisions()
    if len(number) == 18:
        if number[:2] not in _provinces() or not id_checksum_ok(number):
            return 0.0
        if not _valid_birth(int(number[6:10]), int(number[10:12]), int(number[12:14])):
            return 0.0
        if number[:6] in table:
            return 0.98
        return 0.93 if number[:4] in table else 0.88
    if len(number) == 15 and number.isdigit():
        if number[:2] not in _provinces() or number[:4] not in table:
            return 0.0
        if not _valid_birth(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12])):
            return 0.0
        return 0.8 if number[:6] in table else 0.65
    return 0.0


def luhn_ok(number: str) -> bool:
    """Return whether the digit string ``number`` passes the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_MOBILE = re.compile(r"1(?:3[0-9]|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8[0-9]|9[0-35-9])[0-9]{8}")
# Plausible issuer prefixes: UnionPay 62, Visa 4, Mastercard 51-55 / 22-27, JCB 35,
# Discover 60/65, the older domestic 9-series (9558 …).
_BIN = re.compile(r"(?:62|4|5[1-5]|2[2-7]|35|60|65|9[0-9])")


def _context(text: str, start: int, words: tuple[str, ...], before: int = 12) -> bool:
    window = text[max(0, start - before) : start]
    return any(w in window for w in words)


_ID_WORDS = ("身份证", "证件号", "身份号", "证号", "id", "公民身份")
_CARD_WORDS = (
    "卡号",
    "银行卡",
    "账号",
    "帐号",
    "工资卡",
    "开户",
    "转账",
    "借记卡",
    "信用卡",
    "储蓄卡",
    "汇款",
)
_NOT_CARD_WORDS = (
    "身份证",
    "证件",
    "订单",
    "单号",
    "流水",
    "交易号",
    "运单",
    "快递",
    "物流",
    "编号",
    "会议",
    "工单",
    "批次",
)
_PHONE_WORDS = ("电话", "手机", "联系", "tel", "call", "致电", "号码", "微信", "座机", "打给")
_NOT_PHONE_WORDS = ("订单", "单号", "学号", "工号", "会议号", "会议id", "群号", "快递", "编号", "流水", "qq")


def _finding(
    doc: Document, cat: str, rule: str, sev: Severity, n_start: int, n_end: int, score: float, why: str
) -> Finding:
    start, end = doc.to_original(n_start, n_end)
    return Finding(cat, rule, sev, start, end, mask_span(cat, doc.text[start:end]), score, why)


def _runs(doc: Document) -> list[tuple[int, int, bool, set[int]]]:
    """Return (start, end, plus_before, segment_starts) for each long digit run.

    Computed once per document and shared by the ID, phone and bank-card detectors.
    """
    cached: list[tuple[int, int, bool, set[int]]] | None = doc.__dict__.get("_digit_runs")
    if cached is None:
        norm = doc.normalized
        offsets = doc.offsets
        cached = []
        for m in _RUN.finditer(norm):
            s, e = m.span(2)
            cached.append((s, e, bool(m.group(1)), segment_starts(offsets, s, e)))
        doc.__dict__["_digit_runs"] = cached
    return cached


class IdCardDetector(Detector):
    """Resident identity card numbers (居民身份证号码), 18-digit and old 15-digit."""

    name = "id_card"
    categories = ("privacy.id_card",)
    min_digits = 14  # 15-digit old form; the prefilter counts Chinese and full-width digits
    min_digit_cluster = 14

    def scan(self, doc: Document) -> Iterator[Finding]:
        norm = doc.normalized
        for s, e, _plus, seg in _runs(doc):
            if e - s < 15:
                continue
            for i in sorted(seg):
                for length in (18, 15):
                    j = i + length
                    if j > e or j not in seg:
                        continue
                    cand = norm[i:j]
                    if length == 15 and not cand.isdigit():
                        continue
                    score = validate_id(cand)
                    if score and length == 15 and not _context(norm, i, _ID_WORDS, 16) and score < 0.8:
                        score = 0.0
                    if score and _context(norm, i, _ID_WORDS, 16):
                        score = min(1.0, score + 0.05)
                    if score:
                        why = (
                            "疑似身份证号码（校验位、地区码和出生日期均有效），不得在工作群发布"
                            if length == 18
                            else "疑似15位旧版身份证号码（地区码和出生日期有效），不得在工作群发布"
                        )
                        rule = "privacy.id_card.gb11643" if length == 18 else "privacy.id_card.old15"
                        yield _finding(doc, "privacy.id_card", rule, Severity.CRITICAL, i, j, score, why)
                        break


class PhoneDetector(Detector):
    """Mainland mobile numbers (real 13x–19x prefixes) and landlines with a real area code."""

    name = "phone"
    categories = ("privacy.phone",)
    min_digits = 10
    min_digit_cluster = 10

    def scan(self, doc: Document) -> Iterator[Finding]:
        norm = doc.normalized
        codes = area_codes()
        for s, e, plus, seg in _runs(doc):
            if e - s > 30:  # a hash or a long id: nothing personal hides in it
                continue
            starts = set(seg)
            # A country prefix glued to the number: +86…, 0086…, or 86… directly after "+".
            if norm.startswith("0086", s):
                starts.add(s + 4)
            elif norm.startswith("86", s) and (plus or e - s == 13):
                starts.add(s + 2)
            taken_until = -1
            negative = positive = None  # the context words, looked at once a number is found
            for i in sorted(starts):
                if i < taken_until or i >= e:
                    continue
                hit = self._at(norm, i, e, seg, codes)
                if hit is None:
                    continue
                j, kind = hit
                if negative is None or positive is None:
                    negative = _context(norm, s, _NOT_PHONE_WORDS, 8)
                    positive = _context(norm, s, _PHONE_WORDS, 10)
                if negative and not positive:
                    continue
                if kind == "mobile":
                    score = 0.95 if positive else 0.85
                    why = "疑似手机号码，属个人信息，不得在工作群发布"
                else:
                    score = 0.9 if positive else 0.75
                    why = "疑似固定电话号码（区号有效），属个人信息，不得在工作群发布"
                taken_until = j
                yield _finding(doc, "privacy.phone", f"privacy.phone.{kind}", Severity.HIGH, i, j, score, why)
        yield from self._parenthesised(doc, codes)

    @staticmethod
    def _at(norm: str, i: int, e: int, seg: set[int], codes: frozenset[str]) -> tuple[int, str] | None:
        """Return (end, kind) of a phone number starting at ``i`` and ending on a boundary."""
        if norm[i] == "1" and i + 11 in seg and _MOBILE.match(norm, i, i + 11):
            return i + 11, "mobile"
        if norm[i] == "0":
            for alen in (3, 4):
                code = norm[i : i + alen]
                if code not in codes:
                    continue
                # 3-digit codes (big cities) have 8-digit subscribers; 4-digit codes 7 or 8.
                for slen in (8,) if alen == 3 else (8, 7):
                    j = i + alen + slen
                    if j <= e and j in seg and norm[i + alen] in "23456789":
                        return j, "landline"
        return None

    _PAREN = re.compile(r"[(]\s?(0[0-9]{2,3})\s?[)]\s?([2-9][0-9]{6,7})(?![0-9])")

    def _parenthesised(self, doc: Document, codes: frozenset[str]) -> Iterator[Finding]:
        norm = doc.normalized
        if "(" not in norm:
            return
        for m in self._PAREN.finditer(norm):
            code, sub = m.group(1), m.group(2)
            if code in codes and (len(sub) == 8 or len(code) == 4):
                why = "疑似固定电话号码（区号有效），属个人信息，不得在工作群发布"
                yield _finding(
                    doc,
                    "privacy.phone",
                    "privacy.phone.landline",
                    Severity.HIGH,
                    m.start(),
                    m.end(),
                    0.8,
                    why,
                )


class BankCardDetector(Detector):
    """Bank card numbers: 16–19 digits, a plausible issuer prefix and a valid Luhn digit."""

    name = "bank_card"
    categories = ("privacy.bank_card",)
    min_digits = 16
    min_digit_cluster = 16

    def scan(self, doc: Document) -> Iterator[Finding]:
        norm = doc.normalized
        for s, e, _plus, seg in _runs(doc):
            if e - s < 16 or e - s > 40:
                continue
            positive = _context(norm, s, _CARD_WORDS, 12)
            if _context(norm, s, _NOT_CARD_WORDS, 10) and not positive:
                continue
            for i in sorted(seg):
                for j in range(min(e, i + 19), i + 15, -1):
                    if j not in seg:
                        continue
                    cand = norm[i:j]
                    if not cand.isdigit() or not _BIN.match(cand) or not luhn_ok(cand):
                        continue
                    if len(cand) == 18 and validate_id(cand):
                        continue  # an ID number that happens to pass Luhn: the ID detector reports it
                    score = 0.95 if positive else 0.8
                    why = "疑似银行卡号（Luhn校验通过），属个人敏感信息，不得在工作群发布"
                    yield _finding(
                        doc,
                        "privacy.bank_card",
                        "privacy.bank_card.luhn",
                        Severity.CRITICAL,
                        i,
                        j,
                        score,
                        why,
                    )
                    break


_CN_NUM = "一二三四五六七八九十〇零两"
_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_DAY = r"(?:3[01]|[12][0-9]|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"
_DATE = (
    r"(?P<y>19[0-9]{2}|20[0-9]{2})\s?(?:"
    rf"年\s?(?P<m1>{_MONTH})\s?月(?:\s?(?P<d1>{_DAY})\s?[日号])?"
    rf"|(?P<sep>[-./])(?P<m2>{_MONTH})(?P=sep)(?P<d2>{_DAY})(?![0-9])"
    rf"|(?P<sep3>[-./])(?P<m3>{_MONTH})(?![0-9./-])"
    r"|(?P<m4>0[1-9]|1[0-2])(?P<d4>0[1-9]|[12][0-9]|3[01])(?![0-9])"
    r"|(?P<m5>0[1-9]|1[0-2])(?![0-9])"
    r")"
)
_BIRTH_WORDS = r"(?:出生年月日|出生年月|出生日期|出生于|出生|生日|生于|诞辰|dob|birthday|date of birth|birth)"
_BIRTH_BEFORE = re.compile(_BIRTH_WORDS + r"\s?(?:是|为|：|:|\s)*\s?(?:在\s?)?" + _DATE, re.IGNORECASE)
_BIRTH_AFTER = re.compile(_DATE + r"\s?(?:出生|生人|生日|出世)")


def _cn_int(s: str) -> int:
    if s.isdigit():
        return int(s)
    digits = {c: i for i, c in enumerate("〇一二三四五六七八九")}
    if s.startswith("十"):
        return 10 + (digits.get(s[1], 0) if len(s) > 1 else 0)
    if "十" in s:
        head, _, tail = s.partition("十")
        return digits.get(head, 0) * 10 + (digits.get(tail, 0) if tail else 0)
    return digits.get(s, 0)


class BirthDateDetector(Detector):
    """A person's birth date: a date with a year, next to 出生/生日/出生年月/DOB."""

    name = "birth_date"
    categories = ("privacy.birth_date",)
    trigger_chars = "生诞dDbB"
    min_digits = 4
    # Every alternative starts with a plain character, so the regex engine jumps between
    # occurrences of those (a class first, as in (?i:dob), makes it try every position). The
    # classes are what (?i:dob|birth) matches: İ and ı fold to i.
    trigger_regex = r"出生|生日|生于|诞辰|d[oO][bB]|D[oO][bB]|b[iIİı][rR][tT][hH]|B[iIİı][rR][tT][hH]"

    def scan(self, doc: Document) -> Iterator[Finding]:
        seen: set[int] = set()
        # Two passes: the normalised text (full-width, Chinese digits, traditional) and the raw
        # text, where "1990-3-8" and "1986.08" still have the separators normalisation drops.
        for text, raw in ((doc.normalized, False), (doc.text, True)):
            yield from self._scan(doc, text, raw, seen)

    def _scan(self, doc: Document, norm: str, raw: bool, seen: set[int]) -> Iterator[Finding]:
        for rx in (_BIRTH_BEFORE, _BIRTH_AFTER):
            for m in rx.finditer(norm):
                y = int(m.group("y"))
                mon = m.group("m1") or m.group("m2") or m.group("m3") or m.group("m4") or m.group("m5")
                day = m.group("d1") or m.group("d2") or m.group("d4")
                if not _valid_birth(y, _cn_int(mon), _cn_int(day) if day else 1):
                    continue
                s, e = m.span("y")[0], m.end()
                if rx is _BIRTH_AFTER:
                    e = max(
                        m.end("y"),
                        *(m.end(g) for g in ("m1", "d1", "m2", "d2", "m3", "m4", "d4") if m.group(g)),
                    )
                    if norm[e : e + 1] in ("日", "号", "月"):
                        e += 1
                o_s = s if raw else doc.to_original(s, e)[0]
                if o_s in seen:
                    continue
                seen.add(o_s)
                score = 0.9 if day else 0.75
                why = "疑似个人出生日期，属个人敏感信息，不得在工作群发布"
                if raw:
                    cat = "privacy.birth_date"
                    yield Finding(
                        cat,
                        f"{cat}.context",
                        Severity.MEDIUM,
                        s,
                        e,
                        mask_span(cat, doc.text[s:e]),
                        score,
                        why,
                    )
                    continue
                yield _finding(
                    doc, "privacy.birth_date", "privacy.birth_date.context", Severity.MEDIUM, s, e, score, why
                )


# ---- home addresses -------------------------------------------------------------------

_NUM = r"[0-9一二三四五六七八九十百零〇两]{1,5}"
_HAN = r"[\u4e00-\u9fff]"
_ADMIN = rf"(?:{_HAN}{{1,8}}?(?:特别行政区|自治区|自治州|自治县|省|市|地区|盟|区|县|旗|镇|乡|街道|村))"
_ROAD = rf"(?:{_HAN}{{1,8}}?(?:大道|大街|路|街|巷|弄|胡同)(?:[东南西北中]段|{_NUM}(?:段|支路))?(?:{_NUM}(?:号|弄|巷))?(?:附{_NUM}号)?)"
_ESTATE = rf"(?:{_HAN}{{1,8}}?(?:小区|花园|家园|新村|新城|苑|公馆|名都|雅居|华庭|嘉园|府邸|山庄|家属院|家属区|宿舍区|社区))"
_UNIT = (
    rf"(?:{_NUM}[a-z]?(?:栋|幢|号楼|座)(?:{_NUM}(?:单元|门))?(?:{_NUM}(?:楼|层))?(?:{_NUM}[a-z]?(?:室|号|户)?)?"
    rf"|{_NUM}-{_NUM}-{_NUM}(?:室|号)?|{_NUM}单元{_NUM}(?:室|号)?)"
)
# Residential grammar, found from its core (the building/unit/room part, which starts with a
# number and is cheap to search for) and then extended to the left over place names.
_UNIT_CORE = re.compile(
    rf"{_NUM}[a-z]?(?:栋|幢|号楼|座)\s?{_NUM}\s?单元(?:\s?{_NUM}(?:楼|层))?(?:\s?{_NUM}[a-z]?(?:室|号|户)?)?"
    rf"|{_NUM}单元{_NUM}(?:室|号)"
    rf"|{_NUM}[a-z]?(?:栋|幢|号楼|座)\s?{_NUM}[a-z]?(?:室|号)"
    rf"|{_NUM}-{_NUM}-{_NUM}(?:室|号)?"
)
_DASH_UNIT_RAW = re.compile(
    r"(?P<estate>[\u4e00-\u9fff]{2,6}(?:小区|花园|家园|新村|新城|苑|公馆|名都|雅居|华庭|嘉园|山庄|家属院|社区))"
    r"\s?[0-9０-９]{1,3}\s?[-－]\s?[0-9０-９]{1,2}\s?[-－]\s?[0-9０-９]{3,4}(?:室|号)?"
)
_LEFT = re.compile(rf"(?:{_ADMIN}|{_ROAD}|{_ESTATE})+\Z")
# Verbs and particles that end the sentence part before an address ("我们明天去|玉林小区…").
_LEAD = re.compile(r".*[去到在是往的给和与]")
_ESTATE_END = re.compile(rf"{_ESTATE}\Z")
# Rural home address: …县/镇/乡 … 村 N 组 / N 社 / N 号.
_RURAL_CORE = re.compile(rf"村{_NUM}(?:组|社|队|号)(?:{_NUM}号)?")
_HOME_CUE = re.compile(
    r"(?:家庭住址|家庭地址|家住|住址|现住址|现住|户籍地址|户籍地|户口所在地|居住地址|居住地|住在|我家在|老家在|收货地址|收件地址|寄到|送到|寄往)"
    r"\s?(?:是|为|在|：|:)?\s?"
)
_ADDRESS_AFTER_CUE = re.compile(rf"(?:{_ADMIN}|{_ROAD}|{_ESTATE}|{_UNIT})+")
# Campus places: buildings named after a function, dorms — never a home address.
_CAMPUS = re.compile(
    r"(?:教学楼|行政楼|办公楼|实验楼|图书馆|宿舍|寝室|公寓|报告厅|会议室|礼堂|体育馆|食堂|校区|学院)"
)


@lru_cache(maxsize=1)
def _place_names() -> frozenset[str]:
    """Return gazetteer names, full and without the administrative suffix (成都市, 成都)."""
    names: set[str] = set()
    for code, name in divisions().items():
        if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        names.add(name)
        short = re.sub(
            r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|省|市|区|县|地区|盟|旗)$",
            "",
            name,
        )
        if len(short) >= 2 and len(code) <= 4:
            names.add(short)
    return frozenset(names)


def _has_place(text: str) -> bool:
    names = _place_names()
    n = len(text)
    for i in range(n):
        for length in (2, 3, 4, 5):
            if text[i : i + length] in names:
                return True
    return False


class AddressDetector(Detector):
    """Home addresses (家庭住址): residential unit grammar, rural 村/组, or a home cue + address.

    Campus places (行政楼301, 图书馆三楼, 7栋305寝室) and a venue's road address without a
    home cue are not home addresses.
    """

    name = "address"
    categories = ("privacy.address",)
    trigger_chars = "栋幢座单室村住址寄户-"
    min_digits = 1
    # A digit-like character, maybe a letter and a space, then 栋/单元/室 …; or 村, 住, 址, 寄到 ….
    # Every alternative starts with a plain character (the digit is checked looking back from
    # the word), so the regex engine jumps between occurrences of those few characters instead
    # of trying every position or every digit of a notice full of dates.
    trigger_regex = "|".join(
        [
            *(
                f"{word}(?:(?<={RAW_DIGIT_CLASS}{word})|(?<={RAW_DIGIT_CLASS}[a-zA-Z]{word})"
                f"|(?<={RAW_DIGIT_CLASS}\\s{word})|(?<={RAW_DIGIT_CLASS}[a-zA-Z]\\s{word}))"
                for word in ("栋", "幢", "座", "单元", "室", "号楼", "\\-")
            ),
            "村|住|址|寄到|寄往|户籍|户口|收货|收件",
        ]
    )

    def scan(self, doc: Document) -> Iterator[Finding]:
        norm = doc.normalized
        spans: list[tuple[int, int, float, str]] = []
        for m in _HOME_CUE.finditer(norm):
            a = _ADDRESS_AFTER_CUE.match(norm, m.end())
            if not a:
                continue
            addr = a.group(0)
            parts = sum(bool(re.search(p, addr)) for p in (_ROAD + r"|" + _NUM + "号", _ESTATE, _UNIT, r"村"))
            place = _has_place(addr)
            if _CAMPUS.search(addr) and not place:
                continue
            if parts >= 1 and (place or parts >= 2):
                spans.append((a.start(), a.end(), 0.9, "cue"))
        for m in _UNIT_CORE.finditer(norm):
            s, e = m.span()
            unit = m.group(0)
            if _CAMPUS.search(norm, max(0, s - 6), min(len(norm), e + 3)):
                continue  # 教学楼A栋201, 7栋305寝室: campus rooms, not homes
            window = norm[max(0, s - 30) : s]
            left = _LEFT.search(window)
            prefix = left.group(0) if left else ""
            estate = _ESTATE_END.search(prefix) is not None
            if not ("单元" in unit or estate):
                continue  # "3栋201" alone: a campus or office room as often as a flat
            if "-" in unit and not (estate or _has_place(prefix)):
                continue  # "3-2-501" alone could be anything (a score, a version)
            cue = _HOME_CUE.search(prefix)
            lead = _LEAD.search(prefix)
            cut = max(cue.end() if cue else 0, lead.end() if lead else 0)
            spans.append((s - len(prefix) + cut, e, 0.85, "residence"))
        if "村" in norm:
            for m in _RURAL_CORE.finditer(norm):
                window = norm[max(0, m.start() - 30) : m.start() + 1]
                left = re.search(rf"(?:{_ADMIN})+{_HAN}{{0,6}}?村\Z", window)
                if left and _has_place(left.group(0)):
                    cue = _HOME_CUE.search(left.group(0))
                    start = m.start() + 1 - len(left.group(0)) + (cue.end() if cue else 0)
                    spans.append((start, m.end(), 0.85, "rural"))
        original = [(*doc.to_original(s, e), score, rule) for s, e, score, rule in spans]
        # "阳光花园3-2-501": normalisation drops the dashes between digits, so this building-
        # unit-room shorthand is looked for in the raw text, right after an estate name.
        if "-" in doc.text or "－" in doc.text:
            for m in _DASH_UNIT_RAW.finditer(doc.text):
                if not _CAMPUS.search(m.group(0)):
                    original.append((m.start("estate"), m.end(), 0.85, "residence"))
        original.sort(key=lambda t: (t[0], -t[1]))
        last_end = -1
        cat = "privacy.address"
        why = "疑似家庭住址（门牌/楼栋单元），属个人信息，不得在工作群发布"
        for s, e, score, rule in original:
            if s < last_end:
                continue  # overlapping readings of one address: report it once
            last_end = e
            yield Finding(
                cat, f"{cat}.{rule}", Severity.HIGH, s, e, mask_span(cat, doc.text[s:e]), score, why
            )

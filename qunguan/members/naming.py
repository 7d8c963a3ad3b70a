"""Real-name matching (实名核验, 管理办法 1(3)): group cards (群名片) against the roster (花名册).

Pure functions, no database. A group has a naming convention (``Group.naming_convention``)
written with placeholders between literal text:

================  ===============================================================
``{姓名}``        the person's name: Chinese characters, ``·`` allowed (少数民族姓名)
``{学号}``        a student or staff number (``{工号}`` and ``{工号/学号}`` are the same):
                  up to two letters then at least four digits (2023010101, T1001)
``{班级}``        the class; without a separator after it, it must end in 班 or 级
``{单位}``        the unit or office (``{部门}``, ``{院系}``, ``{职务}`` likewise: free text)
================  ===============================================================

Examples: ``{姓名}`` (the default), ``{班级}-{姓名}``, ``{学号}{姓名}``, ``{姓名}-{单位}``,
``{姓名}（{工号}）``. Separators written in the convention (``-`` ``_`` ``|`` ``/`` space,
brackets, ``、`` …) match any run of separators in the card, so ``作曲1班－张三`` and
``作曲1班 张三`` both fit ``{班级}-{姓名}``. Text after the convention is allowed when it starts
with a separator (``王建国-辅导员`` fits ``{姓名}``), because people add their duties.

Before matching, the card and the roster names are normalised the same way: NFKC (full-width
letters, digits and spaces become ASCII), traditional characters become simplified (the audit
library's table), spaces between Chinese characters are dropped (``王 建 国``), and the
dot variants ``•・‧`` become ``·``.

``match_member`` decides one of four results against the roster entries (``Candidate``):

* ``verified`` — exactly one active person of the group's unit subtree has the name (and the
  number, when the card gives one);
* ``ambiguous`` — several such people: the card must carry the number to tell them apart;
* ``out_of_scope`` — the person exists but outside the group's unit subtree, or has left
  (``active = False``);
* ``unknown`` — nobody in the roster, the number contradicts the name, or the card does not
  follow the convention at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from qunguan.audit.normalize import t2s_table

VERIFIED, AMBIGUOUS, UNKNOWN, OUT_OF_SCOPE = "verified", "ambiguous", "unknown", "out_of_scope"
DEFAULT_CONVENTION = "{姓名}"

# Placeholder → field of ParsedName.
PLACEHOLDERS = {
    "姓名": "name",
    "学号": "number",
    "工号": "number",
    "工号/学号": "number",
    "学号/工号": "number",
    "班级": "klass",
    "单位": "unit",
    "部门": "unit",
    "院系": "unit",
    "职务": "unit",
}
# "·" is not a separator: it sits inside names such as 买买提·艾力.
_SEP_CHARS = "-_—–~|/\\、,，.。:：;；()（）【】\\[\\]<>《》 \t"
_SEP = f"[{_SEP_CHARS}]"
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NAME = f"[{_CJK}·]{{2,20}}"
_NUMBER = r"[A-Za-z]{0,2}\d{4,20}"
_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "．": "·"})
_TOKEN = re.compile(r"\{([^{}]+)\}")


class BadConvention(ValueError):
    """The convention cannot be used; ``str(exc)`` is the Chinese reason."""


def _fold(text: str) -> str:
    """Return ``text`` in NFKC, simplified, with one dot and single spaces (spaces kept)."""
    out = unicodedata.normalize("NFKC", text).translate(_DOTS)
    table = t2s_table()
    out = "".join(table.get(ch, ch) for ch in out)
    out = re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", out)
    return re.sub(r"\s+", " ", out).strip()


def normalise(text: str) -> str:
    """Return ``text`` folded for comparison (NFKC, simplified, no spaces inside Chinese, one dot)."""
    return re.sub(rf"(?<=[{_CJK}·]) (?=[{_CJK}·])", "", _fold(text))


@dataclass(frozen=True)
class ParsedName:
    """What a card says under the convention. ``source`` is "card" or "nickname"."""

    name: str = ""
    number: str = ""
    klass: str = ""
    unit: str = ""
    source: str = "card"


@lru_cache(maxsize=256)
def compile_convention(convention: str) -> re.Pattern[str]:
    """Return the regex of ``convention``; raise BadConvention (unknown placeholder, nothing to match on)."""
    tokens: list[tuple[str, str]] = []  # ("field", name) or ("text", literal)
    pos = 0
    for match in _TOKEN.finditer(convention):
        if match.start() > pos:
            tokens.append(("text", convention[pos : match.start()]))
        key = match.group(1).strip()
        field = PLACEHOLDERS.get(key)
        if field is None:
            known = "、".join(f"{{{k}}}" for k in PLACEHOLDERS)
            raise BadConvention(f"群名片规范中的“{{{key}}}”无法识别，可用：{known}")
        if any(kind == "field" and value == field for kind, value in tokens):
            raise BadConvention(f"群名片规范中“{{{key}}}”出现了两次")
        tokens.append(("field", field))
        pos = match.end()
    if pos < len(convention):
        tokens.append(("text", convention[pos:]))
    fields = {value for kind, value in tokens if kind == "field"}
    if not fields & {"name", "number"}:
        raise BadConvention("群名片规范必须包含 {姓名} 或 {学号}/{工号}")
    parts = [rf"^{_SEP}*"]
    for i, (kind, value) in enumerate(tokens):
        if kind == "text":
            literal = normalise(value)
            stripped = re.sub(_SEP, "", literal)
            # separators in the convention stand for any run of separators in the card
            if stripped:
                parts.append(rf"{_SEP}*{re.escape(stripped)}{_SEP}*")
            else:
                # a closing bracket at the end may be left out: 王建国（T1001 still fits
                parts.append(f"{_SEP}+" if i + 1 < len(tokens) else f"{_SEP}*")
            continue
        if i > 0 and tokens[i - 1][0] == "field":
            parts.append(f"{_SEP}*")  # two placeholders side by side: an optional separator
        followed_by_sep = i + 1 < len(tokens) and tokens[i + 1][0] == "text"
        last = i + 1 == len(tokens)
        if value == "name":
            pattern = _NAME
        elif value == "number":
            pattern = _NUMBER
        elif value == "klass" and not (followed_by_sep or last):
            pattern = f"[^{_SEP_CHARS}]*?[班级]"
        else:
            pattern = f"[^{_SEP_CHARS}]+?" if not last else f"[^{_SEP_CHARS}]+"
        parts.append(f"(?P<{value}>{pattern})")
    # anything after the convention must start with a separator (王建国-辅导员 fits {姓名})
    parts.append(f"(?:{_SEP}.*)?$")
    return re.compile("".join(parts))


def parse_display(convention: str, card: str, nickname: str = "") -> ParsedName | None:
    """Return what the card (else the nickname) says under ``convention``; None when neither fits.

    Raises BadConvention for a convention that cannot be used.
    """
    pattern = compile_convention(convention or DEFAULT_CONVENTION)
    for source, text in (("card", card), ("nickname", nickname)):
        # Spaces inside a name (王 建 国) are dropped first; when that leaves nothing that fits,
        # the spaces are read as the separators they may be (作曲1班 张三 under {班级}-{姓名}).
        for folded in dict.fromkeys((normalise(text), _fold(text))):
            match = pattern.match(folded) if folded else None
            if match is None:
                continue
            found = {k: v for k, v in match.groupdict().items() if v}
            return ParsedName(
                name=normalise(found.get("name", "")),
                number=found.get("number", "").upper(),
                klass=found.get("klass", ""),
                unit=found.get("unit", ""),
                source=source,
            )
    return None


@dataclass(frozen=True)
class Candidate:
    """One roster entry as matching sees it (``name`` as written in the roster)."""

    person_id: int
    name: str
    number: str
    unit_path: str
    unit_name: str
    active: bool = True


class Roster:
    """The roster indexed by normalised name and by number, built once per import."""

    def __init__(self, entries: Iterable[Candidate]) -> None:
        self.by_name: dict[str, list[Candidate]] = defaultdict(list)
        self.by_number: dict[str, Candidate] = {}
        for entry in entries:
            self.by_name[normalise(entry.name)].append(entry)
            self.by_number[entry.number.upper()] = entry


@dataclass(frozen=True)
class Match:
    """The real-name result of one member: status, the person (when one is meant) and why."""

    status: str
    person_id: int | None = None
    reason: str = ""


def _narrow(pool: Sequence[Candidate], hint: str) -> list[Candidate]:
    """Return the candidates whose unit name agrees with the class/unit hint, or all when none does."""
    hint = normalise(hint)
    if not hint:
        return list(pool)
    agreeing = [c for c in pool if hint in normalise(c.unit_name) or normalise(c.unit_name) in hint]
    return agreeing or list(pool)


def match_member(parsed: ParsedName | None, roster: Roster, scope_path: str, *, shown: str = "") -> Match:
    """Return the real-name result of a member whose card says ``parsed`` in a group scoped to ``scope_path``.

    ``scope_path`` is the group's unit path (``/1/7/``): people of that unit and below are in
    scope. ``shown`` is the card as written, for the reason text.
    """
    if parsed is None:
        return Match(UNKNOWN, reason=f"群名片“{shown}”不符合本群的命名规范" if shown else "未填写群名片")
    name, number = parsed.name, parsed.number
    label = name or number
    if name:
        pool = list(roster.by_name.get(name, []))
        if number:
            agreeing = [c for c in pool if c.number.upper() == number]
            if not agreeing:
                if pool or number in roster.by_number:
                    return Match(UNKNOWN, reason=f"群名片中的学号/工号与花名册中的“{name}”不符")
                return Match(UNKNOWN, reason=f"花名册中查无“{name}”")
            pool = agreeing
    else:
        entry = roster.by_number.get(number)
        pool = [entry] if entry else []
    if not pool:
        return Match(UNKNOWN, reason=f"花名册中查无“{label}”")
    active = [c for c in pool if c.active]
    in_scope = [c for c in active if c.unit_path.startswith(scope_path)]
    if len(in_scope) > 1:
        in_scope = _narrow(in_scope, parsed.klass or parsed.unit)
    if len(in_scope) == 1:
        return Match(VERIFIED, in_scope[0].person_id)
    if in_scope:
        return Match(
            AMBIGUOUS, reason=f"本群成员范围内有 {len(in_scope)} 名“{label}”，请在群名片中注明学号/工号"
        )
    if active:
        units = "、".join(sorted({c.unit_name for c in active}))
        person = active[0].person_id if len(active) == 1 else None
        return Match(OUT_OF_SCOPE, person, f"花名册中的“{label}”属于“{units}”，不在本群成员范围内")
    person = pool[0].person_id if len(pool) == 1 else None
    return Match(OUT_OF_SCOPE, person, f"“{label}”在花名册中已标记为离校/离岗")

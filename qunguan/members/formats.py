"""Reading member lists (群成员名单): pure functions from bytes to ``MemberList``, no database.

Four shapes are read (``FORMATS``):

``onebot``
    The response of OneBot v11 ``get_group_member_list`` (NapCatQQ, Lagrange, LLOneBot,
    go-cqhttp): the envelope ``{"status", "retcode", "data": [...]}`` or the bare array. Each
    item has ``user_id`` (QQ number), ``nickname``, ``card`` (群名片), ``role``
    (owner/admin/member), ``join_time`` (epoch seconds) and, in NapCat, ``is_robot``.
``wecom``
    The response of WeCom ``externalcontact/groupchat/get``: ``group_chat.member_list`` with
    ``userid``, ``group_nickname`` (群昵称, read as the card), ``name`` and ``join_time``; the
    owner is ``group_chat.owner``, admins are ``group_chat.admin_list``.
``chatlog``
    sjzar/chatlog ``/api/v1/chatroom?format=json``: ``{"items": [{name, owner, users:
    [{userName, displayName}]}]}``. A file with several chat rooms is read for the one whose
    ``name`` is the group's account.
``sheet``
    A CSV (UTF-8 or GB18030) or XLSX member list with a header row. Columns (header synonyms
    in brackets; only the id column is required):

    ======================  =============================================================
    ``QQ号或微信号``        (QQ号、微信号、微信ID、wxid、userid、账号、成员账号) the platform id
    ``群名片``              (群昵称、备注、名片) the member's name in this group
    ``昵称``                (QQ昵称、微信昵称、nickname) the account's own nickname
    ``角色``                (身份、群身份) 群主 / 管理员 / 成员 (owner/admin/member); blank = 成员
    ``入群时间``            (加入时间、进群时间) 2024-06-20 10:00[:00], 2024/6/20, 2024-06-20,
                            an Excel date cell or epoch seconds
    ======================  =============================================================

A file that cannot be read at all raises ``UnreadableMemberFile``. Otherwise every bad record
(no id, an id twice, an unknown role, a bad time) becomes a ``MemberProblem`` with its line
(sheets: the line as Excel shows it, header = 1) or its position in the JSON array; whether a
file with problems may be imported is the caller's decision (``qunguan.members.actions``).

The CSV/XLSX decoding is the registry importer's (``registry.imports.reading``), so encodings
and line numbers behave as in the roster import; it touches no Django setting or model.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qunguan.registry.imports.reading import Cell, FileProblem, read_csv, read_xlsx

OWNER, ADMIN, MEMBER = "owner", "admin", "member"


class UnreadableMemberFile(Exception):
    """The file as a whole cannot be read as a member list; ``str(exc)`` is the Chinese reason."""


@dataclass(frozen=True)
class MemberRow:
    """One member as the file gives it. ``joined_at`` is aware when the file says the zone
    (epoch seconds), naive (local time) when a sheet gives a wall-clock time."""

    line: int
    platform_id: str
    nickname: str = ""
    card: str = ""
    role: str = MEMBER
    joined_at: dt.datetime | None = None
    is_robot: bool = False


@dataclass(frozen=True)
class MemberProblem:
    """One bad record: where (a sheet line, or the n-th member of a JSON array), field, reason."""

    line: int
    field: str
    message: str
    in_array: bool = False

    def render(self, filename: str) -> str:
        """Return ``FILE:LINE: 字段: 原因`` (``FILE: 第 N 个成员: …`` for a JSON array)."""
        where = f" 第 {self.line} 个成员" if self.in_array else str(self.line)
        return f"{filename}:{where}: {self.field}: {self.message}"


@dataclass
class MemberList:
    """What a reader found: the members, the problems, and the group id the file names (if any)."""

    format: str
    rows: list[MemberRow] = field(default_factory=list)
    problems: list[MemberProblem] = field(default_factory=list)
    group_account: str = ""


# ---------------------------------------------------------------- shared


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\u3000", " ").strip()


def _epoch(value: Any) -> dt.datetime | None:
    """Return an aware time from epoch seconds; 0 or absent means "not known" in OneBot."""
    if value in (None, "", 0, "0"):
        return None
    seconds = int(value)
    if seconds > 10**11:  # milliseconds, as some implementations send
        seconds //= 1000
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UnreadableMemberFile("文件不是 UTF-8 编码的 JSON。") from None
    except json.JSONDecodeError as exc:
        raise UnreadableMemberFile(
            f"JSON 格式有误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}"
        ) from None


class _Collector:
    """Collects rows and problems; refuses the second occurrence of an id."""

    def __init__(self, fmt: str, in_array: bool) -> None:
        self.result = MemberList(fmt)
        self.in_array = in_array
        self.first: dict[str, int] = {}

    def problem(self, line: int, field_name: str, message: str) -> None:
        self.result.problems.append(MemberProblem(line, field_name, message, self.in_array))

    def add(self, row: MemberRow, id_field: str) -> None:
        if row.platform_id in self.first:
            self.problem(
                row.line,
                id_field,
                f"与第 {self.first[row.platform_id]} 个成员重复"
                if self.in_array
                else f"与第 {self.first[row.platform_id]} 行重复",
            )
            return
        self.first[row.platform_id] = row.line
        self.result.rows.append(row)


_ROLE_WORDS = {
    "owner": OWNER,
    "群主": OWNER,
    "创建者": OWNER,
    "admin": ADMIN,
    "管理员": ADMIN,
    "member": MEMBER,
    "成员": MEMBER,
    "群成员": MEMBER,
    "普通成员": MEMBER,
}


def _role(value: Any) -> str:
    """Return owner/admin/member; raise ValueError with the Chinese reason."""
    text = _text(value).lower()
    if not text:
        return MEMBER
    role = _ROLE_WORDS.get(text)
    if role is None:
        raise ValueError(f"角色应为“群主”“管理员”或“成员”，而不是“{_text(value)}”")
    return role


# ---------------------------------------------------------------- OneBot


def read_onebot(data: bytes) -> MemberList:
    """Read a ``get_group_member_list`` response (envelope or bare array)."""
    payload = _json(data)
    if isinstance(payload, dict):
        if payload.get("status") == "failed" or payload.get("retcode") not in (0, None):
            reason = payload.get("wording") or payload.get("message") or f"retcode {payload.get('retcode')}"
            raise UnreadableMemberFile(f"OneBot 返回失败：{reason}")
        payload = payload.get("data")
    if not isinstance(payload, list):
        raise UnreadableMemberFile("不是 get_group_member_list 的返回结果：缺少成员数组 data。")
    out = _Collector("onebot", in_array=True)
    groups: set[str] = set()
    for n, item in enumerate(payload, start=1):
        if not isinstance(item, dict):
            out.problem(n, "data", "成员应为 JSON 对象")
            continue
        user_id = _text(item.get("user_id"))
        if not user_id.isdigit():
            out.problem(n, "user_id", "缺少 QQ 号" if not user_id else f"QQ 号“{user_id}”不是数字")
            continue
        try:
            role = _role(item.get("role"))
        except ValueError as exc:
            out.problem(n, "role", str(exc))
            continue
        try:
            joined = _epoch(item.get("join_time"))
        except (TypeError, ValueError, OverflowError, OSError):
            out.problem(n, "join_time", f"入群时间“{item.get('join_time')}”不是时间戳")
            continue
        if item.get("group_id") not in (None, ""):
            groups.add(_text(item.get("group_id")))
        out.add(
            MemberRow(
                line=n,
                platform_id=user_id,
                nickname=_text(item.get("nickname")),
                card=_text(item.get("card")),
                role=role,
                joined_at=joined,
                is_robot=bool(item.get("is_robot")),
            ),
            "user_id",
        )
    if len(groups) > 1:
        raise UnreadableMemberFile(f"文件中混有多个群的成员：{'、'.join(sorted(groups))}。")
    out.result.group_account = next(iter(groups), "")
    return out.result


# ---------------------------------------------------------------- WeCom


def read_wecom(data: bytes) -> MemberList:
    """Read an ``externalcontact/groupchat/get`` response."""
    payload = _json(data)
    if not isinstance(payload, dict):
        raise UnreadableMemberFile("不是企业微信 groupchat/get 的返回结果。")
    if payload.get("errcode") not in (0, None):
        raise UnreadableMemberFile(f"企业微信返回错误 {payload.get('errcode')}：{payload.get('errmsg', '')}")
    chat = payload.get("group_chat")
    if not isinstance(chat, dict) or not isinstance(chat.get("member_list"), list):
        raise UnreadableMemberFile("不是企业微信 groupchat/get 的返回结果：缺少 group_chat.member_list。")
    owner = _text(chat.get("owner"))
    admins = {_text(a.get("userid")) for a in chat.get("admin_list") or [] if isinstance(a, dict)}
    out = _Collector("wecom", in_array=True)
    for n, item in enumerate(chat["member_list"], start=1):
        if not isinstance(item, dict):
            out.problem(n, "member_list", "成员应为 JSON 对象")
            continue
        userid = _text(item.get("userid"))
        if not userid:
            out.problem(n, "userid", "缺少成员 userid")
            continue
        try:
            joined = _epoch(item.get("join_time"))
        except (TypeError, ValueError, OverflowError, OSError):
            out.problem(n, "join_time", f"入群时间“{item.get('join_time')}”不是时间戳")
            continue
        role = OWNER if userid == owner else ADMIN if userid in admins else MEMBER
        out.add(
            MemberRow(
                line=n,
                platform_id=userid,
                nickname=_text(item.get("name")),
                card=_text(item.get("group_nickname")),
                role=role,
                joined_at=joined,
                # WeCom robots have ids starting "wb" (FORMATS.md §5.1)
                is_robot=userid.startswith("wb"),
            ),
            "userid",
        )
    out.result.group_account = _text(chat.get("chat_id"))
    return out.result


# ---------------------------------------------------------------- chatlog


def read_chatlog(data: bytes, account: str = "") -> MemberList:
    """Read a chatlog ``/api/v1/chatroom`` JSON; with several rooms, the one named ``account``."""
    payload = _json(data)
    items = payload.get("items") if isinstance(payload, dict) else payload
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise UnreadableMemberFile("不是 chatlog 群聊列表：缺少 items 数组。")
    rooms = [i for i in items if _text(i.get("name")) == account] if account else []
    if not rooms and len(items) == 1:
        rooms = items
    if len(rooms) != 1:
        raise UnreadableMemberFile(
            f"文件中有 {len(items)} 个群聊，找不到群号为“{account}”的一个。"
            if account
            else "文件中有多个群聊，请指定群号。"
        )
    room = rooms[0]
    users = room.get("users")
    if not isinstance(users, list):
        raise UnreadableMemberFile("群聊缺少成员列表 users。")
    owner = _text(room.get("owner"))
    out = _Collector("chatlog", in_array=True)
    for n, item in enumerate(users, start=1):
        wxid = _text(item.get("userName")) if isinstance(item, dict) else ""
        if not wxid:
            out.problem(n, "userName", "缺少微信号（wxid）")
            continue
        out.add(
            MemberRow(
                line=n,
                platform_id=wxid,
                card=_text(item.get("displayName")),
                role=OWNER if wxid == owner else MEMBER,
            ),
            "userName",
        )
    out.result.group_account = _text(room.get("name"))
    return out.result


# ---------------------------------------------------------------- CSV / XLSX

SHEET_COLUMNS: dict[str, tuple[str, ...]] = {
    "platform_id": (
        "QQ号或微信号",
        "QQ号/微信号",
        "QQ号",
        "QQ",
        "微信号",
        "微信ID",
        "wxid",
        "userid",
        "账号",
        "成员账号",
    ),
    "card": ("群名片", "群昵称", "名片", "备注"),
    "nickname": ("昵称", "QQ昵称", "微信昵称", "nickname"),
    "role": ("角色", "身份", "群身份"),
    "joined_at": ("入群时间", "加入时间", "进群时间"),
}
LABELS = {key: names[0] for key, names in SHEET_COLUMNS.items()}


def _header_key(header: str) -> str:
    value = header.strip().lower().translate(str.maketrans("／（）", "/()"))
    return re.sub(r"[\s*＊:：_\-]", "", value)


_SHEET_TIME = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def _sheet_time(cell: Cell) -> dt.datetime | None:
    """Return the join time of a sheet cell (naive = local time); raise ValueError."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, dt.datetime):
        return cell
    if isinstance(cell, dt.date):
        return dt.datetime.combine(cell, dt.time())
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if cell > 10**8:
            return _epoch(int(cell))
        raise ValueError
    text = _text(cell)
    if text.isdigit() and len(text) >= 9:
        return _epoch(int(text))
    match = _SHEET_TIME.match(text)
    if not match:
        raise ValueError
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
    return dt.datetime(y, mo, d, h, mi, s)  # noqa: DTZ001 - a sheet's wall-clock time; the caller sets the zone


def read_sheet_members(data: bytes, filename: str) -> MemberList:
    """Read a CSV/XLSX member list with a header row (see the module docstring for the columns)."""
    lower = filename.lower()
    if lower.endswith(".xls"):
        raise UnreadableMemberFile("不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。")
    try:
        if lower.endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
            sheet = read_xlsx(data)
        else:
            sheet = read_csv(data)
    except FileProblem as exc:
        raise UnreadableMemberFile(str(exc)) from None
    lookup = {_header_key(name): key for key, names in SHEET_COLUMNS.items() for name in names}
    index: dict[str, int] = {}
    for position, header in enumerate(sheet.headers):
        key = lookup.get(_header_key(header)) if header else None
        if key is not None and key not in index:
            index[key] = position
    if "platform_id" not in index:
        raise UnreadableMemberFile(f"缺少必填列“{LABELS['platform_id']}”（第 1 行应为表头）。")
    out = _Collector("sheet", in_array=False)

    def cell(cells: list[Cell], key: str) -> Cell:
        pos = index.get(key)
        return cells[pos] if pos is not None and pos < len(cells) else None

    for line, cells in sheet.rows:
        bad = False
        platform_id = _text(cell(cells, "platform_id"))
        if not platform_id:
            out.problem(line, LABELS["platform_id"], "必填，不能为空")
            bad = True
        elif len(platform_id) > 64 or any(ch.isspace() for ch in platform_id):
            out.problem(line, LABELS["platform_id"], f"“{platform_id}”不是有效的 QQ 号或微信号")
            bad = True
        try:
            role = _role(cell(cells, "role"))
        except ValueError as exc:
            out.problem(line, LABELS["role"], str(exc))
            bad = True
        try:
            joined = _sheet_time(cell(cells, "joined_at"))
        except (ValueError, OverflowError, OSError):
            out.problem(
                line,
                LABELS["joined_at"],
                f"无法识别的时间“{_text(cell(cells, 'joined_at'))}”，请写成 2024-06-20 10:00 或 2024-06-20",
            )
            bad = True
        if bad:
            continue
        out.add(
            MemberRow(
                line=line,
                platform_id=platform_id,
                nickname=_text(cell(cells, "nickname"))[:100],
                card=_text(cell(cells, "card"))[:100],
                role=role,
                joined_at=joined,
            ),
            LABELS["platform_id"],
        )
    if not sheet.rows:
        raise UnreadableMemberFile("文件中没有数据行。")
    return out.result


# ---------------------------------------------------------------- dispatch

Reader = Callable[[bytes, str, str], MemberList]
FORMATS: dict[str, Reader] = {
    "onebot": lambda data, filename, account: read_onebot(data),
    "wecom": lambda data, filename, account: read_wecom(data),
    "chatlog": lambda data, filename, account: read_chatlog(data, account),
    "sheet": lambda data, filename, account: read_sheet_members(data, filename),
}


def detect_format(data: bytes, filename: str) -> str:
    """Return the format name of a member file from its content (JSON shape) or else its name."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head not in (b"{", b"["):
        return "sheet"
    payload = _json(data)
    if isinstance(payload, dict):
        if "group_chat" in payload or "errcode" in payload:
            return "wecom"
        if "items" in payload:
            return "chatlog"
        return "onebot"
    if isinstance(payload, list) and payload and isinstance(payload[0], dict) and "users" in payload[0]:
        return "chatlog"
    return "onebot"


def read_member_file(data: bytes, filename: str, fmt: str | None = None, account: str = "") -> MemberList:
    """Read ``data`` as ``fmt`` (detected when None); raise UnreadableMemberFile or ValueError (unknown fmt)."""
    if not data.strip():
        raise UnreadableMemberFile("文件是空的。")
    name = fmt or detect_format(data, filename)
    reader = FORMATS.get(name)
    if reader is None:
        raise ValueError(f"不支持的成员名单格式“{name}”，可选：{'、'.join(FORMATS)}")
    return reader(data, filename, account)

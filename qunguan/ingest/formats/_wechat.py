"""What WeChat's message type codes mean, shared by the MemoTrace and chatlog readers.

Both exporters copy the PC client's ``MSG`` table: ``Type`` (1 text, 3 image, 47 sticker, 49 app
message with a ``SubType``, 10000 system …) and a ``StrContent`` that is plain text for text and
XML for most of the rest. This module maps a type to a ``Kind`` and reduces the XML to the short
readable text the audit and the reviewers see (``[表情包]``, ``[文件] 名单.xlsx``,
``"张三" 撤回了一条消息``). The same readable text comes out whichever exporter wrote the
message, so overlapping exports of one group de-duplicate.

XML is read with bounded regular expressions, not a parser: exporters write truncated and
badly escaped XML, and a reader that never parses entities cannot be made to expand them.
"""

from __future__ import annotations

import html
import re

from qunguan.ingest.records import Kind

SYSTEM_SENDER = "系统消息"  # sender name of system lines (joins, renames); chatlog writes the same

TEXT, IMAGE, VOICE, CARD, VIDEO, STICKER, LOCATION, APP, VOIP, SYSTEM, SYSMSG = (
    1,
    3,
    34,
    42,
    43,
    47,
    48,
    49,
    50,
    10000,
    10002,
)

# type → (kind, placeholder); the placeholders are MemoTrace's where it has one.
_TYPES: dict[int, tuple[Kind, str]] = {
    TEXT: ("text", ""),
    IMAGE: ("image", "[图片]"),
    VOICE: ("voice", "[语音]"),
    CARD: ("other", "[名片]"),
    VIDEO: ("video", "[视频]"),
    STICKER: ("sticker", "[表情包]"),
    LOCATION: ("other", "[位置]"),
    VOIP: ("other", "[音视频通话]"),
    SYSTEM: ("system", ""),
    SYSMSG: ("system", ""),
}
# SubType of an app message (49) → (kind, placeholder).
_APP_TYPES: dict[int, tuple[Kind, str]] = {
    1: ("text", ""),
    3: ("link", "[音乐分享]"),
    4: ("link", "[分享]"),
    5: ("link", "[链接]"),
    6: ("file", "[文件]"),
    8: ("sticker", "[表情包]"),
    19: ("other", "[聊天记录]"),
    24: ("other", "[笔记]"),
    33: ("link", "[小程序]"),
    36: ("link", "[小程序]"),
    51: ("link", "[视频号]"),
    57: ("text", "[引用]"),  # a reply: the text is the reply, the quoted message is its own record
    62: ("system", "[拍一拍]"),
    63: ("link", "[视频号直播]"),
    # 群公告: the words are the group owner's own and are audited like any message.
    87: ("text", "[群公告]"),
    92: ("link", "[音乐分享]"),
    2000: ("other", "[转账]"),
    2001: ("other", "[红包]"),
    2003: ("other", "[红包封面]"),
}
_APP_DEFAULT: tuple[Kind, str] = ("link", "[分享]")

_RECALL = re.compile(r"撤回了一条消息|recalled a message")
_RECALL_ACTOR = re.compile(r'^[“"](.{1,64}?)[”"]\s*(?:撤回了一条消息|recalled a message)')
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z_][^<>]{0,2000}>")
_REVOKE_EDIT = re.compile(r'\s*<a href="weixin://revoke_edit_click">[^<]{0,20}</a>')
_SPACES = re.compile(r"[ \t\r\n]+")
_MEMBER = re.compile(
    r"<member>.{0,400}?<nickname>(?:<!\[CDATA\[)?(.{0,100}?)(?:\]\]>)?</nickname>", re.DOTALL
)
_LINK = re.compile(r'<link\s+name="([^"]{1,64})"(.{0,20000}?)</link>', re.DOTALL)
_TEMPLATE_VAR = re.compile(r"\$\{?([A-Za-z_][\w]{0,63})\}?\$?")


def split_type(type_: int, sub_type: int) -> tuple[int, int]:
    """Return ``(type, subtype)``; WeChat 4.x packs the subtype into the high 32 bits of the type."""
    if type_ > 0xFFFFFFFF:
        return type_ & 0xFFFFFFFF, type_ >> 32
    return type_, sub_type


def kind_and_label(type_: int, sub_type: int) -> tuple[Kind, str]:
    """Return the kind of a WeChat message and its placeholder (``[图片]``; empty for text)."""
    if type_ == APP:
        return _APP_TYPES.get(sub_type, _APP_DEFAULT)
    return _TYPES.get(type_, ("other", f"[消息类型 {type_}]"))


def describe(
    type_: int, sub_type: int, content: str = "", *, title: str = "", url: str = "", detail: str = ""
) -> tuple[Kind, str]:
    """Return ``(kind, readable text)`` of a message whose parts are already out of the XML.

    ``content`` is the message text (text, system line, a reply's own words), ``title`` the card
    or file title (a location's name), ``url`` the link, ``detail`` the body of a 群公告 or a
    location's address. A system line that says a message was taken back is a ``recall``.
    """
    kind, label = kind_and_label(type_, sub_type)
    if kind == "system":
        text = system_text(content) or title or label or SYSTEM_SENDER
        return ("recall" if is_recall(text) else "system"), text
    if type_ == TEXT:
        return kind, content
    if type_ == APP and sub_type in (1, 57):
        return kind, content or title or label
    if type_ == APP and sub_type == 87:
        body = (detail or content or title).strip()
        return kind, f"{label} {body}" if body else label
    if type_ == APP and sub_type == 2000 and content:
        return kind, content  # chatlog's "[转账|发送 ¥1.00](备注)" already says it all
    if kind == "link" or kind == "file" or kind == "other":
        if type_ not in _TYPES and type_ != APP:
            return kind, _join(label, _clean(content))  # a type this table does not know
        return kind, _join(label, title, url, detail)
    return kind, label


def from_xml(type_: int, sub_type: int, content: str) -> tuple[Kind, str]:
    """Return ``(kind, readable text)`` of a message as the ``MSG`` table stores it (XML or text)."""
    type_, sub_type = split_type(type_, sub_type)
    looks_xml = content.lstrip().startswith("<")
    if type_ == APP and looks_xml:
        app_type = _tag(content, "type")
        if sub_type == 0 and app_type.isascii() and app_type.isdigit():
            sub_type = int(app_type)
        announcement = _tag(content, "textannouncement")
        return describe(
            type_,
            sub_type,
            _tag(content, "title") if sub_type in (1, 57) else "",
            title=_tag(content, "title"),
            url=_tag(content, "url"),
            detail=announcement,
        )
    if type_ == LOCATION and looks_xml:
        return describe(type_, sub_type, title=_attr(content, "poiname"), detail=_attr(content, "label"))
    if type_ == CARD and looks_xml:
        return describe(type_, sub_type, title=_attr(content, "nickname"))
    if type_ in _TYPES and _TYPES[type_][0] not in ("text", "system"):
        return describe(type_, sub_type)  # image/voice/video/sticker XML carries no words
    return describe(type_, sub_type, content)


def system_text(content: str) -> str:
    """Reduce a system message (plain text, CDATA or ``<sysmsg>`` XML) to the line WeChat shows."""
    content = _REVOKE_EDIT.sub("", content).strip()
    if "<sysmsg" in content:
        replace = _tag(content, "replacemsg")  # revokemsg: '"张三" 撤回了一条消息'
        if replace:
            return replace
        template = _tag(content, "template")  # sysmsgtemplate: '"$username$"邀请"$names$"加入了群聊'
        if template:
            names = {name: _members(body) for name, body in _LINK.findall(content)}
            return _TEMPLATE_VAR.sub(lambda m: names.get(m.group(1)) or m.group(1), template)
        plain = _tag(content, "plain")  # delchatroommember and friends
        if plain:
            return plain
    return _clean(content)


def is_recall(text: str) -> bool:
    """Whether a system line reports a message being taken back (撤回)."""
    return bool(_RECALL.search(text))


def recall_actor(text: str) -> str | None:
    """Return who took a message back, from ``"张三" 撤回了一条消息``; ``None`` if it does not say."""
    match = _RECALL_ACTOR.match(text.strip())
    return match.group(1) if match else None


def _members(body: str) -> str:
    return "、".join(html.unescape(n).strip() for n in _MEMBER.findall(body) if n.strip())


def _tag(xml: str, name: str) -> str:
    match = re.search(rf"<{name}(?:\s[^<>]{{0,2000}})?>(.{{0,20000}}?)</{name}>", xml, re.DOTALL)
    return _clean(match.group(1)) if match else ""


def _attr(xml: str, name: str) -> str:
    match = re.search(rf'\s{name}="([^"]{{0,2000}})"', xml)
    return html.unescape(match.group(1)).strip() if match else ""


def _clean(text: str) -> str:
    text = _CDATA.sub(lambda m: m.group(1), text)
    text = text.replace("<![CDATA[", "").replace("]]>", "")
    text = _TAG.sub("", text)
    return html.unescape(text).strip()


def _join(*parts: str) -> str:
    return " ".join(_SPACES.sub(" ", p).strip() for p in parts if p and p.strip())

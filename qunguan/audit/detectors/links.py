"""Link and advertising detector (广告、引流): URLs, 加V/扫码/私聊 lures, contact ids, price pitches.

Every cue has a weight; the cues of one message are combined by noisy-or and each cue's span is
reported as an ``ad`` finding with the combined score. Why weights instead of hard rules: a
university notice legitimately carries a link, a 报名费 of 50 元 or "有问题联系王老师 QQ 12345678";
only the combination (an unknown link + 加微信 + 特价) is advertising.

Links:
* official hosts (``*.edu.cn``, ``*.gov.cn``, 腾讯会议/问卷/文档, 问卷星, 学习强国 …) are never
  reported: they are how the school works;
* a host on the konsheng 非法网址 list (14,590 domains, MIT) is reported at once (score 0.95);
* a URL shortener hides where it leads (0.55, reported alone);
* any other link weighs 0.35: not reported alone, but it tips a lure or a price pitch over.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, NamedTuple

from qunguan.audit.detectors.base import Detector, Document
from qunguan.audit.detectors.lexicon import char_frequencies, choose_anchors
from qunguan.audit.finding import Finding, Severity
from qunguan.audit.phrases import PhraseSet, encode

_LEXICON_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicons"

OFFICIAL_SUFFIXES = (
    ".edu.cn",
    ".gov.cn",
    ".gov",
    ".edu",
    ".org.cn",
    ".12371.cn",
    ".people.com.cn",
    ".xinhuanet.com",
    ".cctv.com",
    ".moe.gov.cn",
    ".xuexi.cn",
    ".chsi.com.cn",
    ".neea.edu.cn",
    ".cnki.net",
)
OFFICIAL_HOSTS = frozenset(
    {
        "meeting.tencent.com",
        "docs.qq.com",
        "wj.qq.com",
        "mp.weixin.qq.com",
        "work.weixin.qq.com",
        "www.wjx.cn",
        "wjx.cn",
        "v.wjx.cn",
        "www.xuexi.cn",
        "xuexi.cn",
        "www.12371.cn",
        "12371.cn",
        "www.people.com.cn",
        "www.xinhuanet.com",
        "www.chsi.com.cn",
        "yz.chsi.com.cn",
        "pan.baidu.com",
        "www.wenjuan.com",
        "kdocs.cn",
        "www.kdocs.cn",
        "meeting.feishu.cn",
        "www.cnki.net",
        "vc.feishu.cn",
        "zoom.us",
        "www.zhihuishu.com",
        "www.icourse163.org",
        "mooc1.chaoxing.com",
        "www.chaoxing.com",
    }
)
SHORTENERS = frozenset(
    {
        "t.cn",
        "url.cn",
        "dwz.cn",
        "suo.im",
        "bit.ly",
        "tinyurl.com",
        "is.gd",
        "t.co",
        "goo.gl",
        "w.url.cn",
        "u.nu",
        "0x3.me",
        "sohu.gg",
        "rrd.me",
        "c7.gg",
        "ow.ly",
    }
)

_TLD = (
    r"com|cn|net|org|top|xyz|vip|cc|me|io|info|co|tk|ml|ga|club|site|online|shop|app|link|live|pro|"
    r"biz|wang|ltd|icu|fun|tw|hk|win|bet|work|ren|red|mobi|asia|pw|in|us|la|tv|gg|im|ly|gd"
)
_URL = re.compile(
    rf"(?:https?://|www\.)[a-z0-9\-._~%]+(?::\d+)?(?:/[!-~]*)?"
    rf"|(?<![a-z0-9@._-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLD})(?![a-z0-9])(?::\d+)?(?:/[!-~]*)?"
)
_HOST = re.compile(r"^(?:https?://)?([a-z0-9\-._~%]+)")


class Cue(NamedTuple):
    """One advertising cue, scanned on the normalised text.

    ``needs``: strings of which every match of ``pattern`` contains at least one. One pass over
    all of them (``CUE_PHRASES``) tells which cues can match a message at all, so a message runs
    the patterns of those cues only (tests/audit/test_links.py checks the strings against random
    matches of each pattern).
    """

    pattern: re.Pattern[str]
    weight: float
    rule: str  # rule suffix
    reason: str
    needs: tuple[str, ...]


_CUES: tuple[Cue, ...] = (
    Cue(
        re.compile(r"加(?:我|下|一下)?(?:v|vx|wx|微|薇|威|徽|卫|微信|薇信|威信|qq|扣扣|企鹅|好友)"),
        0.55,
        "lure",
        "邀请加微信或QQ",
        # Not "加" alone: 参加, 增加, 加强 are in every other notice.
        (
            "加我",
            "加下",
            "加一下",
            "加v",
            "加w",
            "加微",
            "加薇",
            "加威",
            "加徽",
            "加卫",
            "加q",
            "加扣",
            "加企",
            "加好",
        ),
    ),
    Cue(
        re.compile(
            r"(?:v|vx|wx|微信|薇信|威信|微x|qq|扣扣|企鹅|q)(?:号)?[:：]?(?=[a-z0-9_-]*\d)[a-z][a-z0-9_-]{5,19}(?![a-z0-9])"
        ),
        0.45,
        "contact_id",
        "给出微信号以便私下联系",
        ("v", "wx", "微信", "薇信", "威信", "微x", "q", "扣扣", "企鹅"),
    ),
    Cue(
        re.compile(r"(?:qq|扣扣|企鹅|q)(?:号|群)?[:：]?[1-9]\d{4,10}(?!\d)"),
        0.35,
        "contact_id",
        "给出QQ号或QQ群号",
        ("q", "扣扣", "企鹅"),
    ),
    Cue(
        re.compile(r"扫码(?:领|进|加|关注|下载|购)|扫描二维码(?:领|进|加)|扫一扫(?:领|加)"),
        0.75,
        "lure",
        "扫码引流",
        ("扫码", "扫描二维码", "扫一扫"),
    ),
    Cue(re.compile(r"扫码|扫描二维码|扫一扫"), 0.25, "lure", "扫码", ("扫码", "扫描二维码", "扫一扫")),
    Cue(
        re.compile(r"私聊我|私信我|私我|dd我|滴滴我|戳我|咨询我"),
        0.5,
        "lure",
        "引导私聊",
        ("私聊我", "私信我", "私我", "dd我", "滴滴我", "戳我", "咨询我"),
    ),
    Cue(re.compile(r"私聊|私信"), 0.25, "lure", "私聊", ("私聊", "私信")),
    Cue(
        re.compile(r"拉你进群|进群领|进群免费|免费进群|加群领|邀请进群"),
        0.7,
        "lure",
        "拉人进群",
        ("拉你进群", "进群领", "进群免费", "免费进群", "加群领", "邀请进群"),
    ),
    Cue(
        re.compile(
            _PITCH
            := "原价|特价|仅需|只需|低至|秒杀|清仓|甩卖|限时抢|限时优惠|优惠券|折扣|打折|包邮|下单|拍下|团购|爆款|低价|代购"
        ),
        0.4,
        "pitch",
        "商品促销用语",
        tuple(_PITCH.split("|")),
    ),
    Cue(
        re.compile(
            _TOUT
            := "代写|代做|代考|代课|代刷|刷单|刷粉|刷赞|兼职日结|日结|兼职|招代理|代理加盟|加盟|返现|返利|佣金|提成"
        ),
        0.5,
        "pitch",
        "代写刷单兼职等招揽用语",
        tuple(_TOUT.split("|")),
    ),
    Cue(
        re.compile(r"(?:[¥￥$]\s?\d+(?:\.\d+)?|\d+(?:\.\d+)?\s?(?:元|块|rmb|r)(?![a-z]))"),
        0.2,
        "price",
        "标价",
        ("¥", "￥", "$", "元", "块", "r"),
    ),
    Cue(
        re.compile(r"月入\d|日赚\d|日入\d|轻松赚|躺赚|稳赚|零成本|无门槛|无需经验|在家也能"),
        0.7,
        "pitch",
        "高收益诱导",
        ("月入", "日赚", "日入", "轻松赚", "躺赚", "稳赚", "零成本", "无门槛", "无需经验", "在家也能"),
    ),
)


def _cue_phrases(cues: tuple[Cue, ...]) -> PhraseSet[int]:
    """Return the cues' ``needs`` strings, each with the bitmask of the cues needing it (bit i:
    ``cues[i]``), plus "." with mask 0: every link has a dot, so a message without any of these
    strings has neither a link nor a cue."""
    masks: dict[str, int] = {".": 0}
    for i, cue in enumerate(cues):
        for needed in cue.needs:
            masks[needed] = masks.get(needed, 0) | 1 << i
    return PhraseSet(masks)


CUE_PHRASES = _cue_phrases(_CUES)
# The engine's prefilter on the RAW text: every finding needs a link (a dot) or a cue, whose
# ``needs`` strings each hold one of these characters.
TRIGGERS = choose_anchors([".", *(n for cue in _CUES for n in cue.needs)], char_frequencies())


def candidate_cues(text: str) -> int:
    """Return a bitmask of the cues (bit i: ``_CUES[i]``) that can match normalised ``text``."""
    mask = 0
    for _, bits in CUE_PHRASES.search(encode(text)):
        mask |= bits
    return mask


def host_of(url: str) -> str:
    """Return the lower-case host of ``url`` (without scheme, port or path)."""
    m = _HOST.match(url.lower())
    host = m.group(1) if m else url.lower()
    return host.strip(".")


def is_official(host: str) -> bool:
    """True for hosts a university legitimately links to (campus, government, meeting tools)."""
    return host in OFFICIAL_HOSTS or ("." + host).endswith(OFFICIAL_SUFFIXES)


def load_blocklist(path: Path = _LEXICON_DIR / "illegal_domains.txt") -> frozenset[str]:
    """Return the blocklisted domains (one per line)."""
    text = path.read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.split("\n") if line.strip())


_BLOCKLIST: frozenset[str] | None = None


def blocklist() -> frozenset[str]:
    """Return the shipped blocklist, loaded once per process."""
    global _BLOCKLIST
    if _BLOCKLIST is None:
        _BLOCKLIST = load_blocklist()
    return _BLOCKLIST


def is_blocklisted(host: str, domains: frozenset[str]) -> bool:
    """True when ``host`` or one of its parent domains is on the blocklist."""
    parts = host.split(".")
    return any(".".join(parts[i:]) in domains for i in range(len(parts) - 1))


class LinkDetector(Detector):
    """Reports advertising: suspicious links, contact lures and sales pitches (category ``ad``)."""

    name: ClassVar[str] = "links"
    categories: ClassVar[tuple[str, ...]] = ("ad",)
    trigger_chars: ClassVar[str] = TRIGGERS
    phrases = CUE_PHRASES

    def __init__(self, domains: frozenset[str] | None = None) -> None:
        self.domains = domains if domains is not None else blocklist()

    def scan(self, doc: Document) -> Iterator[Finding]:
        """Yield one ``ad`` finding per cue when the message's combined cue score reaches 0.3."""
        matches = CUE_PHRASES.matches(doc)
        if not matches:
            return
        text = doc.normalized
        cues: list[tuple[int, int, float, str, str]] = []  # start, end, weight, rule, reason
        candidates = 0
        for _, bits in matches:
            candidates |= bits
        selected = [cue for i, cue in enumerate(_CUES) if candidates >> i & 1]
        if "." not in text and not any(cue.pattern.search(text) for cue in selected):
            return  # no link and no cue
        for m in _URL.finditer(text):
            host = host_of(m.group())
            if is_official(host):
                continue
            if is_blocklisted(host, self.domains):
                cues.append((m.start(), m.end(), 0.95, "link.blocklisted", f"链接域名{host}在违法网址名单中"))
            elif host in SHORTENERS:
                cues.append((m.start(), m.end(), 0.55, "link.shortener", "短链接隐藏了真实网址"))
            else:
                cues.append((m.start(), m.end(), 0.35, "link.unknown", f"含非官方链接{host}"))
        taken: list[tuple[int, int]] = [(c[0], c[1]) for c in cues]
        for pattern, weight, rule, reason, _ in selected:
            for m in pattern.finditer(text):
                s, e = m.span()
                if any(a <= s and e <= b for a, b in taken):
                    continue  # inside a link or a stronger cue already counted
                taken.append((s, e))
                cues.append((s, e, weight, f"ad.{rule}", reason))
        if not cues:
            return
        combined = 0.0
        for cue in cues:
            combined = 1.0 - (1.0 - combined) * (1.0 - cue[2])
        if combined < 0.3:
            return
        severity = Severity.HIGH if combined >= 0.9 else Severity.MEDIUM
        for start, end, weight, rule, reason in sorted(cues):
            o_start, o_end = doc.to_original(start, end)
            raw = doc.text[o_start:o_end]
            evidence = raw if rule.startswith("link.") else raw[:2] + "*" * max(0, len(raw) - 2)
            yield Finding(
                category="ad",
                rule=rule,
                severity=severity,
                start=o_start,
                end=o_end,
                evidence=evidence[:60],
                score=round(combined, 3),
                explanation=f"疑似广告引流：{reason}（本条权重{weight:.2f}）。",
            )

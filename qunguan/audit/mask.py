"""Masking of personal data and secrets (脱敏), shared by evidence and ``redact``.

``mask_span(category, text)`` returns ``text`` with the sensitive characters replaced by
``*``: an ID number keeps its first 4 and last 4 digits (5101**********1232), a mobile its
first 3 and last 4 (138****5678), a bank card its last 4; everything else is masked whole.
A masked span never keeps the digit run it was found in intact.
"""

from __future__ import annotations

from collections.abc import Iterable

from qunguan.audit.finding import Finding

MASK = "*"
# How many digit-like characters to keep at each end, per category.
_KEEP: dict[str, tuple[int, int]] = {
    "privacy.id_card": (4, 4),
    "privacy.phone": (3, 4),
    "privacy.bank_card": (0, 4),
}
# Categories whose evidence keeps its words and masks only digits: a reviewer must read
# "院党宣〔****〕*号" to understand the finding; the words are not personal data.
_DIGITS_ONLY = ("secret.",)


_CN_DIGITS = frozenset("〇零一幺壹二两贰三叁四肆五伍六陆七柒八捌九玖貳參陸兩")


def _is_digitish(ch: str) -> bool:
    return ch.isdigit() or ch in "xX" or ch in _CN_DIGITS


def mask_span(category: str, text: str) -> str:
    """Return ``text`` (the characters of one finding) with its sensitive part masked."""
    keep = _KEEP.get(category)
    if keep is not None:
        positions = [i for i, ch in enumerate(text) if _is_digitish(ch)]
        head, tail = keep
        # At least four digits are always hidden; a shorter number is masked whole.
        if head + tail > len(positions) - 4:
            head = tail = 0
        hidden = set(positions[head : len(positions) - tail])
        return "".join(MASK if i in hidden else ch for i, ch in enumerate(text))
    if category.startswith(_DIGITS_ONLY):
        return "".join(MASK if _is_digitish(ch) else ch for ch in text)
    return "".join(ch if ch.isspace() else MASK for ch in text)


# Judgements about a message as a whole (chatter, rumour, venting …): there is no sensitive
# span in them to hide, and masking the whole message would destroy the redacted copy.
MESSAGE_LEVEL_CATEGORIES = frozenset({"offtopic", "rumor", "venting", "incitement", "harassment"})
# Rules of other categories that judge the whole message too (a model's verdict): their span
# is the whole message and their evidence its head, which may hold another finding's number.
MESSAGE_LEVEL_RULES = frozenset({"abuse.model"})


def is_message_level(category: str, rule: str) -> bool:
    """Whether a finding judges its message as a whole (no span of its own to mask)."""
    return category in MESSAGE_LEVEL_CATEGORIES or rule in MESSAGE_LEVEL_RULES


def redact(text: str, findings: Iterable[Finding]) -> str:
    """Return ``text`` with every finding's span masked (overlapping spans are all masked).

    Secret spans are masked whole here (unlike their evidence), so nothing of a 文号 or a
    classification mark is left in the published copy. Message-level findings
    (``is_message_level``: chatter, rumour, a model's verdict …) are not masked.
    """
    spans = sorted(
        (f.start, f.end, f.category)
        for f in findings
        if 0 <= f.start < f.end <= len(text) and not is_message_level(f.category, f.rule)
    )
    if not spans:
        return text
    chars = list(text)
    for start, end, category in spans:
        if category.startswith(_DIGITS_ONLY):
            masked = "".join(ch if ch.isspace() else MASK for ch in text[start:end])
        else:
            masked = mask_span(category, text[start:end])
        for i, ch in enumerate(masked, start):
            # Overlaps: once masked, a character stays masked.
            if ch == MASK:
                chars[i] = MASK
    return "".join(chars)

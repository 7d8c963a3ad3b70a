"""Showing a message without exposing people: sender pseudonyms and masked message text.

A reviewer triages *what* was said, not *who* said it, so every role sees a sender as a
stable pseudonym (成员-7F3A2C) until it reveals the sender — a logged action
(``review.do_reveal_sender``). The pseudonym is an HMAC of the sender's platform id keyed with
the deployment's SECRET_KEY: stable across pages, groups and imports (a reviewer can tell that
the same person posted twice), different per sender, and not reversible without the key.

Message text is masked with the audit engine's own ``redact`` over the stored findings that hold
personal data or secrets, so an ID number or phone found in a message never reaches the page in
full, whoever looks. The words an advertisement, an insult or a banned term was found by stay
readable: they are what the reviewer judges, and they expose nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.crypto import salted_hmac

from qunguan.audit import Finding as AuditFinding
from qunguan.audit import Severity, redact
from qunguan.audit.mask import is_message_level
from qunguan.chats.models import ChatMessage, Finding

PSEUDONYM_PREFIX = "成员-"
# Personal data and secrets: the categories whose spans are masked in a message shown on screen,
# and whose findings are decided span by span (``review.siblings``).
PERSONAL_OR_SECRET = ("privacy.", "secret.")


def is_personal_or_secret(category: str) -> bool:
    """Whether findings of ``category`` hold personal data or a secret (each span a datum of its own)."""
    return category.startswith(PERSONAL_OR_SECRET)


# Six hex digits: four (65,536 values) would give two of a 150-member group the same name about
# once in six groups (birthday bound); six makes that about one in six thousand.
PSEUDONYM_DIGITS = 6
_SALT = "qunguan.chats.privacy.pseudonym"


def sender_key(message: ChatMessage) -> str:
    """Return what identifies the sender: the platform id, else (older exports) the display name."""
    if message.sender_id:
        return f"{message.platform}:id:{message.sender_id}"
    return f"{message.platform}:name:{message.sender_name}"


def pseudonym(message: ChatMessage) -> str:
    """Return the sender's stable pseudonym, e.g. ``成员-7F3A2C``."""
    digest = salted_hmac(_SALT, sender_key(message), algorithm="sha256").hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_DIGITS].upper()


def real_sender(message: ChatMessage) -> str:
    """Return the sender as the export named them: ``王建国（10001001）``."""
    name = message.sender_name or "（未署名）"
    return f"{name}（{message.sender_id}）" if message.sender_id else name


def _as_audit(finding: Finding) -> AuditFinding:
    # ``redact`` takes the engine's own result type; a stored finding carries the same fields.
    return AuditFinding(
        category=finding.category,
        rule=finding.rule,
        severity=Severity(finding.severity),
        start=finding.start,
        end=finding.end,
        evidence=finding.evidence,
        score=finding.score,
        explanation=finding.explanation,
    )


def masked_text(message: ChatMessage, findings: Iterable[Finding]) -> str:
    """Return the message text with every personal-data and secret span of ``findings`` masked.

    A message purged by the retention period reads as the notice that says so.
    """
    if message.purged_at is not None:
        from qunguan.chats.retention import PURGED_NOTICE

        return PURGED_NOTICE
    return redact(message.text, [_as_audit(f) for f in findings if is_personal_or_secret(f.category)])


@dataclass(frozen=True)
class Segment:
    """A run of masked text; ``marked`` when it is the span of the finding under review."""

    text: str
    marked: bool = False


def masked_segments(
    message: ChatMessage, findings: Iterable[Finding], mark: Finding | None, also: Iterable[Finding] = ()
) -> list[Segment]:
    """Return the masked text cut around ``mark``'s span, and the spans of ``also`` (the findings a
    queue row stands for with it), for highlighting them on the page.

    Masking never changes the text's length (each masked character becomes one ``*``), so the
    finding's span indexes the masked text as it indexed the original. Overlapping or touching
    spans are marked as one.
    """
    text = masked_text(message, findings)
    if not text:
        return []
    if message.purged_at is not None:
        return [Segment(text)]  # the notice: no span of the purged text to mark
    spans = sorted(
        (f.start, f.end) for f in (mark, *also) if f is not None and 0 <= f.start < f.end <= len(text)
    )
    if mark is None or not spans:
        return [Segment(text)]
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[Segment] = []
    at = 0
    for start, end in merged:
        parts += [Segment(text[at:start]), Segment(text[start:end], marked=True)]
        at = end
    parts.append(Segment(text[at:]))
    return [p for p in parts if p.text]


EVIDENCE_CHARS = 40


def shown_evidence(finding: Finding, findings: Iterable[Finding]) -> str:
    """Return the evidence to show for ``finding``, safe whatever its category.

    A span finding's stored evidence is already masked. A message-level finding (闲聊, 谣言 …)
    stores the start of the raw message as evidence, which may hold a phone or ID number found
    by another detector, so its evidence is cut from the masked text instead.
    """
    if not is_message_level(finding.category, finding.rule) or finding.message.purged_at is not None:
        # A purged message's whole-message findings had their masked quote stored by the purge.
        return finding.evidence
    text = masked_text(finding.message, findings)[finding.start : finding.end]
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…"

"""The allow-list (白名单): what a reviewer judged harmless is not reported again.

Dismissing a finding as a false positive may add an entry, per unit (its subtree) or
school-wide (only the supervisor decides that):

- a **phrase** (短语): a later finding whose span lies inside an occurrence of the phrase is
  dropped — the school office's public landline, a course name that contains a lexicon word;
- a **sender + rule** (发送者 + 规则): the findings of that rule on that sender's messages are
  dropped — the music-theory teacher whose lecture notes keep tripping one detector.

The audit engine (``qunguan.audit``, no Django) learns the school-wide phrases through its own
interface: ``engine_policy`` writes them to an allow-list file and returns the policy with it in
``lexicon_allow``, so the lexicon and classifier detectors skip them while scanning. Unit
entries, sender + rule entries and the detectors that do not read lexicon allow-lists (phones,
ID numbers, links …) are honoured after the scan by ``filter_findings``, which the import calls
on each message's findings.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from qunguan.audit import Finding as AuditFinding
from qunguan.audit import Policy, load_policy
from qunguan.audit.labels import category_label
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.chats import access, review
from qunguan.chats.models import AllowListEntry, AllowListKind, ChatMessage, Finding
from qunguan.chats.privacy import pseudonym
from qunguan.registry import access as registry_access
from qunguan.registry.errors import OUT_OF_SCOPE, RegistryError
from qunguan.registry.models import Group, Unit

# Stable error codes.
SCHOOL_WIDE_SUPERVISOR_ONLY = "allowlist_school_wide_supervisor_only"
PHRASE_NOT_ALLOWED = "allowlist_phrase_not_allowed"
PHRASE_INVALID = "allowlist_phrase_invalid"
NO_UNIT = "allowlist_no_unit"

PHRASE_MAX_CHARS = 200
# Personal data must never sit in the allow-list as plain text: an ID or bank card number is
# never harmless, so only a sender + rule entry can quiet such a finding.
NO_PHRASE_CATEGORIES = frozenset({"privacy.id_card", "privacy.bank_card"})
SCOPE_UNIT = "unit"
SCOPE_SCHOOL = "school"
# A process re-reads the allow-list at most this often (and at once after it changes an entry).
RELOAD_SECONDS = 5.0


def _sender_key(platform: str, sender_id: str, sender_name: str) -> str:
    # The same key as ``privacy.sender_key``: the platform id, else the display name.
    return f"{platform}:id:{sender_id}" if sender_id else f"{platform}:name:{sender_name}"


@dataclass
class AllowList:
    """A snapshot of the active entries, ready to test findings against."""

    # (unit path or "" for school-wide, phrase folded to lower case)
    phrases: list[tuple[str, str]] = field(default_factory=list)
    # sender key → [(unit path or "", rule)]
    sender_rules: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    _unit_paths: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> AllowList:
        """Return the active entries as they are in the database now."""
        snapshot = cls()
        for entry in AllowListEntry.objects.filter(active=True).select_related("unit"):
            path = entry.unit.path if entry.unit else ""
            if entry.kind == AllowListKind.PHRASE and entry.phrase:
                snapshot.phrases.append((path, entry.phrase.lower()))
            elif entry.kind == AllowListKind.SENDER_RULE:
                key = _sender_key(entry.platform, entry.sender_id, entry.sender_name)
                snapshot.sender_rules.setdefault(key, []).append((path, entry.rule))
        return snapshot

    def __bool__(self) -> bool:
        return bool(self.phrases or self.sender_rules)

    def school_phrases(self) -> list[str]:
        """Return the school-wide phrases (those the engine itself can be told about)."""
        return sorted({p for path, p in self.phrases if not path})

    def _group_path(self, group_id: int | None) -> str | None:
        if group_id is None:
            return None
        if group_id not in self._unit_paths:
            self._unit_paths[group_id] = (
                Group.objects.filter(pk=group_id).values_list("unit__path", flat=True).first() or ""
            )
        return self._unit_paths[group_id]

    def allows(
        self,
        *,
        text: str,
        group_id: int | None,
        sender_key: str,
        start: int,
        end: int,
        rule: str,
    ) -> bool:
        """Return whether an entry in force for the message's group covers this finding."""
        unit_path = self._group_path(group_id)

        def in_force(path: str) -> bool:
            # Unregistered groups (no unit) are covered by school-wide entries only.
            return not path or (unit_path is not None and unit_path.startswith(path))

        for path, rule_ in self.sender_rules.get(sender_key, ()):
            if rule_ == rule and in_force(path):
                return True
        if self.phrases:
            folded = text.lower()
            for path, phrase in self.phrases:
                if not in_force(path):
                    continue
                at = folded.find(phrase)
                while at != -1:
                    if at <= start and end <= at + len(phrase):
                        return True
                    at = folded.find(phrase, at + 1)
        return False

    def filter(self, message: ChatMessage, findings: Sequence[AuditFinding]) -> list[AuditFinding]:
        """Return ``findings`` of ``message`` without those the allow-list covers."""
        if not self or not findings:
            return list(findings)
        key = _sender_key(message.platform, message.sender_id, message.sender_name)
        return [
            f
            for f in findings
            if not self.allows(
                text=message.text,
                group_id=message.group_id,
                sender_key=key,
                start=f.start,
                end=f.end,
                rule=f.rule,
            )
        ]


_lock = threading.Lock()
_cached: tuple[float, AllowList] | None = None


def current() -> AllowList:
    """Return this process's snapshot, re-read when older than ``RELOAD_SECONDS``."""
    global _cached
    with _lock:
        if _cached is None or time.monotonic() - _cached[0] > RELOAD_SECONDS:
            _cached = (time.monotonic(), AllowList.load())
        return _cached[1]


def invalidate() -> None:
    """Forget the snapshot (after a change, so this process sees it at once)."""
    global _cached
    with _lock:
        _cached = None


def filter_findings(message: ChatMessage, findings: Sequence[AuditFinding]) -> list[AuditFinding]:
    """Return the engine's ``findings`` on ``message`` minus what the allow-list covers.

    The import calls this on each new message's findings before storing them.
    """
    return current().filter(message, findings)


def engine_policy(base: Policy | None = None) -> Policy:
    """Return ``base`` (the shipped policy) with the school-wide phrases as an engine allow-list.

    The phrases go to ``DATA_DIR/allowlist/allow-<digest>.txt``, one per line; the digest in
    the name makes a changed list a new file, so the engine's lexicon cache cannot serve a stale one.
    """
    policy = base if base is not None else load_policy()
    phrases = current().school_phrases()
    if not phrases:
        return policy
    body = "# 群管白名单（全校），由审查队列生成，请勿手工修改\n" + "\n".join(phrases) + "\n"
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
    folder = Path(settings.DATA_DIR) / "allowlist"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"allow-{digest}.txt"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(path)
    return policy.replace(lexicon_allow=(*policy.lexicon_allow, path))


def visible_entries(user: Any) -> Any:
    """Return the allow-list entries the user may see: school-wide ones and those of their units."""
    qs = AllowListEntry.objects.filter(active=True).select_related("unit", "created_by")
    if registry_access.is_supervisor(user):
        return qs
    paths = [u.path for u in registry_access.visible_units(user)]
    return qs.filter(unit__isnull=True) | qs.filter(unit__path__in=paths)


def _check_scope(user: Any, scope: str, unit: Unit | None) -> Unit | None:
    """Return the entry's unit (None: school-wide) after checking the user may decide it."""
    if scope == SCOPE_SCHOOL:
        if user is not None and not registry_access.is_supervisor(user):
            raise RegistryError(
                SCHOOL_WIDE_SUPERVISOR_ONLY, "只有党委宣传部可以设置全校白名单。", field="scope"
            )
        return None
    if scope != SCOPE_UNIT:
        raise RegistryError("invalid", "白名单范围须为本单位或全校。", field="scope")
    if unit is None:
        raise RegistryError(NO_UNIT, "未登记群组的审查发现只能加入全校白名单。", field="scope")
    if user is not None and not (
        registry_access.is_supervisor(user)
        or any(unit.path.startswith(p) for p in access._acting_paths(user))
    ):
        raise RegistryError(OUT_OF_SCOPE, "您无权为该单位设置白名单。", field="scope")
    return unit


def _phrase_for(finding: Finding, phrase: str | None) -> str:
    if finding.category in NO_PHRASE_CATEGORIES:
        raise RegistryError(
            PHRASE_NOT_ALLOWED,
            f"“{category_label(finding.category)}”属于个人信息，不能作为短语加入白名单，请选择“发送者 + 规则”。",
            field="kind",
        )
    matched = finding.message.text[finding.start : finding.end]
    phrase = (phrase or "").strip() or matched.strip()
    if not phrase or len(phrase) > PHRASE_MAX_CHARS:
        raise RegistryError(PHRASE_INVALID, f"白名单短语须为 1 至 {PHRASE_MAX_CHARS} 个字。", field="phrase")
    if matched.lower() not in phrase.lower():
        raise RegistryError(PHRASE_INVALID, "白名单短语须包含被命中的文字。", field="phrase")
    return phrase


def _describe(entry: AllowListEntry) -> str:
    where = entry.unit.name if entry.unit else "全校"
    if entry.kind == AllowListKind.PHRASE:
        return f"短语“{entry.phrase}”（{where}）"
    alias = pseudonym(
        ChatMessage(platform=entry.platform, sender_id=entry.sender_id, sender_name=entry.sender_name)
    )
    return f"发送者 {alias} 的规则 {entry.rule}（{where}）"


def _entry_state(entry: AllowListEntry) -> dict[str, Any]:
    # The log names the pseudonym, never the sender (the log must not store personal data).
    return {
        "kind": entry.kind,
        "unit": entry.unit_id,
        "phrase": entry.phrase,
        "rule": entry.rule,
        "active": entry.active,
    }


def do_dismiss_and_allowlist(
    user: Any,
    finding: Finding,
    *,
    kind: str,
    scope: str,
    phrase: str | None = None,
    reason: str = "",
) -> AllowListEntry:
    """Dismiss ``finding`` as a false positive and allow-list it; return the new entry.

    One transaction, two audit entries: the finding's dismissal (its own history) and the
    allow-list entry (815). ``kind``: ``phrase`` (default phrase: the matched text; a longer
    phrase must contain it) or ``sender_rule``. ``scope``: ``unit`` (the group's unit) or
    ``school`` (supervisor only). Raises ``RegistryError``.
    """
    reason = review._clean_note(reason, required=False)
    with transaction.atomic():
        review.do_dismiss_finding(user, finding, reason=reason)
        finding = Finding.objects.select_related("message", "group__unit").get(pk=finding.pk)
        unit = _check_scope(user, scope, finding.group.unit if finding.group else None)
        message = finding.message
        entry = AllowListEntry(
            kind=kind,
            unit=unit,
            rule=finding.rule,
            category=finding.category,
            reason=reason[:300],
            source_finding=finding,
            created_by=user if getattr(user, "pk", None) else None,
        )
        if kind == AllowListKind.PHRASE:
            entry.phrase = _phrase_for(finding, phrase)
        elif kind == AllowListKind.SENDER_RULE:
            entry.platform = message.platform
            entry.sender_id = message.sender_id
            entry.sender_name = message.sender_name
        else:
            raise RegistryError("invalid", "白名单类型须为短语或发送者 + 规则。", field="kind")
        entry.save()
        log.append(
            actor=user,
            event=AuditEvent.ALLOWLIST_ENTRY_ADDED,
            obj=entry,
            unit_path=unit.path if unit else "",
            summary=f"将{_describe(entry)}加入白名单（来自审查发现 #{finding.pk}）",
            after=_entry_state(entry),
        )
        transaction.on_commit(invalidate)
    return entry


def do_remove_allowlist_entry(user: Any, entry: AllowListEntry) -> AllowListEntry:
    """Take ``entry`` out of force; later imports report what it covered again. Raises ``RegistryError``."""
    with transaction.atomic():
        entry = AllowListEntry.objects.select_for_update(of=("self",)).select_related("unit").get(pk=entry.pk)
        _check_scope(user, SCOPE_SCHOOL if entry.unit is None else SCOPE_UNIT, entry.unit)
        if not entry.active:
            return entry
        before = _entry_state(entry)
        entry.active = False
        entry.save(update_fields=["active"])
        log.append(
            actor=user,
            event=AuditEvent.ALLOWLIST_ENTRY_REMOVED,
            obj=entry,
            unit_path=entry.unit.path if entry.unit else "",
            summary=f"将{_describe(entry)}移出白名单",
            before=before,
            after=_entry_state(entry),
        )
        transaction.on_commit(invalidate)
    return entry

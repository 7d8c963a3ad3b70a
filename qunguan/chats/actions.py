"""Importing a chat export (导入聊天记录): read, bind to registered groups, store once, audit.

``do_import_chat_file`` is the one way messages from a file enter the database. It streams the
file through its format reader, stores messages in transactional batches (an interrupted
import leaves whole batches; running it again skips what is stored and goes on), audits every
new text message with the audit engine and stores the findings, keeps unreadable lines in a
rejects file, and writes one audit-log entry for the whole import.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from qunguan.audit import Auditor, redact
from qunguan.audit import Finding as AuditFinding
from qunguan.audit.detectors.base import MessageContext
from qunguan.audit.mask import is_message_level
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.chats import allowlist, bulk
from qunguan.chats.models import ChatMessage, Finding, ImportBatch, ImportState, MessageKind
from qunguan.ingest import ChatRecord, Reject
from qunguan.ingest import formats as chat_formats
from qunguan.ingest.formats import FormatError
from qunguan.ingest.records import timestamp, utc_second
from qunguan.ops.heap import settled_heap
from qunguan.ops.private_files import open_private, private_dir
from qunguan.privacy_at_rest import mask_text
from qunguan.registry import access
from qunguan.registry.errors import OUT_OF_SCOPE, RegistryError
from qunguan.registry.models import Group
from qunguan.unregistered.actions import Sighting, note_sightings
from qunguan.unregistered.models import SightingSource, UnregisteredGroup


def batch_size() -> int:
    """Messages per transaction of an import (``QUNGUAN_IMPORT_BATCH_MESSAGES``, see settings)."""
    return int(settings.QUNGUAN_IMPORT_BATCH_MESSAGES)


# Kinds whose text is the sender's own words; placeholders ([图片]) and system lines are not audited.
AUDITED_KINDS = frozenset(
    str(kind.value) for kind in (MessageKind.TEXT, MessageKind.LINK, MessageKind.FILE, MessageKind.OTHER)
)
REJECT_RAW_CHARS = 500

Progress = Callable[[int, int], None]  # (bytes read so far, messages read so far)


@functools.cache
def auditor() -> Auditor:
    """Return the process's auditor (the shipped policy); lexicons and models load once."""
    return Auditor()


@dataclass
class ImportSummary:
    """What an import did, for the CLI's table and ``--json``."""

    batch: ImportBatch
    unregistered: dict[tuple[str, str], int] = field(
        default_factory=dict
    )  # (platform, account/name) → messages

    def as_dict(self) -> dict[str, Any]:
        b = self.batch
        return {
            "file": b.file_name,
            "format": b.format,
            "batch": b.pk,
            "state": b.state,
            "read": b.read,
            "stored": b.stored,
            "duplicates": b.duplicates,
            "rejected": b.rejected,
            "findings": b.findings,
            "rejects_file": b.rejects_file or None,
            "unregistered_groups": [
                {"platform": p, "group": g, "messages": n} for (p, g), n in sorted(self.unregistered.items())
            ],
        }


class _GroupBinder:
    """Decides which registered group each record belongs to, and whether the actor may import it.

    A record's own group account wins; a file that names no account (QQ PC exports name only the
    group) is bound to ``fixed`` (``--group``) or else to the one group the actor can see with
    exactly that name. A record that resolves to no registered group is stored unbound: the
    group is unregistered, which is itself a breach to report.
    """

    def __init__(self, actor: Any, fixed: Group | None) -> None:
        self.actor = actor
        self.fixed = fixed
        self._by_account: dict[tuple[str, str], Group | None] = {}
        self._by_name: dict[str, Group | None] = {}
        self._allowed: dict[int, bool] = {}  # group id → may add to it (asked once per import)

    def bind(self, record: ChatRecord) -> Group | None:
        if record.group_account:
            key = (record.platform, record.group_account)
            if key not in self._by_account:
                self._by_account[key] = Group.objects.filter(
                    platform=record.platform, account=record.group_account
                ).first()
            found = self._by_account[key]
            if found is not None or self.fixed is None:
                return found
        if self.fixed is not None:
            return self.fixed
        name = record.group_name or ""
        if not name:
            return None
        if name not in self._by_name:
            visible = Group.objects.all() if self.actor is None else access.visible_groups(self.actor)
            matches = list(visible.filter(name=name, platform=record.platform)[:2])
            self._by_name[name] = matches[0] if len(matches) == 1 else None
        return self._by_name[name]

    def allowed(self, group: Group | None) -> bool:
        """Whether the actor may add messages to ``group`` (anyone may report an unregistered one)."""
        if group is None or self.actor is None:
            return True
        if group.pk not in self._allowed:
            self._allowed[group.pk] = (
                access.can_manage_unit(self.actor, group.unit)
                or access.visible_groups(self.actor).filter(pk=group.pk).exists()
            )
        return self._allowed[group.pk]


class _Rejects:
    """The rejects file: one ``LINE<TAB>REASON<TAB>RAW`` line per unreadable part, opened lazily.

    The file is for a person fixing the export: the line number, the reason and the raw text
    with ID, phone and bank card numbers masked (138****8000: enough to see what went wrong,
    useless to anyone who copies the file), mode 600 in a folder of mode 700.
    """

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        self.path: Path | None = None
        self._fh: IO[str] | None = None

    def add(self, reject: Reject) -> None:
        if self._fh is None:
            folder = private_dir(Path(settings.DATA_DIR) / "rejects")
            self.path = folder / f"{self.batch.pk:06d}-{Path(self.batch.file_name).name}.rejects.txt"
            self._fh = open_private(self.path)
            self._fh.write("# 行号\t原因\t原文（身份证号、电话、银行卡号已脱敏）\n")
        raw = reject.raw.replace("\r", "\\r").replace("\n", "\\n")[:REJECT_RAW_CHARS]
        reason, raw = mask_text(reject.reason), mask_text(raw)
        self._fh.write(f"{reject.line}\t{reason}\t{raw}\n")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def do_import_chat_file(
    actor: Any,
    path: Path,
    *,
    format_name: str | None = None,
    group: Group | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import the chat export at ``path`` and return what happened.

    Raises ``FormatError`` when the file's format is unknown (nothing is stored) and
    ``RegistryError`` when ``group`` is outside the actor's units. Lines the reader cannot
    understand do not stop the import: they are counted, kept in the rejects file and named in
    the summary. Safe to run again on the same file: stored messages are skipped as duplicates.
    """
    path = Path(path)
    reader_cls = chat_formats.get(format_name) if format_name else chat_formats.detect(path)
    if group is not None and actor is not None and not access.can_manage_unit(actor, group.unit):
        raise RegistryError(OUT_OF_SCOPE, f"您无权向群组“{group.name}”导入聊天记录。")
    batch = ImportBatch.objects.create(
        file_name=path.name,
        file_sha256=_sha256(path),
        file_size=path.stat().st_size,
        format=reader_cls.name,
        group=group,
        started_by=actor if getattr(actor, "pk", None) else None,
        host=this_host(),
        pid=os.getpid(),
        heartbeat_at=timezone.now(),
    )
    summary = ImportSummary(batch)
    binder = _GroupBinder(actor, group)
    rejects = _Rejects(batch)
    try:
        with (
            path.open("rb") as fh,
            bulk.import_session(connections[ChatMessage.objects.db]),
            settled_heap(),
        ):
            pending: list[ChatRecord] = []
            size = batch_size()
            for item in reader_cls().read(fh):
                if isinstance(item, Reject):
                    batch.rejected += 1
                    rejects.add(item)
                    continue
                batch.read += 1
                pending.append(item)
                if len(pending) >= size:
                    _store(batch, pending, binder, rejects, summary)
                    pending = []
                    if progress is not None:
                        progress(_position(fh), batch.read)
            if pending:
                _store(batch, pending, binder, rejects, summary)
            if progress is not None:
                progress(batch.file_size, batch.read)
    except Exception as exc:
        batch.state = ImportState.FAILED
        batch.error = f"{type(exc).__name__}: {exc}"
        raise
    else:
        batch.state = ImportState.DONE
    finally:
        rejects.close()
        batch.rejects_file = str(rejects.path or "")
        batch.finished_at = timezone.now()
        batch.save()
        _log_import(actor, summary)
    return summary


def _position(fh: Any) -> int:
    try:
        return int(fh.tell())
    except (OSError, ValueError):
        return 0


@dataclass
class StoredRecords:
    """What ``store_records`` did with one list of records."""

    messages: list[ChatMessage] = field(default_factory=list)  # newly stored, in input order
    findings: list[Finding] = field(default_factory=list)  # audit findings on those messages
    duplicates: int = 0  # records already stored, or repeated within the list
    refused: list[tuple[ChatRecord, Group | None]] = field(default_factory=list)  # outside the actor's scope
    unregistered: dict[tuple[str, str], int] = field(
        default_factory=dict
    )  # (platform, account/name) → messages
    # The same groups as recorded in the registry of unregistered groups (未登记群组).
    sightings: list[UnregisteredGroup] = field(default_factory=list)
    stored: int = 0  # messages stored now (also when ``messages`` is not filled)
    found: int = 0  # findings stored now (also when ``findings`` is not filled)


def store_records(
    records: list[ChatRecord],
    *,
    actor: Any = None,
    group: Group | None = None,
    batch: ImportBatch | None = None,
) -> StoredRecords:
    """Store ``records`` once each, bound to their registered groups, audited; return what happened.

    The one path by which chat messages enter the database, whether from an export file
    (``do_import_chat_file``) or live from the bot gateway. In one transaction: records whose
    fingerprint is stored already are skipped as duplicates, the others are bound to a registered
    group (their own account, else ``group``, else an exact name the actor can see), recall records
    mark the message they recall, and every new text message is audited and its findings stored.
    Records of a group the actor may not add to are not stored but returned in ``refused``.
    Messages of a group the registry lacks are stored unbound and the group is recorded as an
    unregistered group (source: the import when ``batch`` is given, else the gateway).
    ``actor=None`` is the system (the operator's command or the gateway) and may add to any group.
    """
    return _store_records(records, _GroupBinder(actor, group), batch)


@dataclass(slots=True)
class _Target:
    """Where the records of one (platform, group account, group name) go: the group they bind
    to, whether the actor may add to it, and the group columns of their rows."""

    group: Group | None
    allowed: bool
    group_id: int | None
    account: str
    name: str

    @classmethod
    def of(cls, binder: _GroupBinder, record: ChatRecord) -> _Target:
        group = binder.bind(record)
        return cls(
            group,
            binder.allowed(group),
            group.pk if group is not None else None,
            (record.group_account or (group.account if group else ""))[:64],
            (record.group_name or (group.name if group else ""))[:100],
        )


def _store_records(
    records: list[ChatRecord], binder: _GroupBinder, batch: ImportBatch | None, *, objects: bool = True
) -> StoredRecords:
    """Store ``records`` in one transaction (see ``store_records``).

    With ``objects`` false (the import) the stored messages and findings are only counted
    (``stored``, ``found``): ``messages`` and ``findings`` stay empty, and the findings are
    written as plain rows.
    """
    result = StoredRecords()
    seen: dict[tuple[str, str], Sighting] = {}
    connection = connections[ChatMessage.objects.db]
    sqlite = connection.vendor == "sqlite"
    adapt = bulk.datetime_adapter(connection)
    batch_id = batch.pk if batch is not None else None
    with transaction.atomic():
        # What binding gives, per (platform, group account, group name) — all it depends on:
        # the group, whether the actor may add to it, and the row's group columns.
        targets: dict[tuple[str, str | None, str | None], _Target] = {}
        unique: set[str] = set()
        rows: list[tuple[Any, ...]] = []
        kept: list[tuple[ChatRecord, Group | None]] = []  # the record and group of each row
        refused: list[tuple[str, ChatRecord, Group | None]] = []
        add_row, keep, add_unique = rows.append, kept.append, unique.add
        for record in records:
            sent_at = record.sent_at
            if sqlite:
                # The UTC text SQLite stores (``2024-09-02 01:00:05``, Django's form) is the
                # fingerprint's second (``2024-09-02T01:00:05``) with a space: one conversion.
                second = utc_second(sent_at)
                fingerprint = record.fingerprint(second)
                at = (
                    second.replace("T", " ")
                    if not sent_at.microsecond
                    else sent_at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
                )
            else:
                fingerprint = record.fingerprint()
                at = adapt(sent_at)
            if fingerprint in unique:
                continue
            add_unique(fingerprint)
            where = (record.platform, record.group_account, record.group_name)
            target = targets.get(where)
            if target is None:
                target = targets[where] = _Target.of(binder, record)
            if not target.allowed:
                refused.append((fingerprint, record, target.group))
                continue
            keep((record, target.group))
            add_row(
                (
                    target.group_id,
                    record.platform,
                    target.account,
                    target.name,
                    fingerprint,
                    (record.message_id or "")[:64],
                    (record.sender_id or "")[:64],
                    record.sender_name[:100],
                    at,
                    record.kind,
                    record.text,
                    record.recalled,
                    batch_id,
                )
            )
        # The database skips what is stored already (ON CONFLICT): a re-run, an overlapping
        # export, or another import storing the same messages at this moment.
        ids = bulk.insert_messages(connection, rows)
        if refused:
            # Refused only if new: a message stored before stays a duplicate, as for anyone.
            known = set(
                ChatMessage.objects.filter(fingerprint__in=[f for f, _, _ in refused]).values_list(
                    "fingerprint", flat=True
                )
            )
            result.refused = [(record, group) for f, record, group in refused if f not in known]
        # Repeated inside this list (overlapping exports concatenated) or stored earlier.
        result.duplicates = len(records) - len(ids) - len(result.refused)
        new: list[_New] = []
        recalls: list[ChatRecord] = []
        append = new.append
        get_id = ids.get
        for row, (record, group) in zip(rows, kept, strict=True):
            pk = get_id(row[4])
            if pk is None:
                continue
            append((pk, record, group, row[2]))
            if group is None:
                key = (record.platform, record.group_account or record.group_name or "（未命名）")
                result.unregistered[key] = result.unregistered.get(key, 0) + 1
                if record.group_account or record.group_name:  # a nameless group cannot be registered
                    sighting = seen.setdefault(
                        key, Sighting(record.platform, record.group_account or "", record.group_name or "")
                    )
                    sighting.add(record.group_name or "", record.sent_at)
            if record.kind == "recall" and record.recalls_message_id:
                recalls.append(record)
        for record in recalls:
            ChatMessage.objects.filter(
                platform=record.platform,
                group_account=record.group_account or "",
                message_id=record.recalls_message_id,
            ).update(recalled=True)
        messages = {item[0]: _message(batch, item) for item in new} if objects else None
        finding_rows, finding_objects = _audit(new, messages)
        if messages is not None:
            result.messages = list(messages.values())
            Finding.objects.bulk_create(finding_objects, batch_size=500)
            result.findings = finding_objects
        else:
            bulk.insert_findings(connection, finding_rows)
            result.stored = len(new)
            result.found = len(finding_rows)
        if seen:
            result.sightings = note_sightings(
                list(seen.values()),
                source=SightingSource.IMPORT if batch is not None else SightingSource.GATEWAY,
                actor=binder.actor,
                batch=batch,
            )
    if objects:
        result.stored = len(result.messages)
        result.found = len(result.findings)
    return result


def _store(
    batch: ImportBatch,
    records: list[ChatRecord],
    binder: _GroupBinder,
    rejects: _Rejects,
    summary: ImportSummary,
) -> None:
    """Store one batch of an import in one transaction: new messages, recalls, findings, counts."""
    with transaction.atomic():
        result = _store_records(records, binder, batch, objects=False)
        batch.duplicates += result.duplicates
        for record, group in result.refused:
            batch.rejected += 1
            rejects.add(
                Reject(record.line, f"您无权导入群组“{group.name if group else ''}”的记录", record.text)
            )
        for key, count in result.unregistered.items():
            summary.unregistered[key] = summary.unregistered.get(key, 0) + count
        batch.stored += result.stored
        batch.findings += result.found
        # The heartbeat rides on the counters' UPDATE that each batch writes anyway: no statement
        # of its own, and a batch takes well under a second at the default size, far inside the stale threshold.
        batch.heartbeat_at = timezone.now()
        batch.save(update_fields=["read", "stored", "duplicates", "rejected", "findings", "heartbeat_at"])


# A record stored just now: (its message id, the record, its group, its group account). A plain
# tuple: an import makes one per message.
_New = tuple[int, ChatRecord, Group | None, str]


def _message(batch: ImportBatch | None, item: _New) -> ChatMessage:
    """Return the stored message of ``item`` as a model instance, as if read from the database."""
    pk, record, group, group_account = item
    message = ChatMessage(
        id=pk,
        group=group,
        platform=record.platform,
        group_account=group_account,
        group_name=(record.group_name or (group.name if group else ""))[:100],
        fingerprint=record.fingerprint(),
        message_id=(record.message_id or "")[:64],
        sender_id=(record.sender_id or "")[:64],
        sender_name=record.sender_name[:100],
        sent_at=record.sent_at,
        kind=record.kind,
        text=record.text,
        recalled=record.recalled,
        batch=batch,
    )
    message._state.adding = False
    message._state.db = ChatMessage.objects.db
    return message


def _audit(
    new: list[_New], messages: dict[int, ChatMessage] | None
) -> tuple[list[tuple[Any, ...]], list[Finding]]:
    """Audit the new messages; return the findings as rows (``bulk.FINDING_FIELDS``) and, when
    ``messages`` holds their model instances, as ``Finding`` instances too."""
    engine = auditor()
    scan = engine.scan
    audited = AUDITED_KINDS
    # (the stored item, its group account or None, its record) of each message to audit, in order.
    items = [
        (item, item[3] or None, record) for item in new if (record := item[1]).kind in audited and record.text
    ]
    # The batch's new texts normalised and scored by the n-gram models at once.
    engine.prepare([(record.text, group) for _, group, record in items])
    # One snapshot of the allow-list for the batch (it is re-read at most every few seconds):
    # with no entry in it, nothing is filtered and no model instance is needed.
    allowed = allowlist.current()
    rows: list[tuple[Any, ...]] = []
    objects: list[Finding] = []
    # (group, sender, timestamp, extra): made from one tuple, without the named tuple's
    # keyword-taking constructor — one per message in a long import.
    context = MessageContext._make
    no_extra = MessageContext._field_defaults["extra"]
    for item, group, record in items:
        found = scan(
            record.text,
            context((group, (record.sender_id or "")[:64] or None, timestamp(record.sent_at), no_extra)),
        )
        if not found:
            continue
        pk, _, target, _ = item
        msg = messages[pk] if messages is not None else None
        if allowed:
            # What a reviewer allow-listed (a phrase, or a sender under a rule) is not reported again.
            if msg is None:
                msg = _message(None, item)
            found = allowed.filter(msg, found)
        # A whole-message finding (chatter, rumour …) quotes the message itself as evidence; cut
        # that quote from the redacted text so that no phone or ID number is ever stored in it.
        redacted = redact(record.text, found) if found else record.text
        group_id = target.pk if target is not None else None
        for f in found:
            evidence = _quote(redacted, f) if is_message_level(f.category, f.rule) else f.evidence
            row = (
                pk,
                group_id,
                f.category,
                f.rule[:80],
                int(f.severity),
                f.start,
                f.end,
                evidence[:200],
                f.score,
                f.explanation[:300],
                record.sent_at,
            )
            rows.append(row)
            if messages is not None:
                objects.append(
                    Finding(
                        message=messages[pk],
                        group=target,
                        **dict(zip(bulk.FINDING_FIELDS[2:], row[2:], strict=True)),
                    )
                )
    return rows, objects


def _quote(redacted: str, finding: AuditFinding) -> str:
    quote = redacted[finding.start : finding.end]
    return quote if len(quote) <= 40 else quote[:39] + "…"


INTERRUPTED = "导入进程意外终止（被强制结束、断电或宕机），已存入的消息保留；重新导入同一文件即可继续。"


def this_host() -> str:
    """Return the name this host gives itself, as import batches record it (at most 255 characters)."""
    return socket.gethostname()[:255]


def process_alive(pid: int) -> bool:
    """Return whether a process with id ``pid`` runs on this host (one of another user counts too)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, but belongs to another user
    return True


def interrupted_imports(now: dt.datetime | None = None) -> list[ImportBatch]:
    """Return the batches still marked running whose import is gone, oldest first.

    A batch is gone when its heartbeat (or, for a batch from before heartbeats, its start) is
    older than ``QUNGUAN_IMPORT_STALE_SECONDS`` — whichever host ran it — or when it was started
    on this host by a process that no longer exists. A batch of another host with a fresh
    heartbeat, or of a live process here, is left running: that import is still going.
    """
    now = now or timezone.now()
    stale_before = now - dt.timedelta(seconds=settings.QUNGUAN_IMPORT_STALE_SECONDS)
    here = this_host()
    gone = []
    running = (
        ImportBatch.objects.filter(state=ImportState.RUNNING).select_related("group__unit").order_by("pk")
    )
    for batch in running:
        last = batch.heartbeat_at or batch.started_at
        if last < stale_before or (
            batch.host == here and batch.pid is not None and not process_alive(batch.pid)
        ):
            gone.append(batch)
    return gone


def do_close_interrupted_imports(actor: Any, *, now: dt.datetime | None = None) -> int:
    """Mark the import batches whose import was cut off as failed; return how many.

    Which batches: see ``interrupted_imports`` — safe to call while other imports run, on this
    host or others. Each closed batch gets one audit entry, so the interruption is on record.
    """
    closed = 0
    for batch in interrupted_imports(now):
        with transaction.atomic():
            # Re-read under the transaction: the import may have finished since it was listed.
            if not ImportBatch.objects.filter(pk=batch.pk, state=ImportState.RUNNING).update(
                state=ImportState.FAILED, error=INTERRUPTED, finished_at=timezone.now()
            ):
                continue
            batch.refresh_from_db(fields=["state", "error", "finished_at", "stored"])
            log.append(
                actor=actor,
                event=AuditEvent.CHATS_IMPORT_INTERRUPTED,
                obj=batch,
                unit_path=batch.group.unit.path if batch.group else "",
                summary=f"导入聊天记录“{batch.file_name}”中断：已存入 {batch.stored} 条，重新导入同一文件即可继续",
                after={
                    "state": batch.state,
                    "stored": batch.stored,
                    "host": batch.host,
                    "pid": batch.pid,
                    "heartbeat_at": batch.heartbeat_at.isoformat() if batch.heartbeat_at else None,
                },
            )
        closed += 1
    return closed


def _log_import(actor: Any, summary: ImportSummary) -> None:
    b = summary.batch
    state = "完成" if b.state == ImportState.DONE else "失败"
    with transaction.atomic():
        log.append(
            actor=actor,
            event=AuditEvent.CHATS_IMPORTED,
            obj=b,
            unit_path=b.group.unit.path if b.group else "",
            summary=(
                f"导入聊天记录“{b.file_name}”{state}：读取 {b.read} 条，新存入 {b.stored} 条，"
                f"重复 {b.duplicates} 条，无法读取 {b.rejected} 处，审查发现 {b.findings} 处"
            ),
            after=summary.as_dict(),
        )


__all__ = [
    "FormatError",
    "ImportSummary",
    "StoredRecords",
    "batch_size",
    "do_close_interrupted_imports",
    "do_import_chat_file",
    "interrupted_imports",
    "store_records",
]

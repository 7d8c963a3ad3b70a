"""Text in image messages (图片文字, OCR): read, audit like text, act on it like text.

An optional extra (``pip install 'qunguan[ocr]'``: rapidocr-onnxruntime, whose three ONNX models
ship inside its wheel under ``rapidocr_onnxruntime/models/``, so nothing is downloaded at run
time). When it is installed and ``QUNGUAN_GATEWAY_OCR`` is on, the image segments of a group
message (OneBot ``image``: its ``url``, else its ``file`` when that is an http(s) URL or a path
on this machine) are fetched — at most ``QUNGUAN_GATEWAY_OCR_MAX_BYTES``, within
``QUNGUAN_GATEWAY_OCR_TIMEOUT`` seconds — and read by one OCR worker thread, never on the
gateway's event loop nor its database thread. Reading starts as soon as the event is persisted
(``prefetch``); the text is appended to the stored message after ``图片文字：`` and audited with
the same engine (``audit_images``) — in the handling's transaction when the read is done by
then, else by the OCR thread once it is, so that an image never holds up the events behind it.
Findings in it carry evidence prefixed ``图片文字：`` and go through the same handling policy
(recall, warning, mute, notice) as findings in text; actions decided late are queued and sent
by the gateway within a second.

Without the extra, images are stored as before (``[图片]``) and one log line says OCR is off.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import OperationalError, connections, transaction

from qunguan.audit import Auditor, redact
from qunguan.audit.detectors.base import MessageContext
from qunguan.audit.mask import is_message_level
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.chats import allowlist
from qunguan.chats.actions import auditor
from qunguan.chats.models import ChatMessage, Finding
from qunguan.ingest.formats.onebot_v11 import parse_cq

if TYPE_CHECKING:
    from qunguan.gateway.models import InboxEvent
    from qunguan.ingest.records import ChatRecord

logger = logging.getLogger("qunguan.gateway")

PREFIX = "图片文字："
# Images read per message at most (a message of twenty screenshots is rare; each costs ~0.2 s).
MAX_IMAGES = 4
# Reads started but not yet taken by the handling; beyond this, new images wait for the handling.
MAX_PENDING = 500

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qunguan-ocr")
_pending: dict[int, Future[str]] = {}
_lock = threading.Lock()


class ImageUnreadable(Exception):
    """An image that could not be fetched or decoded; the message says why, in Chinese."""


def installed() -> bool:
    """Whether the OCR extra (rapidocr-onnxruntime) is installed."""
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@functools.cache
def enabled() -> bool:
    """Whether image text is read; says once in the log when it is not, and why."""
    if not settings.QUNGUAN_GATEWAY_OCR:
        logger.info("图片文字识别已关闭（QUNGUAN_GATEWAY_OCR=false）：图片消息只存储，不识别文字")
        return False
    if not installed():
        logger.info("未安装图片文字识别（pip install 'qunguan[ocr]'）：图片消息只存储，不识别文字")
        return False
    return True


@functools.cache
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    # Scale the longer side down to 960 px rather than the shorter side up to 736 (the package's
    # default blows a 500×80 screenshot up to 4800×736 and takes seconds); screenshots are upright,
    # so the rotation classifier is skipped.
    return RapidOCR(det_limit_type="max", det_limit_side_len=960, use_cls=False)


def start() -> None:
    """Say in the log whether OCR is on, and load its models in the OCR thread (about a second).

    Waits for the models: loading them in the background while events arrive held the
    interpreter long enough to delay the first recalls by 200 ms (make bench-gateway).
    """
    if enabled():
        _pool.submit(_engine).result()


def image_sources(event: dict[str, Any]) -> list[str]:
    """Return where the images of a message event are (``url``, else ``file``), at most ``MAX_IMAGES``."""
    raw = event.get("message")
    segments: list[Any] = parse_cq(raw) if isinstance(raw, str) else raw if isinstance(raw, list) else []
    found: list[str] = []
    for segment in segments:
        if not isinstance(segment, dict) or segment.get("type") != "image":
            continue
        data = segment.get("data")
        if not isinstance(data, dict):
            continue
        for key in ("url", "file"):
            value = data.get(key)
            if isinstance(value, str) and _usable(value.strip()):
                found.append(value.strip())
                break
    return found[:MAX_IMAGES]


def _usable(source: str) -> bool:
    scheme = urlsplit(source).scheme.lower()
    return scheme in ("http", "https", "file") or source.startswith("/")


def fetch(source: str, *, max_bytes: int, timeout: float) -> bytes:
    """Return the bytes of an image at an http(s) URL or a local path; raise ``ImageUnreadable``."""
    parts = urlsplit(source)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        # The URL comes from the OneBot implementation (QQ's image servers, or its own cache).
        request = urllib.request.Request(source, headers={"User-Agent": "qunguan"})  # noqa: S310 (scheme checked)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
                body: bytes = response.read(max_bytes + 1)
        except (OSError, ValueError) as exc:
            raise ImageUnreadable(f"无法下载图片：{exc}") from exc
    elif scheme == "file" or source.startswith("/"):
        path = Path(unquote(parts.path) if scheme == "file" else source)
        if not path.is_file():
            raise ImageUnreadable(f"图片文件不存在：{path}")
        with path.open("rb") as fh:
            body = fh.read(max_bytes + 1)
    else:
        raise ImageUnreadable(f"不读取这种地址的图片：{source[:80]}")
    if len(body) > max_bytes:
        raise ImageUnreadable(f"图片超过 {max_bytes} 字节，未识别文字")
    return body


def read_text(sources: list[str]) -> str:
    """Return the text read from the images at ``sources`` (lines joined by spaces; "" if none)."""
    texts: list[str] = []
    for source in sources:
        try:
            body = fetch(
                source,
                max_bytes=settings.QUNGUAN_GATEWAY_OCR_MAX_BYTES,
                timeout=settings.QUNGUAN_GATEWAY_OCR_TIMEOUT,
            )
            result, _ = _engine()(body)
        except ImageUnreadable as exc:
            logger.warning("图片文字识别跳过一张图片：%s", exc)
            continue
        except Exception:  # a corrupt image must not stop the others
            logger.exception("图片文字识别失败：%.80s", source)
            continue
        texts.extend(str(line[1]) for line in result or [] if len(line) > 1 and str(line[1]).strip())
    return " ".join(texts)


def prefetch(inbox_id: int, event: dict[str, Any]) -> None:
    """Start reading the images of a persisted message event in the OCR thread (returns at once)."""
    if not enabled():
        return
    sources = image_sources(event)
    if not sources:
        return
    with _lock:
        if len(_pending) < MAX_PENDING and inbox_id not in _pending:
            _pending[inbox_id] = _pool.submit(read_text, sources)


def _future(inbox_id: int, event: dict[str, Any]) -> Future[str] | None:
    """Return the read of a message event's images: the one ``prefetch`` started, or a new one."""
    with _lock:
        future = _pending.pop(inbox_id, None)
    if future is None:
        sources = image_sources(event)
        if sources:
            future = _pool.submit(read_text, sources)
    return future


def audit_images(
    chat: list[tuple[InboxEvent, ChatRecord, dict[str, Any]]], new: dict[str, ChatMessage]
) -> list[Finding]:
    """Audit the image text of newly stored messages; return the findings stored now.

    Runs inside the handling's transaction; ``new`` maps fingerprints to the messages just
    stored. An image already read is handled here, in that transaction: its text appended to
    the message after ``图片文字：``, its findings stored (spans in the whole text, evidence
    prefixed ``图片文字：``) and returned for the handling policy. An image still being read does
    not hold up the events behind it: once the transaction has committed and the read is done,
    the OCR thread audits it the same way and queues the policy's actions, which the gateway
    (and the NoneBot plugin) send within a second (``late``).
    """
    if not enabled():
        return []
    out: list[Finding] = []
    for row, record, event in chat:
        message = new.get(record.fingerprint())
        if message is None or event.get("post_type") != "message":
            with _lock:
                stale = _pending.pop(row.pk, None)  # a message stored before: read once is enough
            if stale is not None:
                stale.cancel()
            continue
        future = _future(row.pk, event)
        if future is None:
            continue
        if future.done():
            out += _audit_read(message, future)
            continue
        sender = event.get("sender")
        role = str(sender.get("role", "")) if isinstance(sender, dict) else ""
        late = functools.partial(_late, row.self_id, message.pk, role)
        # Only once the message is committed (the OCR thread must see it); a rolled-back
        # handling is retried event by event and reads the image again.
        transaction.on_commit(functools.partial(_hand_over, future, late))
    return out


def _hand_over(future: Future[str], late: Callable[[Future[str]], None]) -> None:
    with _lock:
        _late_count[0] += 1
    future.add_done_callback(late)  # runs at once, in this thread, if the read is done


def _audit_read(message: ChatMessage, future: Future[str]) -> list[Finding]:
    try:
        text = future.result()
    except Exception:
        logger.exception("图片文字识别失败（消息 #%s）", message.pk)
        return []
    if not text:
        return []
    found = _audit_text(message, text)
    group = message.group
    log.append(
        actor=None,
        event=AuditEvent.GATEWAY_IMAGE_TEXT_READ,
        obj=message,
        unit_path=group.unit.path if group is not None else "",
        summary=(
            f"识别群“{message.group_name or message.group_account}”中一条图片消息的文字"
            f"（{len(text)} 字），发现 {len(found)} 处问题"
        ),
        after={"chars": len(text), "findings": [f.category for f in found]},
    )
    return found


# Reads handed to ``_late`` and not finished yet (a list, so the lock guards one mutable cell).
_late_count = [0]
_idle = threading.Condition(_lock)
# Tries of a late audit that meets a locked database (another writer), 0.1 s apart.
LATE_TRIES = 50


def _late(self_id: str, message_pk: int, sender_role: str, future: Future[str]) -> None:
    """Audit a message's image text read after its handling; queue the policy's actions."""
    from qunguan.gateway import moderation
    from qunguan.gateway.models import ActionStatus, GatewayAction

    try:
        for attempt in range(LATE_TRIES):
            try:
                with transaction.atomic():
                    message = ChatMessage.objects.select_related("group__unit").get(pk=message_pk)
                    found = _audit_read(message, future)
                    calls = moderation.apply(self_id, message, found, sender_role=sender_role)
                    GatewayAction.objects.filter(pk__in=[c.action_id for c in calls if c.action_id]).update(
                        status=ActionStatus.QUEUED
                    )
                break
            except OperationalError:
                if attempt == LATE_TRIES - 1:
                    raise
                time.sleep(0.1)  # the database is busy with another writer; try again
    except Exception:
        logger.exception("图片文字审查失败（消息 #%s）", message_pk)
    finally:
        if threading.current_thread().name.startswith("qunguan-ocr"):
            connections.close_all()  # the OCR thread's own connection; the next audit opens one
        with _idle:
            _late_count[0] -= 1
            _idle.notify_all()


def wait_idle(timeout: float = 30) -> bool:
    """Wait until every image handed to the OCR thread is read and audited; return whether it was."""
    deadline = time.monotonic() + timeout
    with _idle:
        while _late_count[0] or not all(f.done() for f in _pending.values()):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _idle.wait(min(left, 0.05))
    return True


# Conversation detectors (flooding, bursts of chatter) judge a sender's messages, not an image's text.
_STATEFUL = ("harassment", "offtopic_burst")
_local = threading.local()


def _auditor() -> Auditor:
    """Return this thread's auditor of image text: the shipped policy without the conversation
    detectors. One per thread (the database thread, the OCR thread): an auditor keeps caches and
    is not shared between threads."""
    found: Auditor | None = getattr(_local, "auditor", None)
    if found is None:
        policy = auditor().policy
        found = _local.auditor = Auditor(
            policy.replace(disabled_detectors=(*policy.disabled_detectors, *_STATEFUL))
        )
    return found


def _audit_text(message: ChatMessage, text: str) -> list[Finding]:
    """Append ``text`` to the message, audit it and store its findings; return them."""
    start = len(message.text) + 1 + len(PREFIX)
    message.text = f"{message.text}\n{PREFIX}{text}"
    message.save(update_fields=["text"])
    context = MessageContext(
        group=message.group_account or None,
        sender=message.sender_id or None,
        timestamp=message.sent_at.timestamp(),
    )
    found = allowlist.filter_findings(message, _auditor().scan(text, context))
    redacted = redact(text, found) if found else text
    rows = []
    for f in found:
        if is_message_level(f.category, f.rule):  # quote the masked image text, never a raw number
            quote = redacted[f.start : f.end]
            evidence = quote if len(quote) <= 40 else quote[:39] + "…"
        else:
            evidence = f.evidence
        rows.append(
            Finding(
                message=message,
                group=message.group,
                category=f.category,
                rule=f.rule[:80],
                severity=int(f.severity),
                start=start + f.start,
                end=start + f.end,
                evidence=(PREFIX + evidence)[:200],
                score=f.score,
                explanation=f.explanation[:300],
                sent_at=message.sent_at,
            )
        )
    return Finding.objects.bulk_create(rows)

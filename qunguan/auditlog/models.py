"""The append-only, hash-chained audit log.

Each entry stores the hash of the previous entry and its own hash over a canonical JSON
form of its fields, so editing or deleting any entry breaks the chain at that point;
``qunguan verify-log`` walks the chain and reports the first break.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models


class AuditLogEntry(models.Model):
    seq = models.BigIntegerField(unique=True, help_text="1, 2, 3 … without gaps")
    created = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, help_text="who acted, kept even if the account goes")
    event_type = models.PositiveIntegerField(db_index=True)
    object_type = models.CharField(max_length=40, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True, blank=True)
    unit_path = models.CharField(max_length=255, blank=True, db_index=True, help_text="scope of the change")
    summary = models.CharField(max_length=500)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = "审计日志"

    def __str__(self) -> str:
        return f"#{self.seq} {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit log entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit log entries are append-only")

    def canonical(self) -> str:
        """Return the canonical JSON of the hashed fields."""
        return json.dumps(
            {
                "seq": self.seq,
                "created": self.created.isoformat(),
                "actor": self.actor_label,
                "event": self.event_type,
                "object": [self.object_type, self.object_id],
                "unit": self.unit_path,
                "summary": self.summary,
                "before": self.before,
                "after": self.after,
                "prev": self.prev_hash,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()


class AuditChainHead(models.Model):
    """One row holding the last sequence number and hash; locked while appending."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head at #{self.last_seq}"

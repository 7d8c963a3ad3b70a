"""API tokens (接口令牌) for scripts: ``Authorization: Bearer <token>``.

Only the SHA-256 of a token is stored; the token itself is shown once, when it is created.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "qg_"  # noqa: S105 — a public marker that tells tokens apart, not a secret


def hash_token(token: str) -> str:
    """Return the hex SHA-256 of ``token`` — the only form that is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="账号"
    )
    name = models.CharField("名称", max_length=100, help_text="用途说明，例如“备案统计脚本”")
    prefix = models.CharField(max_length=12, help_text="令牌开头几位，便于辨认；不足以使用令牌")
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField("创建时间", default=timezone.now)
    last_used = models.DateTimeField("最近使用", null=True, blank=True)
    revoked = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_active(self) -> bool:
        return self.revoked is None

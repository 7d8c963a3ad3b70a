"""The login form: Django's, plus the reason a directory sign-on was refused (not on the roster…)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from qunguan.accounts.models import User
from qunguan.registry import access

LOCAL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class LoginForm(AuthenticationForm):
    """Shows why LDAP refused a correct password (e.g. 工号 not on the roster) instead of "wrong password"."""

    @property
    def cas_enabled(self) -> bool:
        """Whether the login page offers the 统一身份认证 (CAS) button."""
        return bool(settings.QUNGUAN_CAS_SERVER_URL)

    def confirm_login_allowed(self, user: User) -> None:
        """Refuse a local password to anyone but the supervisor when QUNGUAN_LOCAL_LOGIN=supervisor."""
        super().confirm_login_allowed(user)
        local = getattr(user, "backend", "") == LOCAL_BACKEND
        if local and settings.QUNGUAN_LOCAL_LOGIN == "supervisor" and not access.is_supervisor(user):
            raise forms.ValidationError(
                "本校已启用统一身份认证，请使用统一身份认证账号登录；本地密码仅限党委宣传部使用。",
                code="sso_required",
            )

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            refusal = getattr(self.request, "sso_refusal", None)
            if refusal:
                raise forms.ValidationError(refusal, code="sso_refused") from None
            raise

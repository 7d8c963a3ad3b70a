"""Authentication backends for single sign-on: LDAP (password form) and CAS (ticket).

Both do nothing until their server is configured, so they can stay in AUTHENTICATION_BACKENDS
of every deployment. Local accounts (the supervisor's, made by ``qunguan createsuperuser``)
keep logging in through Django's ModelBackend, which runs first.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from qunguan.accounts import cas
from qunguan.accounts.actions import do_record_sign_on
from qunguan.accounts.ldap import DirectoryUnavailable, LDAPConfig, check_password
from qunguan.accounts.models import User
from qunguan.accounts.sso import DirectoryIdentity, SignOnRefused, account_for

logger = logging.getLogger(__name__)


def ldap_config() -> LDAPConfig | None:
    """Return the LDAP settings, or None when LDAP sign-on is off."""
    if not settings.QUNGUAN_LDAP_URL:
        return None
    return LDAPConfig(
        url=settings.QUNGUAN_LDAP_URL,
        user_base=settings.QUNGUAN_LDAP_USER_BASE,
        user_filter=settings.QUNGUAN_LDAP_USER_FILTER,
        number_attribute=settings.QUNGUAN_LDAP_NUMBER_ATTRIBUTE,
        bind_dn=settings.QUNGUAN_LDAP_BIND_DN,
        bind_password=settings.QUNGUAN_LDAP_BIND_PASSWORD,
        start_tls=settings.QUNGUAN_LDAP_START_TLS,
        ca_file=settings.QUNGUAN_LDAP_CA_FILE,
        timeout=settings.QUNGUAN_LDAP_TIMEOUT,
    )


class _UserLookup(BaseBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None


class LDAPBackend(_UserLookup):
    """Check the login form's user name and password against the campus LDAP directory."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        config = ldap_config()
        if config is None or not username or not password:
            return None
        try:
            entry = check_password(config, username, password)
        except DirectoryUnavailable as exc:
            logger.error("LDAP sign-on unavailable: %s", exc)
            return None
        if entry is None:
            return None
        identity = DirectoryIdentity("ldap", username, entry.number, entry.display_name)
        try:
            user = account_for(identity)
        except SignOnRefused as exc:
            logger.warning("LDAP sign-on of %s refused: %s", username, exc.code)
            if request is not None:
                request.sso_refusal = exc.message  # type: ignore[attr-defined]  # shown by the login page
            return None
        do_record_sign_on(user, source="ldap", login=username)
        return user


class CASBackend(_UserLookup):
    """Validate a CAS service ticket and return the account of the roster person it names.

    Raises ``cas.CASError`` and ``SignOnRefused`` so that the CAS view can tell the user why.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        cas_ticket: str | None = None,
        cas_service: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not settings.QUNGUAN_CAS_SERVER_URL or not cas_ticket or not cas_service:
            return None
        answer = cas.validate(
            settings.QUNGUAN_CAS_SERVER_URL,
            cas_ticket,
            cas_service,
            version=settings.QUNGUAN_CAS_VERSION,
            timeout=settings.QUNGUAN_CAS_TIMEOUT,
        )
        attribute = settings.QUNGUAN_CAS_NUMBER_ATTRIBUTE
        number = answer.attributes.get(attribute, "") if attribute else answer.user
        name = answer.attributes.get("displayName") or answer.attributes.get("cn") or ""
        user = account_for(DirectoryIdentity("cas", answer.user, number, name))
        do_record_sign_on(user, source="cas", login=answer.user)
        return user

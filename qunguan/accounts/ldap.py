"""Checking a password against the campus LDAP directory (ldap3, pure Python).

Search-then-bind: qunguan binds with its own service account (or anonymously), finds the one
entry that matches ``QUNGUAN_LDAP_USER_FILTER`` for the typed user name, then binds as that
entry with the typed password. The entry's ``QUNGUAN_LDAP_NUMBER_ATTRIBUTE`` is the 工号/学号.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from pathlib import Path

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LDAPConfig:
    url: str
    user_base: str
    user_filter: str = "(uid={username})"
    number_attribute: str = "employeeNumber"
    bind_dn: str = ""
    bind_password: str = ""
    start_tls: bool = False
    timeout: float = 5
    ca_file: str = ""  # PEM CA certificates the server's certificate must chain to; empty: the system's


@dataclass(frozen=True)
class LDAPEntry:
    dn: str
    number: str
    display_name: str


class DirectoryUnavailable(Exception):
    """The directory could not be asked (down, or qunguan's own bind refused)."""


def _tls(config: LDAPConfig) -> ldap3.Tls | None:
    """Return the TLS settings for ldaps:// and StartTLS: the server's certificate is always verified.

    ldap3's own default verifies nothing (``CERT_NONE``), which would send passwords to whoever
    answers; here the certificate must chain to ``ca_file`` (or the system's CAs) and name the host.
    """
    if not (config.start_tls or config.url.lower().startswith("ldaps://")):
        return None
    if config.ca_file and not Path(config.ca_file).is_file():
        raise DirectoryUnavailable(f"LDAP 的 CA 证书文件不存在或不可读：{config.ca_file}")
    return ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=config.ca_file or None)


def _server(config: LDAPConfig) -> ldap3.Server:
    return ldap3.Server(config.url, connect_timeout=config.timeout, get_info=ldap3.NONE, tls=_tls(config))


def _connection(config: LDAPConfig, user: str | None, password: str | None) -> ldap3.Connection:
    connection = ldap3.Connection(
        _server(config),
        user=user,
        password=password,
        receive_timeout=max(1, round(config.timeout)),  # ldap3 packs it into an integer socket option
        raise_exceptions=False,
    )
    connection.open()
    if config.start_tls and not connection.start_tls():
        # Never go on in clear text: the next step sends a password.
        raise DirectoryUnavailable(
            f"LDAP 服务器 {config.url} 的 StartTLS 失败：{connection.result.get('description') or connection.last_error}"
        )
    return connection


def check_password(config: LDAPConfig, username: str, password: str) -> LDAPEntry | None:
    """Return the directory entry of ``username`` if ``password`` is right, else None.

    An empty password never succeeds: LDAP treats a bind with a DN and no password as an
    anonymous bind that "succeeds". Raises ``DirectoryUnavailable`` when the directory cannot
    be reached or refuses qunguan's service account — a fault to report, not a wrong password.
    """
    if not username or not password:
        return None
    try:
        service = _connection(config, config.bind_dn or None, config.bind_password or None)
        if not service.bind():
            raise DirectoryUnavailable(f"LDAP 服务账号绑定失败：{service.result.get('description')}")
        query = config.user_filter.format(username=escape_filter_chars(username))
        service.search(
            config.user_base,
            query,
            search_scope=ldap3.SUBTREE,
            attributes=[config.number_attribute, "displayName", "cn"],
            size_limit=2,
        )
        entries = list(service.entries)
        service.unbind()
        if len(entries) != 1:
            if len(entries) > 1:
                logger.warning("LDAP filter %s matched more than one entry; refusing", query)
            return None
        entry = entries[0]
        user = _connection(config, entry.entry_dn, password)
        accepted = bool(user.bind())
        user.unbind()
    except LDAPException as exc:
        raise DirectoryUnavailable(f"无法连接 LDAP 服务器 {config.url}：{exc}") from exc
    if not accepted:
        return None
    return LDAPEntry(
        dn=entry.entry_dn,
        number=_first(entry, config.number_attribute),
        display_name=_first(entry, "displayName") or _first(entry, "cn"),
    )


def _first(entry: ldap3.Entry, attribute: str) -> str:
    if attribute not in entry.entry_attributes:
        return ""
    values = entry[attribute].values
    return str(values[0]).strip() if values else ""

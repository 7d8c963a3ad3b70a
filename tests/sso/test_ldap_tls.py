"""LDAP over TLS: StartTLS on ldap:// and LDAPS, against a real slapd with a CA made for the session.

The directory's certificate is verified against ``QUNGUAN_LDAP_CA_FILE``: a certificate of
another CA, a plain server asked for StartTLS, or a missing CA file refuse LDAP sign-on — the
password is never sent in clear text or to a server that could not prove who it is.
"""

from __future__ import annotations

from typing import Any

import pytest

from qunguan.accounts.backends import ldap_config
from qunguan.accounts.ldap import DirectoryUnavailable, check_password
from tests.sso.conftest import DIRECTORY, Slapd, TLSSlapd

pytestmark = pytest.mark.django_db
WANG = DIRECTORY["wangjg"]


def _configure(settings: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(settings, name, value)


def _log_in(client: Any) -> Any:
    return client.post("/accounts/login/", {"username": "wangjg", "password": WANG[2]})


@pytest.mark.parametrize("mode", ["starttls", "ldaps"])
def test_a_teacher_logs_in_over_tls_verified_against_the_configured_ca(
    client: Any, settings: Any, slapd_tls: TLSSlapd, cast: Any, mode: str
) -> None:
    url = slapd_tls.ldap_url if mode == "starttls" else slapd_tls.ldaps_url
    tls = {"QUNGUAN_LDAP_START_TLS": mode == "starttls", "QUNGUAN_LDAP_CA_FILE": str(slapd_tls.ca_file)}
    _configure(settings, slapd_tls.settings(url, **tls))

    response = _log_in(client)
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == cast.manager_a


@pytest.mark.parametrize("mode", ["starttls", "ldaps"])
def test_a_certificate_of_another_ca_refuses_the_sign_on(
    settings: Any, slapd_tls: TLSSlapd, mode: str
) -> None:
    url = slapd_tls.ldap_url if mode == "starttls" else slapd_tls.ldaps_url
    tls = {"QUNGUAN_LDAP_START_TLS": mode == "starttls", "QUNGUAN_LDAP_CA_FILE": str(slapd_tls.other_ca_file)}
    _configure(settings, slapd_tls.settings(url, **tls))
    config = ldap_config()
    assert config is not None
    with pytest.raises(DirectoryUnavailable):
        check_password(config, "wangjg", WANG[2])


def test_the_login_form_says_sign_on_is_unavailable_when_the_certificate_does_not_verify(
    client: Any, settings: Any, slapd_tls: TLSSlapd, cast: Any
) -> None:
    _configure(
        settings,
        slapd_tls.settings(
            slapd_tls.ldaps_url,
            QUNGUAN_LDAP_START_TLS=False,
            QUNGUAN_LDAP_CA_FILE=str(slapd_tls.other_ca_file),
        ),
    )
    response = _log_in(client)
    assert response.status_code == 200
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_starttls_to_a_server_without_tls_never_falls_back_to_clear_text(settings: Any, slapd: Slapd) -> None:
    _configure(settings, {**slapd.settings(), "QUNGUAN_LDAP_START_TLS": True})
    config = ldap_config()
    assert config is not None
    with pytest.raises(DirectoryUnavailable) as refused:
        check_password(config, "wangjg", WANG[2])
    assert "starttls" in str(refused.value).lower()


def test_a_missing_ca_file_is_named(settings: Any, slapd_tls: TLSSlapd, tmp_path: Any) -> None:
    missing = tmp_path / "ldap-ca.pem"
    _configure(settings, slapd_tls.settings(slapd_tls.ldaps_url, QUNGUAN_LDAP_CA_FILE=str(missing)))
    config = ldap_config()
    assert config is not None
    with pytest.raises(DirectoryUnavailable) as refused:
        check_password(config, "wangjg", WANG[2])
    assert str(refused.value) == f"LDAP 的 CA 证书文件不存在或不可读：{missing}"


def test_plain_ldap_without_starttls_still_works_where_the_campus_has_no_tls(
    client: Any, ldap_settings: Slapd, cast: Any
) -> None:
    assert _log_in(client).status_code == 302

"""LDAP sign-on through the ordinary login form, against a real slapd on loopback."""

from __future__ import annotations

import socket

import pytest

from qunguan.accounts.backends import ldap_config
from qunguan.accounts.ldap import DirectoryUnavailable, check_password
from qunguan.accounts.models import User
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from tests.conftest import PASSWORD
from tests.sso.conftest import DIRECTORY

pytestmark = pytest.mark.django_db


def log_in(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password})


def logged_in_user(client):  # type: ignore[no-untyped-def]
    return client.get("/").wsgi_request.user


def test_a_teacher_logs_in_with_the_directory_password_as_their_roster_persons_account(
    client, ldap_settings, cast
):
    response = log_in(client, "wangjg", DIRECTORY["wangjg"][2])
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user(client) == cast.manager_a
    groups = client.get("/groups/").content.decode()
    assert "作曲系教职工群" in groups
    assert "声乐系工作群" not in groups
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.USER_SIGNED_ON)
    assert entry.summary == "zuoqu 通过统一身份认证（LDAP，账号 wangjg）登录"


def test_a_wrong_directory_password_is_refused_like_any_wrong_password(client, ldap_settings, cast):
    response = log_in(client, "wangjg", "not-the-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors().as_data()[0].code == "invalid_login"
    assert not logged_in_user(client).is_authenticated


def test_the_supervisors_local_account_still_logs_in_with_ldap_on(client, ldap_settings, cast):
    response = log_in(client, "xcb", PASSWORD)
    assert response.status_code == 302
    assert logged_in_user(client) == cast.supervisor


def test_a_directory_user_not_on_the_roster_is_told_why(client, ldap_settings, cast):
    response = log_in(client, "stranger", DIRECTORY["stranger"][2])
    assert response.status_code == 200
    assert "工号/学号 X9999 不在花名册中，请联系本单位联络人补录后再登录。" in response.content.decode()
    assert not logged_in_user(client).is_authenticated


def test_a_roster_student_gets_an_account_on_first_ldap_login(client, ldap_settings, cast):
    response = log_in(client, "zhangxm", DIRECTORY["zhangxm"][2])
    assert response.status_code == 302
    account = User.objects.get(person=cast.student_a)
    assert logged_in_user(client) == account
    assert account.username == "2023010101"
    assert not account.has_usable_password()
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.USER_CREATED_BY_SSO).count() == 1


def test_an_empty_password_never_binds(ldap_settings):
    # LDAP accepts "DN + empty password" as an anonymous bind; that must not count as a login.
    config = ldap_config()
    assert config is not None
    assert check_password(config, "wangjg", "") is None


@pytest.mark.parametrize("username", ["*", "wang*", "wangjg)(uid=*", "*)(objectClass=*"])
def test_filter_characters_in_the_user_name_match_nobody(ldap_settings, username):
    config = ldap_config()
    assert config is not None
    assert check_password(config, username, DIRECTORY["wangjg"][2]) is None


def test_the_directory_entry_gives_dn_number_and_name(ldap_settings):
    config = ldap_config()
    assert config is not None
    entry = check_password(config, "lixl", DIRECTORY["lixl"][2])
    assert entry is not None
    assert entry.dn == "uid=lixl,ou=people,dc=example,dc=edu,dc=cn"
    assert (entry.number, entry.display_name) == ("T2001", "李秀兰")


def test_a_wrong_service_password_is_reported_as_unavailable_not_as_a_wrong_user_password(
    ldap_settings, settings
):
    settings.QUNGUAN_LDAP_BIND_PASSWORD = "wrong"
    config = ldap_config()
    assert config is not None
    with pytest.raises(DirectoryUnavailable, match="LDAP 服务账号绑定失败"):
        check_password(config, "wangjg", DIRECTORY["wangjg"][2])


def test_a_directory_that_is_down_fails_the_login_without_an_error_page(client, cast, settings, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.QUNGUAN_LDAP_URL = f"ldap://127.0.0.1:{port}"
    settings.QUNGUAN_LDAP_USER_BASE = "ou=people,dc=example,dc=edu,dc=cn"
    settings.QUNGUAN_LDAP_TIMEOUT = 2.0
    response = log_in(client, "wangjg", DIRECTORY["wangjg"][2])
    assert response.status_code == 200
    assert not logged_in_user(client).is_authenticated
    assert "LDAP sign-on unavailable" in caplog.text


def test_ldap_is_off_until_a_server_is_configured(settings):
    settings.QUNGUAN_LDAP_URL = ""
    assert ldap_config() is None

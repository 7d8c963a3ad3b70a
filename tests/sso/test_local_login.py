"""QUNGUAN_LOCAL_LOGIN: once single sign-on is on, local passwords may be kept for the supervisor only."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.sso.conftest import DIRECTORY

pytestmark = pytest.mark.django_db

SSO_REQUIRED = "本校已启用统一身份认证，请使用统一身份认证账号登录；本地密码仅限党委宣传部使用。"


def log_in(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_by_default_every_account_may_use_its_local_password(client, cast):
    assert log_in(client, "zuoqu", PASSWORD).status_code == 302


def test_supervisor_only_refuses_a_unit_managers_local_password_and_says_what_to_do(client, cast, settings):
    settings.QUNGUAN_LOCAL_LOGIN = "supervisor"
    response = log_in(client, "zuoqu", PASSWORD)
    assert response.status_code == 200
    assert SSO_REQUIRED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_supervisor_only_still_lets_the_supervisor_in_locally(client, cast, settings):
    settings.QUNGUAN_LOCAL_LOGIN = "supervisor"
    assert log_in(client, "xcb", PASSWORD).status_code == 302


def test_supervisor_only_lets_the_same_manager_in_through_ldap(client, cast, settings, ldap_settings):
    settings.QUNGUAN_LOCAL_LOGIN = "supervisor"
    response = log_in(client, "wangjg", DIRECTORY["wangjg"][2])
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == cast.manager_a


def test_a_bad_local_login_value_is_named(tmp_path):
    from tests.settings.test_profiles import django

    result = django(["check"], tmp_path, QUNGUAN_LOCAL_LOGIN="nobody")
    assert result.returncode != 0
    assert "QUNGUAN_LOCAL_LOGIN='nobody'" in result.stderr

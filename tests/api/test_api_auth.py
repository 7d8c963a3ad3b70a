"""Who may call the API: a browser session (with CSRF on writes) or an API token (接口令牌)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from qunguan.api.actions import do_create_api_token, do_revoke_api_token
from qunguan.api.errors import CSRF_MESSAGE, UNAUTHORIZED_MESSAGE
from qunguan.api.models import ApiToken, hash_token
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry.errors import RegistryError


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_anonymous_requests_are_401_with_a_chinese_message(cast):
    response = Client().get("/api/groups")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthorized", "message": UNAUTHORIZED_MESSAGE, "field": None}


def test_token_authenticates_as_its_user_with_the_users_scope(cast):
    _, token = do_create_api_token(None, cast.manager_a, name="统计脚本")
    response = Client().get("/api/groups", headers=bearer(token))
    assert response.status_code == 200
    assert [g["name"] for g in response.json()["items"]] == ["作曲系教职工群"]
    assert Client().get(f"/api/groups/{cast.group_b.pk}", headers=bearer(token)).status_code == 404


def test_token_writes_need_no_csrf_token(cast):
    _, token = do_create_api_token(None, cast.manager_a, name="登记脚本")
    client = Client(enforce_csrf_checks=True)
    response = client.patch(
        f"/api/groups/{cast.group_a.pk}",
        {"member_count": 46},
        content_type="application/json",
        headers=bearer(token),
    )
    assert response.status_code == 200
    history = AuditLogEntry.objects.filter(object_type="group", object_id=str(cast.group_a.pk)).last()
    assert history is not None
    assert history.actor_label == "zuoqu"


def test_revoked_token_is_401(cast):
    row, token = do_create_api_token(None, cast.supervisor, name="旧脚本")
    do_revoke_api_token(cast.supervisor, row)
    assert Client().get("/api/me", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("header", ["Bearer qg_not-a-real-token", "Bearer ", "Token abc", "Basic eHg6eHg="])
def test_wrong_or_malformed_tokens_are_401(cast, header):
    assert Client().get("/api/me", headers={"Authorization": header}).status_code == 401


def test_token_of_a_deactivated_account_is_401(cast):
    _, token = do_create_api_token(None, cast.manager_a, name="脚本")
    cast.manager_a.is_active = False
    cast.manager_a.save()
    assert Client().get("/api/me", headers=bearer(token)).status_code == 401


def test_only_the_hash_of_a_token_is_stored_and_use_is_noted(cast):
    row, token = do_create_api_token(None, cast.supervisor, name="脚本")
    assert token.startswith("qg_")
    assert row.token_hash == hash_token(token)
    assert token not in {row.token_hash, row.prefix}
    assert row.last_used is None
    Client().get("/api/me", headers=bearer(token))
    row.refresh_from_db()
    assert row.last_used is not None


def test_creating_and_revoking_a_token_is_audit_logged(cast):
    row, _ = do_create_api_token(cast.supervisor, cast.manager_a, name="统计脚本")
    do_revoke_api_token(cast.supervisor, row)
    do_revoke_api_token(cast.supervisor, row)  # idempotent: logged once
    events = list(
        AuditLogEntry.objects.filter(object_type="apitoken", object_id=str(row.pk)).values_list(
            "event_type", flat=True
        )
    )
    assert events == [AuditEvent.API_TOKEN_CREATED, AuditEvent.API_TOKEN_REVOKED]


def test_a_user_cannot_create_tokens_for_someone_else(cast):
    with pytest.raises(RegistryError) as excinfo:
        do_create_api_token(cast.manager_a, cast.manager_b, name="越权")
    assert excinfo.value.code == "out_of_scope"
    assert excinfo.value.message == "只能管理自己的接口令牌。"


def test_session_post_without_csrf_token_is_rejected(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.supervisor)
    response = client.post(f"/api/groups/{cast.group_b.pk}/dissolve", {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"code": "csrf_failed", "message": CSRF_MESSAGE, "field": None}
    cast.group_b.refresh_from_db()
    assert cast.group_b.status == "active"


def test_session_patch_without_csrf_token_is_rejected(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.supervisor)
    response = client.patch(f"/api/groups/{cast.group_b.pk}", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_session_post_with_csrf_token_is_accepted(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.supervisor)
    client.get("/api/docs")  # the docs page sets the CSRF cookie, as in a browser
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        f"/api/groups/{cast.group_b.pk}/dissolve",
        {},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 200


def test_session_reads_need_no_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.supervisor)
    assert client.get("/api/groups").status_code == 200


# ---------------------------------------------------------------- tokens through the API


def test_user_creates_lists_and_revokes_own_tokens_through_the_api(cast, api_as):
    client = api_as(cast.manager_a)
    created = client.post("/api/tokens", {"name": "备案统计"})
    assert created.status_code == 201
    token = created.json()["token"]
    assert Client().get("/api/me", headers=bearer(token)).json()["username"] == "zuoqu"
    [listed] = client.get("/api/tokens").json()
    assert "token" not in listed
    assert listed["name"] == "备案统计"
    revoked = client.post(f"/api/tokens/{listed['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked"] is not None
    assert Client().get("/api/me", headers=bearer(token)).status_code == 401


def test_user_cannot_revoke_someone_elses_token(cast, api_as):
    row, token = do_create_api_token(None, cast.manager_b, name="声乐系脚本")
    assert api_as(cast.manager_a).post(f"/api/tokens/{row.pk}/revoke").status_code == 404
    assert Client().get("/api/me", headers=bearer(token)).status_code == 200


# ---------------------------------------------------------------- the management command


def test_api_token_command_prints_a_working_token_once(cast):
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "create", "--user", "zuoqu", "--name", "统计脚本", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert token.startswith("qg_")
    assert "不会再次显示" in err.getvalue()
    assert Client().get("/api/me", headers=bearer(token)).json()["username"] == "zuoqu"
    row = ApiToken.objects.get(user=cast.manager_a)
    assert row.name == "统计脚本"

    listing = io.StringIO()
    call_command("api_token", "list", stdout=listing)
    assert "统计脚本" in listing.getvalue()
    assert token not in listing.getvalue()

    call_command("api_token", "revoke", str(row.pk), stdout=io.StringIO())
    assert Client().get("/api/me", headers=bearer(token)).status_code == 401


def test_api_token_command_refuses_an_unknown_user(cast):
    with pytest.raises(CommandError, match="没有用户名为 nobody 的账号。"):
        call_command("api_token", "create", "--user", "nobody", "--name", "x")

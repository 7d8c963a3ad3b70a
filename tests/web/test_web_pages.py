"""Every page renders, in Chinese, for the roles that may open it; anonymous users go to login."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

PAGES = [
    ("dashboard", {}),
    ("group_list", {}),
    ("group_register", {}),
    ("unit_tree", {}),
    ("roster_list", {}),
    ("roster_import", {}),
    ("selfcheck", {}),
    ("audit_log", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_every_page_renders_for_the_supervisor(cast, client_for, name, kwargs):
    response = client_for(cast.supervisor).get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    assert "群管" in response.text
    assert "宣传部 刘老师" in response.text  # the top bar names the user


def test_group_pages_render_for_the_supervisor(cast, client_for):
    client = client_for(cast.supervisor)
    for name in ("group_detail", "group_edit", "group_rules_upload"):
        response = client.get(reverse(name, args=[cast.group_a.pk]))
        assert response.status_code == 200, name
        assert cast.group_a.name in response.text


@pytest.mark.parametrize(("name", "kwargs"), [*PAGES, ("group_detail", {"group_id": 1})])
def test_anonymous_users_are_sent_to_login(db, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_login_page_is_chinese_and_logs_in(cast):
    client = Client()
    page = client.get(reverse("login"))
    assert "登录群管" in page.text
    response = client.post(
        reverse("login"), {"username": "xcb", "password": "correct-horse-battery-staple-9"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert "宣传部 刘老师" in client.get(reverse("dashboard")).text


def test_logout_is_a_post(cast, client_for):
    client = client_for(cast.supervisor)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_repeated_login_failures_show_a_chinese_lockout_page(cast, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": "zuoqu", "password": "wrong-password"})
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": "zuoqu", "password": "wrong-password"})
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.text
    assert f"连续 {settings.AXES_FAILURE_LIMIT} 次输入错误" in response.text
    # Even the right password is refused while locked.
    response = client.post(
        reverse("login"), {"username": "zuoqu", "password": "correct-horse-battery-staple-9"}
    )
    assert response.status_code == 429


def test_navigation_hides_the_audit_log_from_non_supervisors(cast, client_for):
    assert "审计日志" in client_for(cast.supervisor).get(reverse("dashboard")).text
    page = client_for(cast.manager_a).get(reverse("dashboard")).text
    assert "审计日志" not in page
    assert "单位联络人" in page


def test_audit_log_is_for_the_supervisor_only(cast, client_for):
    assert client_for(cast.manager_a).get(reverse("audit_log")).status_code == 403


def test_audit_log_verifies_the_chain(cast, client_for):
    response = client_for(cast.supervisor).post(reverse("audit_log"))
    assert response.status_code == 200
    assert "哈希链完整" in response.text


def test_static_assets_are_served_locally(cast, client_for):
    page = client_for(cast.supervisor).get(reverse("dashboard")).text
    assert "/static/web/qunguan.css" in page
    assert "http://" not in page.replace("http://testserver", "")
    assert "https://" not in page

"""CAS sign-on (统一身份认证) against a CAS 2.0/3.0 server double speaking the protocol over HTTP."""

from __future__ import annotations

import socket
import urllib.parse
import urllib.request

import pytest

from qunguan.accounts import cas as cas_protocol
from qunguan.accounts.models import User
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry

pytestmark = pytest.mark.django_db


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def sign_in_at_cas(location: str, user: str | None = None) -> str:
    """Play the browser at the CAS server: open its login page, return where CAS redirects to."""
    if user is not None:
        location += "&" + urllib.parse.urlencode({"user": user})
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(location, timeout=5)
    assert redirect.value.code == 302
    return redirect.value.headers["Location"]


def local_path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def cas_round_trip(client, next_page: str = "", user: str | None = None):  # type: ignore[no-untyped-def]
    start = client.get(
        "/accounts/cas/login/" + (f"?next={urllib.parse.quote(next_page)}" if next_page else "")
    )
    assert start.status_code == 302
    back = sign_in_at_cas(start["Location"], user)
    return client.get(local_path(back))


def test_cas_login_redirects_to_the_cas_server_with_this_site_as_service(client, cas, cast):
    response = client.get("/accounts/cas/login/?next=/groups/")
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == cas.base_url + "login"
    service = urllib.parse.parse_qs(location.query)["service"][0]
    assert service == "http://testserver/accounts/cas/login/?next=%2Fgroups%2F"


def test_a_teacher_signing_on_through_cas_lands_on_the_dashboard_with_the_roles_of_their_roster_person(
    client, cas, cast
):
    response = cas_round_trip(client)
    assert response.status_code == 302
    assert response["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert dashboard.wsgi_request.user == cast.manager_a  # the account of 王建国 (T1001)
    # The unit manager's scope came along: their college's group, not the sibling college's.
    groups = client.get("/groups/").content.decode()
    assert "作曲系教职工群" in groups
    assert "声乐系工作群" not in groups


def test_cas_validation_asks_the_cas3_endpoint_for_the_same_service(client, cas, cast):
    cas_round_trip(client, "/review/")
    validations = [r for r in cas.requests if "serviceValidate" in r]
    assert len(validations) == 1
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(validations[0]).query))
    assert validations[0].startswith("/cas/p3/serviceValidate?")
    assert query["service"] == "http://testserver/accounts/cas/login/?next=%2Freview%2F"
    assert query["ticket"].startswith("ST-")


def test_cas2_uses_the_plain_service_validate_endpoint(client, cas, cast, settings):
    settings.QUNGUAN_CAS_VERSION = "2"
    response = cas_round_trip(client)
    assert response.status_code == 302
    assert any(r.startswith("/cas/serviceValidate?") for r in cas.requests)


def test_the_number_may_come_from_a_cas_attribute(client, cas, cast, settings):
    settings.QUNGUAN_CAS_NUMBER_ATTRIBUTE = "schoolId"
    response = cas_round_trip(client, user="wangjg")
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == cast.manager_a


def test_a_roster_student_without_an_account_gets_one_without_roles_on_first_sign_on(client, cas, cast):
    response = cas_round_trip(client, user="2023010101")
    assert response.status_code == 302
    account = User.objects.get(person=cast.student_a)
    assert account.username == "2023010101"
    assert account.display_name == "张小明"
    assert not account.has_usable_password()
    assert not account.roles.exists()
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.USER_CREATED_BY_SSO)
    assert entry.summary == "张小明 通过统一身份认证（CAS）首次登录，开通账号 2023010101"
    # Signing on again uses the same account.
    client.logout()
    cas_round_trip(client, user="2023010101")
    assert User.objects.filter(person=cast.student_a).count() == 1
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.USER_CREATED_BY_SSO).count() == 1
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.USER_SIGNED_ON).count() == 2


def test_no_account_is_opened_when_the_deployment_turns_that_off(client, cas, cast, settings):
    settings.QUNGUAN_SSO_CREATE_ACCOUNTS = False
    response = cas_round_trip(client, user="2023010101")
    assert response.status_code == 403
    assert "张小明（2023010101）尚未开通群管账号，请联系党委宣传部。" in response.content.decode()
    assert not User.objects.filter(person=cast.student_a).exists()


def test_a_cas_user_not_on_the_roster_is_refused_with_what_to_do(client, cas, cast):
    response = cas_round_trip(client, user="X9999")
    assert response.status_code == 403
    assert "工号/学号 X9999 不在花名册中，请联系本单位联络人补录后再登录。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_ticket_is_good_only_once(client, cas, cast):
    start = client.get("/accounts/cas/login/")
    back = local_path(sign_in_at_cas(start["Location"]))
    assert client.get(back).status_code == 302
    client.logout()
    replay = client.get(back)
    assert replay.status_code == 403
    assert "INVALID_TICKET" in replay.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_ticket_issued_for_another_service_is_refused(client, cas, cast):
    start = client.get("/accounts/cas/login/?next=/groups/")
    back = urllib.parse.urlsplit(sign_in_at_cas(start["Location"]))
    ticket = dict(urllib.parse.parse_qsl(back.query))["ticket"]
    response = client.get(f"/accounts/cas/login/?next=/review/&ticket={ticket}")
    assert response.status_code == 403
    assert "INVALID_SERVICE" in response.content.decode()


def test_next_pointing_off_site_lands_on_the_dashboard(client, cas, cast):
    response = cas_round_trip(client, "https://evil.example.com/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_an_unreachable_cas_server_gives_a_clear_page_not_an_error(client, cast, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.QUNGUAN_CAS_SERVER_URL = f"http://127.0.0.1:{port}/cas/"
    response = client.get("/accounts/cas/login/?ticket=ST-1")
    assert response.status_code == 403
    assert "无法连接统一身份认证服务器" in response.content.decode()


def test_cas_login_is_not_found_when_cas_is_not_configured(client, db, settings):
    settings.QUNGUAN_CAS_SERVER_URL = ""
    assert client.get("/accounts/cas/login/").status_code == 404


def test_cas_logout_ends_the_local_session_and_the_cas_session(client, cas, cast):
    cas_round_trip(client)
    response = client.post("/accounts/cas/logout/")
    assert response.status_code == 302
    assert response["Location"].startswith(cas.base_url + "logout?service=")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        (b"not xml", "bad_response", "不是有效的 XML"),
        (b"<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'/>", "bad_response", "没有用户名"),
        (
            b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]>"
            b"<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>&a;</cas:serviceResponse>",
            "bad_response",
            "不是有效的 XML",
        ),
    ],
)
def test_a_bad_validation_answer_is_refused_with_a_reason(body, code, text):
    with pytest.raises(cas_protocol.CASError) as refused:
        cas_protocol.parse_validation(body)
    assert refused.value.code == code
    assert text in refused.value.message


def test_the_login_page_offers_cas_only_when_it_is_configured(client, db, settings):
    settings.QUNGUAN_CAS_SERVER_URL = ""
    assert 'id="cas-login"' not in client.get("/accounts/login/").content.decode()
    settings.QUNGUAN_CAS_SERVER_URL = "https://cas.example.edu.cn/cas/"
    page = client.get("/accounts/login/?next=/review/").content.decode()
    assert (
        '<a class="btn btn-block" id="cas-login" href="/accounts/cas/login/?next=/review/">统一身份认证登录</a>'
        in page
    )

"""Behind nginx: login lockout (django-axes) sees each client's own address.

nginx connects from 127.0.0.1 and appends the address it saw to ``X-Forwarded-For``
(``$proxy_add_x_forwarded_for``). qunguan believes that header only from the proxies in
``QUNGUAN_TRUSTED_PROXIES``; otherwise one person's lockout would lock out everyone behind
the proxy, or a forged header would let anyone escape the lockout.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.urls import reverse

from qunguan.accounts.client_ip import client_ip, parse_trusted_proxies

PROXY = "127.0.0.1"
WRONG = {"username": "zuoqu", "password": "wrong-password"}
RIGHT = {"username": "zuoqu", "password": "correct-horse-battery-staple-9"}


@pytest.fixture
def behind_nginx(settings):
    settings.QUNGUAN_TRUSTED_PROXIES = (PROXY, "10.20.0.0/16")
    return settings


def _through(remote: str, forwarded: str | None = None) -> Client:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client(**extra)


def _lock_out(client: Client, limit: int) -> None:
    for _ in range(limit):
        response = client.post(reverse("login"), WRONG)
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.text


def test_two_clients_behind_the_proxy_are_locked_out_separately(cast, behind_nginx) -> None:
    first = _through(PROXY, "198.51.100.7")
    second = _through(PROXY, "198.51.100.8")
    _lock_out(first, behind_nginx.AXES_FAILURE_LIMIT)

    assert second.post(reverse("login"), RIGHT).status_code == 302  # the other client logs in
    assert first.post(reverse("login"), RIGHT).status_code == 429  # the first stays locked
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_without_trusted_proxies_everyone_behind_the_proxy_shares_one_lockout(cast, settings) -> None:
    settings.QUNGUAN_TRUSTED_PROXIES = ()
    _lock_out(_through(PROXY, "198.51.100.7"), settings.AXES_FAILURE_LIMIT)
    # The header is ignored: the second client is the proxy's address too, and is locked out.
    assert _through(PROXY, "198.51.100.8").post(reverse("login"), RIGHT).status_code == 429


def test_forged_header_from_an_address_that_is_not_the_proxy_is_ignored(cast, behind_nginx) -> None:
    attacker = "203.0.113.9"
    for n in range(behind_nginx.AXES_FAILURE_LIMIT):
        # A new made-up address each try: were it believed, the lockout would never come.
        response = _through(attacker, f"192.0.2.{n + 1}").post(reverse("login"), WRONG)
    assert response.status_code == 429
    assert _through(attacker, "192.0.2.200").post(reverse("login"), RIGHT).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {attacker}


def test_client_writing_its_own_header_through_the_proxy_is_still_locked_out(cast, behind_nginx) -> None:
    # nginx appends what it saw to what the client sent: only the rightmost hop is nginx's word.
    for n in range(behind_nginx.AXES_FAILURE_LIMIT):
        response = _through(PROXY, f"192.0.2.{n + 1}, 198.51.100.7").post(reverse("login"), WRONG)
    assert response.status_code == 429
    assert _through(PROXY, "10.0.0.1, 198.51.100.7").post(reverse("login"), RIGHT).status_code == 429


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "198.51.100.7", "198.51.100.7"),
        (PROXY, "192.0.2.1, 198.51.100.7", "198.51.100.7"),
        (PROXY, "198.51.100.7, 10.20.3.4", "198.51.100.7"),  # two trusted hops: nginx behind a balancer
        ("10.20.3.4", "2001:db8::7", "2001:db8::7"),
        (PROXY, "198.51.100.7:51234", "198.51.100.7"),
        (PROXY, "[2001:db8::7]:51234", "2001:db8::7"),
        (PROXY, None, PROXY),  # no header: the proxy itself (a health check)
        (PROXY, "10.20.3.4", PROXY),  # only trusted hops
        (PROXY, "unknown", PROXY),  # garbled: never a guess
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # not a proxy: header ignored
        ("10.21.0.1", "198.51.100.7", "10.21.0.1"),  # outside the trusted network
    ],
)
def test_client_address_resolution(behind_nginx, remote, forwarded, expected) -> None:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **extra)) == expected


def test_trusted_proxies_setting_is_parsed_strictly() -> None:
    assert parse_trusted_proxies(" 127.0.0.1, 10.0.0.0/8 ,::1,") == ("127.0.0.1", "10.0.0.0/8", "::1")
    assert parse_trusted_proxies("") == ()
    with pytest.raises(ImproperlyConfigured) as error:
        parse_trusted_proxies("127.0.0.1, nginx")
    assert (
        str(error.value) == "QUNGUAN_TRUSTED_PROXIES: “nginx”不是 IP 地址或网段（例：127.0.0.1, 10.0.0.0/24）"
    )

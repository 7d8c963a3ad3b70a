"""CAS sign-on (统一身份认证): send the browser to the campus CAS server and take the ticket back."""

from __future__ import annotations

import logging
import urllib.parse

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from qunguan.accounts import cas
from qunguan.accounts.backends import CASBackend
from qunguan.accounts.sso import SignOnRefused

logger = logging.getLogger(__name__)
BACKEND = "qunguan.accounts.backends.CASBackend"


def _next(request: HttpRequest) -> str:
    """Return the page to land on after sign-on: ``next`` if it is on this site, else the dashboard."""
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _service(request: HttpRequest, target: str) -> str:
    """Return this view's absolute address carrying ``next``: the CAS "service" identifier."""
    query = urllib.parse.urlencode({"next": target})
    return request.build_absolute_uri(reverse("cas_login")) + "?" + query


def cas_login(request: HttpRequest) -> HttpResponse:
    """Without a ticket, redirect to CAS; with one, validate it, log in and go to ``next``."""
    if not settings.QUNGUAN_CAS_SERVER_URL:
        raise Http404("未启用统一身份认证（CAS）。")
    target = _next(request)
    service = _service(request, target)
    ticket = request.GET.get("ticket", "")
    if not ticket:
        if request.user.is_authenticated:
            return HttpResponseRedirect(target)
        return HttpResponseRedirect(cas.login_url(settings.QUNGUAN_CAS_SERVER_URL, service))
    try:
        user = CASBackend().authenticate(request, cas_ticket=ticket, cas_service=service)
    except cas.CASError as exc:
        logger.warning("CAS ticket refused: %s", exc.message)
        return _refused(request, exc.message)
    except SignOnRefused as exc:
        logger.warning("CAS sign-on refused: %s", exc.code)
        return _refused(request, exc.message)
    if user is None:
        return _refused(request, "统一身份认证未返回用户，请重新登录。")
    login(request, user, backend=BACKEND)
    return HttpResponseRedirect(target)


def cas_logout(request: HttpRequest) -> HttpResponse:
    """Log out here, then end the campus-wide CAS session too (POST, like Django's logout)."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    logout(request)
    if not settings.QUNGUAN_CAS_SERVER_URL:
        return HttpResponseRedirect(resolve_url(settings.LOGOUT_REDIRECT_URL))
    back = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    return HttpResponseRedirect(cas.logout_url(settings.QUNGUAN_CAS_SERVER_URL, back))


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "accounts/sso_refused.html", {"message": message}, status=403)

"""Operator endpoints: liveness (/healthz), readiness (/health) and Prometheus metrics (/metrics)."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from qunguan.ops import health, metrics


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Cheap enough for a load balancer to poll every second."""
    return JsonResponse({"status": "ok"})


@never_cache
def health_view(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 with every check when all pass, 503 naming what failed otherwise."""
    ok, checks = health.run_checks()
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)


def _from_loopback(request: HttpRequest) -> bool:
    # Behind nginx every request comes from 127.0.0.1; a forwarded header means it did not start here.
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def metrics_allowed(request: HttpRequest) -> bool:
    """With QUNGUAN_METRICS_TOKEN set, the bearer token is required; without it, loopback only."""
    token = settings.QUNGUAN_METRICS_TOKEN
    if token:
        scheme, _, sent = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())
    return _from_loopback(request)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The metrics in Prometheus text format; 403 for a caller that is neither local nor holds the token."""
    if not metrics_allowed(request):
        return HttpResponse(
            "拒绝访问：请在 Authorization 头中提供 QUNGUAN_METRICS_TOKEN，或从本机访问。\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4; charset=utf-8")

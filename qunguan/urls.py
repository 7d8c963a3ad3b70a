"""Top-level URL map: the web UI, the REST API (with its OpenAPI document) and health."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("qunguan.web.urls")),
]

"""Top-level URL map: the web UI, the REST API (with its OpenAPI document) and health."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from qunguan.api.main import api


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/", api.urls),
    path("", include("qunguan.web.urls")),
]

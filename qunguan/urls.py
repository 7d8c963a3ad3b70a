"""Top-level URL map: the web UI, the REST API (with its OpenAPI document) and health."""

from django.urls import include, path

from qunguan.api.main import api
from qunguan.ops import views as ops

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("health", ops.health_view, name="health"),
    path("metrics", ops.metrics_view, name="metrics"),
    path("accounts/", include("qunguan.accounts.urls")),
    path("api/", api.urls),
    path("", include("qunguan.web.urls")),
]

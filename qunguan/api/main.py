"""The API object mounted at ``/api/``: routers, authentication, error shapes, local docs.

``/api/docs`` is Swagger UI rendered from the assets django-ninja ships (``ninja`` is in
INSTALLED_APPS, so they are served from ``/static/ninja/``); no CDN is contacted, and the
online spec validator badge is switched off, because campus networks are often offline.
``/api/openapi.json`` is the OpenAPI document.
"""

from __future__ import annotations

from ninja import NinjaAPI, Swagger
from ninja.renderers import JSONRenderer

from qunguan.api import errors
from qunguan.api.auth import API_AUTH
from qunguan.api.routers import approvals, audit, checks, groups, me, people, units
from qunguan.api.routers import bots as bot_routes
from qunguan.api.routers import campaigns as campaign_routes
from qunguan.api.routers import members as members_routes
from qunguan.api.routers import notifications as notification_routes
from qunguan.api.routers import review as review_routes
from qunguan.api.routers import unregistered as unregistered_routes

DESCRIPTION = """\
群管（qunguan）接口：单位树、花名册、群组登记、规则检查、备案登记表与发布前自查。

认证：浏览器会话（提交数据须带 `X-CSRFToken` 头），或脚本使用接口令牌
`Authorization: Bearer qg_…`（`qunguan api-token create --user 用户名 --name 用途` 创建）。

每个接口只返回您管理范围内的数据；范围外的对象与不存在的对象一样返回 404。
错误统一为 `{"code": "...", "message": "中文说明", "field": ...}`。
"""


class ReadableJSONRenderer(JSONRenderer):
    """JSON with Chinese left as UTF-8 rather than \\uXXXX escapes, so responses read as they are."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="qunguan 群管 API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=API_AUTH,
    renderer=ReadableJSONRenderer(),
    # validatorUrl=None: Swagger UI would otherwise fetch a badge from validator.swagger.io
    docs=Swagger(settings={"validatorUrl": None}),
)
errors.install(api)
api.add_router("/units", units.router)
api.add_router("/groups", groups.router)
api.add_router("/people", people.router)
api.add_router("/checks", checks.router)
api.add_router("/audit", audit.router)
api.add_router("/review", review_routes.router)
api.add_router("/groups", members_routes.router)
api.add_router("/approvals", approvals.router)
api.add_router("/groups", approvals.restore_router)
api.add_router("/incidents", approvals.incidents_router)
api.add_router("/campaigns", campaign_routes.router)
api.add_router("/unregistered", unregistered_routes.router)
api.add_router("", bot_routes.router)
api.add_router("/notifications", notification_routes.router)
api.add_router("", me.router)

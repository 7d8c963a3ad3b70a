"""qunguan's REST API (django-ninja): typed, scoped, with its OpenAPI document and docs served locally.

Endpoints only parse (pydantic schemas), reach objects through ``qunguan.registry.access``,
call a domain action and serialise; see ``qunguan.api.main`` for the mounted routers.
"""

"""The OpenAPI document and the docs page are served by the app itself, with no CDN."""

from __future__ import annotations

import re

from django.test import Client

EXPECTED_PATHS = {
    "/api/units": {"get"},
    "/api/units/{unit_id}": {"get"},
    "/api/units/{unit_id}/filing.{fmt}": {"get"},
    "/api/groups": {"get", "post"},
    "/api/groups/{group_id}": {"get", "patch"},
    "/api/groups/{group_id}/dissolve": {"post"},
    "/api/groups/{group_id}/history": {"get"},
    "/api/people": {"get"},
    "/api/people/{person_id}": {"get"},
    "/api/checks": {"get"},
    "/api/audit/scan": {"post"},
    "/api/audit/scan-docx": {"post"},
    "/api/me": {"get"},
    "/api/tokens": {"get", "post"},
    "/api/tokens/{token_id}/revoke": {"post"},
}


def _resolve(doc, ref: str):
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_openapi_document_describes_every_endpoint(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "qunguan 群管 API"
    assert doc["info"]["version"] == "1"
    for path, methods in EXPECTED_PATHS.items():
        assert path in doc["paths"], path
        assert methods <= set(doc["paths"][path]), path


def test_openapi_document_is_internally_consistent(db):
    doc = Client().get("/api/openapi.json").json()
    for ref in set(_refs(doc)):
        assert ref.startswith("#/components/schemas/")
        _resolve(doc, ref)  # raises KeyError when a reference dangles
    operation_ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    for ops in doc["paths"].values():
        for op in ops.values():
            assert op["responses"], op["operationId"]
            assert {"TokenAuth", "ActiveSessionAuth"} & {k for s in op.get("security", []) for k in s}


def test_openapi_document_names_both_auth_schemes(db):
    schemes = Client().get("/api/openapi.json").json()["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert any(s.get("in") == "cookie" for s in schemes.values())


def test_docs_page_loads_only_local_assets(db):
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "qunguan 群管 API" in html
    assert not re.search(r"https?://", html), "the docs page must not load anything from the internet"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(a.startswith("/static/") for a in assets), assets
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
    assert '"url": "/api/openapi.json"' in html


def test_docs_assets_are_served_by_the_app(db):
    html = Client().get("/api/docs").content.decode()
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        response = Client().get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body

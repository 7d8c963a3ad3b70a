"""Security headers, the Content-Security-Policy and cookie flags, as the browser receives them.

The production profile's values are read from a fresh process started with
``QUNGUAN_PROFILE=production`` (settings are fixed at start-up), then the same values are applied
here to check what a browser gets over HTTPS.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qunguan.ops.security import POLICY
from tests.conftest import PASSWORD
from tests.settings.test_profiles import LONG_KEY, django

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(ROOT.glob("qunguan/**/templates/**/*.html"))
PRODUCTION_SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
]


def profile_settings(tmp_path: Path, **env: str) -> dict[str, object]:
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {PRODUCTION_SETTINGS!r}}}))"
    )
    result = django(["shell", "-v", "0", "-c", code], tmp_path, SECRET_KEY=LONG_KEY, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return profile_settings(
        tmp_path_factory.mktemp("production"), QUNGUAN_PROFILE="production", ALLOWED_HOSTS="testserver"
    )


def test_the_policy_is_strict():
    directives = dict(d.split(" ", 1) for d in POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in POLICY
    assert "http" not in POLICY  # nothing from another origin: the campus network may be offline


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/groups/", "/units/", "/api/docs", "/healthz"])
def test_every_response_carries_the_security_headers(client, cast, path):
    if path != "/accounts/login/":  # the login page sends a signed-in user on to the dashboard
        client.force_login(cast.supervisor)
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_needs_unsafe_inline(template):
    """Scripts and styles come from static files only; the policy would block inline ones."""
    text = template.read_text(encoding="utf-8")
    assert not re.search(r"\sstyle\s*=", text), "inline style attribute: use a class (web/csp.css)"
    assert not re.search(r"<style[\s>]", text), "inline <style>: move it to a static stylesheet"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler: bind it in a static script"
    assert "javascript:" not in text
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, f"inline script {tag}"


def test_rendered_pages_carry_no_inline_style_or_script(client, cast):
    client.force_login(cast.supervisor)
    for path in [
        "/",
        "/groups/",
        f"/groups/{cast.group_a.pk}/",
        "/units/",
        "/roster/",
        "/review/",
        "/selfcheck/",
    ]:
        html = client.get(path).content.decode()
        assert not re.search(r"<[^>]+\sstyle=", html), path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path


def test_embedded_profile_allows_plain_http_on_one_machine(tmp_path):
    embedded = profile_settings(tmp_path)
    assert embedded["SESSION_COOKIE_SECURE"] is False
    assert embedded["SECURE_SSL_REDIRECT"] is False
    assert embedded["SECURE_HSTS_SECONDS"] == 0
    assert embedded["SESSION_COOKIE_HTTPONLY"] is True


def test_production_profile_is_https_only(production):
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["SECURE_HSTS_SECONDS"] >= 31536000  # type: ignore[operator]


@pytest.fixture
def production_settings(settings, production):
    for name, value in production.items():
        setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    return settings


def test_in_production_cookies_are_secure_and_http_only(client, cast, production_settings):
    login = client.get("/accounts/login/", secure=True)
    csrf = login.cookies["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"
    response = client.post(
        "/accounts/login/",
        {"username": "xcb", "password": PASSWORD},
        secure=True,
        headers={"Referer": "https://testserver/accounts/login/"},
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_in_production_https_answers_carry_hsts(client, db, production_settings):
    response = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_in_production_plain_http_is_redirected_to_https_without_hsts(client, db, production_settings):
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"
    assert "Strict-Transport-Security" not in response

"""How an API request proves who it is: a bearer token (scripts) or the web session (browser).

The token is tried first so that scripts never need a CSRF token; the session check enforces
CSRF on unsafe methods, exactly as the web UI's forms do.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from qunguan.api.actions import authenticate_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer qg_…`` — an API token created with ``qunguan api-token create``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token.strip())
        if user is not None:
            # the rest of Django (e.g. templates, logging) expects request.user too
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """The logged-in web session, with CSRF checked on POST/PATCH/DELETE."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


API_AUTH = [TokenAuth(), ActiveSessionAuth(csrf=True)]

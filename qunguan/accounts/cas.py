"""The CAS protocol (统一身份认证), versions 2.0 and 3.0, as a client.

1. The browser is sent to ``{server}login?service={service}``.
2. CAS sends it back to ``{service}&ticket=ST-…``.
3. qunguan asks ``{server}serviceValidate`` (2.0) or ``{server}p3/serviceValidate`` (3.0) whether
   the ticket was issued for this service, and reads the user (and, in 3.0, attributes) from the
   XML answer. A ticket is good once, for the service it was issued for.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException, ElementTree

CAS_NS = "{http://www.yale.edu/tp/cas}"


class CASError(Exception):
    """The ticket could not be validated; ``message`` is Chinese and names the cause."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CASUser:
    """The validated user: the CAS login name and, for CAS 3.0, its attributes (first values)."""

    user: str
    attributes: dict[str, str] = field(default_factory=dict)


def _endpoint(server_url: str, path: str) -> str:
    return urllib.parse.urljoin(server_url.rstrip("/") + "/", path)


def login_url(server_url: str, service: str) -> str:
    """Return the CAS login address that brings the browser back to ``service`` with a ticket."""
    return _endpoint(server_url, "login") + "?" + urllib.parse.urlencode({"service": service})


def logout_url(server_url: str, service: str) -> str:
    """Return the CAS logout address (ends the campus-wide session, then back to ``service``)."""
    return _endpoint(server_url, "logout") + "?" + urllib.parse.urlencode({"service": service})


def validate(
    server_url: str, ticket: str, service: str, *, version: str = "3", timeout: float = 5
) -> CASUser:
    """Ask the CAS server whether ``ticket`` was issued for ``service``; return the user.

    Raises ``CASError``: ``unreachable`` (network, HTTP status), ``bad_response`` (not CAS XML)
    or ``rejected`` (the server's own code and text, e.g. INVALID_TICKET).
    """
    path = "p3/serviceValidate" if version == "3" else "serviceValidate"
    url = _endpoint(server_url, path) + "?" + urllib.parse.urlencode({"service": service, "ticket": ticket})
    if not url.startswith(("http://", "https://")):
        raise CASError("unreachable", f"CAS 服务器地址 {server_url} 不是 http(s) 地址。")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 (scheme checked above)
            body = answer.read(1_000_000)
    except (urllib.error.URLError, OSError) as exc:
        raise CASError("unreachable", f"无法连接统一身份认证服务器（{exc}），请稍后再试。") from exc
    return parse_validation(body)


def parse_validation(body: bytes) -> CASUser:
    """Read a ``cas:serviceResponse`` document; return the user or raise ``CASError``."""
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException) as exc:  # DTDs and entities are refused
        raise CASError("bad_response", f"统一身份认证服务器的应答不是有效的 XML（{exc}）。") from exc
    failure = root.find(f"{CAS_NS}authenticationFailure")
    if failure is not None:
        code = failure.get("code", "UNKNOWN")
        text = (failure.text or "").strip()
        raise CASError("rejected", f"统一身份认证未通过（{code}：{text}），请重新登录。")
    success = root.find(f"{CAS_NS}authenticationSuccess")
    user = success.find(f"{CAS_NS}user") if success is not None else None
    if user is None or not (user.text or "").strip():
        raise CASError("bad_response", "统一身份认证服务器的应答中没有用户名。")
    attributes: dict[str, str] = {}
    holder = success.find(f"{CAS_NS}attributes") if success is not None else None
    for element in holder if holder is not None else []:
        name = element.tag.removeprefix(CAS_NS)
        attributes.setdefault(name, (element.text or "").strip())
    return CASUser(user=(user.text or "").strip(), attributes=attributes)

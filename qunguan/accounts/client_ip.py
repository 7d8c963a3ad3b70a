"""The address a request came from, as login throttling (django-axes) must see it behind nginx.

Behind a reverse proxy every request reaches Django from the proxy's address, so throttling by
``REMOTE_ADDR`` alone would lock every user out as soon as one of them hit the limit. nginx adds
the client's address to ``X-Forwarded-For``; that header is believed only when the request
came from a proxy named in ``QUNGUAN_TRUSTED_PROXIES`` — anyone else could write any address in
it and so escape the lockout. The header is read from the right: each hop appends the address it
saw, so the rightmost address that is not itself a trusted proxy is the client (what a client
wrote on the left is never reached while a trusted hop follows it).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:  # settings import this module: nothing heavier than django.conf at load time
    from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(raw: str) -> tuple[str, ...]:
    """Return the addresses and networks of ``QUNGUAN_TRUSTED_PROXIES`` (comma-separated).

    Raises ``ImproperlyConfigured`` naming the entry that is neither an address nor a network.
    """
    entries = tuple(part.strip() for part in raw.split(",") if part.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"QUNGUAN_TRUSTED_PROXIES: “{entry}”不是 IP 地址或网段（例：127.0.0.1, 10.0.0.0/24）"
            ) from None
    return entries


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: Iterable[Network]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's address: ``X-Forwarded-For`` when a trusted proxy sent it, else the peer's."""
    remote = str(request.META.get("REMOTE_ADDR") or "") or None
    networks = _networks(tuple(getattr(settings, "QUNGUAN_TRUSTED_PROXIES", ())))
    peer = _address(remote or "")
    if peer is None or not networks or not _trusted(peer, networks):
        return remote
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    for hop in reversed(forwarded.split(",")):
        address = _address(hop)
        if address is None:
            return remote  # a garbled header: fall back to the proxy, never to a guess
        if not _trusted(address, networks):
            return str(address)
    return remote

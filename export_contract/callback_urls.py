"""Which `callbackUrl`s a job may have (rule J8).

MUST: an absolute `http`/`https` URL. REF: its host may not be (or resolve to) a loopback,
private, link-local or otherwise non-public address unless the operator allows it: a webhook
is a request the backend makes on a client's behalf, and pointed inside the operator's network
it would probe or reach services no client should (server-side request forgery).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

__all__ = ["CallbackRefused", "check_callback_url", "refused_address", "resolve_host"]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class CallbackRefused(ValueError):
    """The callback URL is unusable; the message says why and what to send instead."""


def check_callback_url(url: str) -> str:
    """The URL's host, when `url` is an absolute http(s) URL with one (rule J8, MUST)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise CallbackRefused(f"callbackUrl: not a valid URL ({exc}); send an absolute "
                              "http(s) URL such as https://app.example.com/hooks/exports") from exc
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise CallbackRefused("callbackUrl: expected an absolute http(s) URL such as "
                              f"https://app.example.com/hooks/exports, got {url[:80]!r}")
    return host


def resolve_host(host: str) -> list[IpAddress]:
    """The addresses `host` stands for: itself when it is one, else what DNS answers.

    Raises OSError when it does not resolve.
    """
    literal = _literal_address(host)
    if literal is not None:
        return [literal]
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def refused_address(addresses: list[IpAddress]) -> IpAddress | None:
    """The first address that is not public (loopback, private, link-local, ...), if any."""
    for address in addresses:
        mapped = getattr(address, "ipv4_mapped", None) or address
        if not mapped.is_global or mapped.is_multicast:
            return address
    return None


def _literal_address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None

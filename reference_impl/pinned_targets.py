"""A webhook request sent to the address its target was checked at.

Refusing non-public callback targets (rule J8, REF) means resolving the host and checking
every address. If the HTTP client then resolved the name again, a DNS answer that changed in
between (DNS rebinding: a short TTL, a public address first and a private one next) would
reach the address that was never checked. So the request goes to the checked address itself,
with the name kept where it matters: the `Host` header, and for `https` the TLS server name
(SNI) the certificate is verified against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from export_contract.callback_urls import IpAddress

__all__ = ["PinnedRequest", "pinned_request"]


@dataclass(frozen=True)
class PinnedRequest:
    url: str
    headers: dict[str, str]
    extensions: dict[str, Any] = field(default_factory=dict)


def pinned_request(url: str, address: IpAddress) -> PinnedRequest:
    """`url` rewritten to reach `address`, with the headers and TLS name its host needs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if address.version == 6 else str(address)
    port = f":{parts.port}" if parts.port is not None else ""
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{literal}{port}" if userinfo else f"{literal}{port}"
    host_header = parts.netloc.rpartition("@")[2]
    extensions = {"sni_hostname": host} if parts.scheme.lower() == "https" else {}
    return PinnedRequest(urlunsplit(parts._replace(netloc=netloc)), {"Host": host_header},
                         extensions)

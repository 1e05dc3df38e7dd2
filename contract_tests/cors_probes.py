"""CORS preflights from the configured origin, sent without the key (X1, A4).

What actual cross-origin responses expose (X2) is judged by the observers on every response.
"""

from __future__ import annotations

from .client import Exchange, ProbeClient
from .observers import BATCH_PATH, SINGLE_PATH
from .results import Evidence
from .verdicts import Verdicts

__all__ = ["run_cors_probes"]

_REQUESTED_HEADERS = ("content-type", "x-api-key")


def _tokens(exchange: Exchange, name: str) -> set[str]:
    return {token.strip().lower() for value in exchange.header_values(name)
            for token in value.split(",") if token.strip()}


def _preflight_problems(exchange: Exchange, origin: str) -> list[Evidence]:
    problems = []
    allow_origin = exchange.headers.get("access-control-allow-origin")
    if allow_origin not in (origin, "*"):
        problems.append(exchange.evidence(
            f"the preflight does not allow Origin {origin}",
            f"Access-Control-Allow-Origin: {allow_origin or '(missing)'}"))
    methods = _tokens(exchange, "access-control-allow-methods")
    if "post" not in methods and "*" not in methods:
        problems.append(exchange.evidence(
            "the preflight does not allow POST",
            "Access-Control-Allow-Methods: "
            + (", ".join(exchange.header_values("access-control-allow-methods")) or "(missing)")))
    headers = _tokens(exchange, "access-control-allow-headers")
    missing = [h for h in _REQUESTED_HEADERS if h not in headers and "*" not in headers]
    if missing:
        problems.append(exchange.evidence(
            "the preflight does not allow header(s) " + ", ".join(missing),
            "Access-Control-Allow-Headers: "
            + (", ".join(exchange.header_values("access-control-allow-headers")) or "(missing)")))
    return problems


def run_cors_probes(client: ProbeClient, verdicts: Verdicts, origin: str) -> None:
    """X1 on the full preflight; A4 on every preflight's refusal plus a minimal one.

    A preflight refused for a header the backend does not allow (often a 400) breaks X1, not
    A4: A4 fails when a preflight is refused as unauthorised, or when even a preflight asking
    for no header at all is refused.
    """
    for path in (SINGLE_PATH, BATCH_PATH):
        for query in ("", "?responseType=urls"):
            ex = _preflight(client, path + query, _REQUESTED_HEADERS)
            ok_status = 200 <= ex.status < 300
            verdicts.judge("cors-preflight-without-key", [] if ex.status not in (401, 403) else [
                ex.evidence(f"a CORS preflight without x-api-key got {ex.status}: preflights "
                            "must not need the key")])
            verdicts.judge("cors-preflight-allows-post", (_preflight_problems(ex, origin)
                           if ok_status else [ex.evidence(
                               f"the CORS preflight failed with {ex.status}")]))
        minimal = _preflight(client, path, ())
        verdicts.judge("cors-preflight-without-key", [] if 200 <= minimal.status < 300 else [
            minimal.evidence(f"a CORS preflight without x-api-key (and asking for no extra "
                             f"header) got {minimal.status}, not 2xx")])


def _preflight(client: ProbeClient, path: str, headers: tuple[str, ...]) -> Exchange:
    extra = {"Access-Control-Request-Method": "POST"}
    if headers:
        extra["Access-Control-Request-Headers"] = ",".join(headers)
    return client.send("OPTIONS", path, key=None, extra_headers=extra)

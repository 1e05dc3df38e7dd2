"""Probes of a backend's limits (Q5), and of batches silently cut short (Q7).

A backend's limits are its own. When it declares them (``--max-items``, ``--max-body-bytes``)
they are checked at both edges (MUST): exactly N items accepted, N+1 refused, a body just over
the size limit refused. Without declared limits only the SHOULD probe runs: 10,000 items and a
16 MiB body should be refused. The reference profile checks our own limits (REF: 413 beyond
100 items or 1 MiB, or beyond the declared ones).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from .client import Exchange, ProbeClient
from .exports import KnownExport, unknown_url
from .observers import BATCH_PATH
from .showing import shown_body
from .verdicts import Verdicts

__all__ = ["REFERENCE_MAX_BODY_BYTES", "REFERENCE_MAX_ITEMS", "run_limit_probes"]

UNDECLARED_ITEMS = 10_000
UNDECLARED_BODY_BYTES = 16 * 1024 * 1024
REFERENCE_MAX_ITEMS = 100
REFERENCE_MAX_BODY_BYTES = 1024 * 1024
_URLS = {"responseType": "urls"}
_REFUSED = (400, 413)


def run_limit_probes(client: ProbeClient, verdicts: Verdicts, known: Sequence[KnownExport], *,
                     max_items: int | None, max_body_bytes: int | None) -> list[str]:
    """Run the Q5 probes that apply; return notes for the report."""
    notes: list[str] = []
    if max_items is None and max_body_bytes is None:
        notes.append("limits not declared: Q5 was checked by its SHOULD probe only (10,000 "
                     "items, a 16 MiB body); pass --max-items N --max-body-bytes N to check "
                     "the backend's own edges")
        if verdicts.wants("limits-undeclared-probe", "batch-items-not-collapsed"):
            _undeclared(client, verdicts, known)
    elif verdicts.wants("limits-declared-edges"):
        notes += _declared(client, verdicts, known, max_items, max_body_bytes)
    if verdicts.wants("limits-reference"):
        _reference(client, verdicts, max_items or REFERENCE_MAX_ITEMS,
                   max_body_bytes or REFERENCE_MAX_BODY_BYTES)
    return notes


def _items(count: int, known: Sequence[KnownExport], label: str) -> list[dict[str, str]]:
    """``count`` unknown items, the last one a known export when there is one (a backend that
    cuts a batch to its limit then answers 404: the known item is never looked at)."""
    items = [{"sourceFileUrl": unknown_url(f"{label}-{n}.pdf")} for n in range(count)]
    if known and items:
        items[-1] = {"sourceFileUrl": known[0].source_file_url}
    return items


def _body_of_size(size: int) -> dict[str, object]:
    """A one-item batch whose JSON encoding is exactly ``size`` bytes (padded)."""
    body: dict[str, object] = {"items": [{"sourceFileUrl": unknown_url("padded.pdf")}],
                               "padding": ""}
    overhead = len(json.dumps(body, ensure_ascii=False).encode())
    body["padding"] = "x" * max(0, size - overhead)
    return body


def _undeclared(client: ProbeClient, verdicts: Verdicts, known: Sequence[KnownExport]) -> None:
    many = {"items": _items(UNDECLARED_ITEMS, known, "many")}
    ex = client.post_json(BATCH_PATH, many, params=_URLS)
    verdicts.judge("limits-undeclared-probe", [] if ex.status in _REFUSED else [ex.evidence(
        f"a batch of {UNDECLARED_ITEMS:,} items answered {ex.status}; without declared limits "
        "it should be refused with 400 or 413 (declare your limits with --max-items)")])
    if known and ex.status == 404:
        verdicts.fail("batch-items-not-collapsed", ex.evidence(
            f"a {UNDECLARED_ITEMS:,}-item batch whose last item is a known export answered 404: "
            "the batch was cut short (that item was never looked at); a batch over the "
            "backend's limit is refused with 400 or 413"))
    elif known and ex.status == 200:
        _judge_not_cut_short(ex, verdicts)
    big = _body_of_size(UNDECLARED_BODY_BYTES)
    ex = client.post_json(BATCH_PATH, big)
    verdicts.judge("limits-undeclared-probe", [] if ex.status in _REFUSED else [ex.evidence(
        f"a {UNDECLARED_BODY_BYTES:,}-byte body answered {ex.status}; without declared limits "
        "it should be refused with 400 or 413 (declare your limits with --max-body-bytes)")])


def _judge_not_cut_short(ex: Exchange, verdicts: Verdicts) -> None:
    """A 200 for a huge batch whose last item is known must list that item (Q7)."""
    try:
        urls = ex.json().get("exportedUrls")
    except (ValueError, AttributeError):
        return
    if isinstance(urls, list):
        verdicts.judge("batch-items-not-collapsed", [] if urls else [ex.evidence(
            f"a {UNDECLARED_ITEMS:,}-item batch whose last item is a known export answered 200 "
            "with no exported URL: the batch was cut short and that item has no outcome")])


def _declared(client: ProbeClient, verdicts: Verdicts, known: Sequence[KnownExport],
              max_items: int | None, max_body_bytes: int | None) -> list[str]:
    notes: list[str] = []
    if max_items is not None:
        at_limit = {"items": _items(max_items, known, "edge")}
        size = len(json.dumps(at_limit).encode())
        if max_body_bytes is not None and size > max_body_bytes:
            notes.append(f"--max-items {max_items}: a batch of that many items takes {size:,} "
                         f"bytes, over --max-body-bytes {max_body_bytes:,}; the item edge was "
                         "not checked")
        else:
            ex = client.post_json(BATCH_PATH, at_limit, params=_URLS)
            allowed = (200,) if known else (200, 404)
            verdicts.judge("limits-declared-edges", [] if ex.status in allowed else [
                ex.evidence(f"a batch of exactly {max_items:,} items (the declared limit) "
                            f"answered {ex.status}; allowed: "
                            + " or ".join(map(str, allowed)), shown_body(ex.content))])
        over = {"items": _items(max_items + 1, known, "over")}
        ex = client.post_json(BATCH_PATH, over, params=_URLS)
        verdicts.judge("limits-declared-edges", [] if ex.status in _REFUSED else [ex.evidence(
            f"a batch of {max_items + 1:,} items (one over the declared limit) answered "
            f"{ex.status}; allowed: 400 or 413")])
    if max_body_bytes is not None:
        ex = client.post_json(BATCH_PATH, _body_of_size(max_body_bytes + 1))
        verdicts.judge("limits-declared-edges", [] if ex.status in _REFUSED else [ex.evidence(
            f"a body of {max_body_bytes + 1:,} bytes (one over the declared limit) answered "
            f"{ex.status}; allowed: 400 or 413")])
    return notes


def _reference(client: ProbeClient, verdicts: Verdicts, max_items: int,
               max_body_bytes: int) -> None:
    over = {"items": _items(max_items + 1, (), "ref-over")}
    ex = client.post_json(BATCH_PATH, over, params=_URLS)
    verdicts.judge("limits-reference", [] if ex.status == 413 else [ex.evidence(
        f"a batch of {max_items + 1:,} items answered {ex.status}; the reference answers 413 "
        f"beyond {max_items:,} items")])
    ex = client.post_json(BATCH_PATH, _body_of_size(max_body_bytes + 1))
    verdicts.judge("limits-reference", [] if ex.status == 413 else [ex.evidence(
        f"a body of {max_body_bytes + 1:,} bytes answered {ex.status}; the reference answers "
        f"413 beyond {max_body_bytes:,} bytes")])

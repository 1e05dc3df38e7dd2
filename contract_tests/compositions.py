"""Batch compositions: known, unknown, repeated and colliding items in random order and number.

Hypothesis draws the compositions; each one is sent in both modes and judged against the
single downloads of its items (S1, S2, B1, Q7, Z1-Z6, U1, U3, U4). A fixed set of telling
compositions (a repeat, a collision, a partial and an empty resolution) always runs first,
so even one example per property covers them.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from .client import Exchange, ProbeClient
from .downloads import judge_file_response
from .exports import KnownExport, collision_groups, unknown_url
from .observers import BATCH_PATH
from .showing import shown, shown_body
from .url_mode import IssuedUrls, everything_skipped, follow_exported_urls, judge_batch_urls
from .verdicts import Verdicts
from .zips import judge_zip

__all__ = ["BatchItem", "compositions", "explicit_compositions", "judge_none_resolved",
           "run_compositions", "send_batch"]

MAX_ITEMS = 12
_TOKEN = string.ascii_lowercase + string.digits + "-"


@dataclass(frozen=True)
class BatchItem:
    url: str
    export: KnownExport | None


def _known(export: KnownExport) -> BatchItem:
    return BatchItem(export.source_file_url, export)


def _unknown(token: str) -> BatchItem:
    return BatchItem(unknown_url(f"{token}.pdf"), None)


def compositions(known: Sequence[KnownExport]) -> st.SearchStrategy[list[BatchItem]]:
    """Random batches; colliding exports are drawn together, in any order."""
    unknown = st.text(_TOKEN, min_size=1, max_size=10).map(lambda t: [_unknown(t)])
    parts: list[st.SearchStrategy[list[BatchItem]]] = [unknown]
    if known:
        single = st.sampled_from(list(known)).map(lambda e: [_known(e)])
        parts = [single, single, unknown]
        groups = collision_groups(known)
        if groups:
            parts.append(st.sampled_from(groups).flatmap(st.permutations)
                         .map(lambda group: [_known(e) for e in group]))
    chunks = st.lists(st.one_of(parts), min_size=1, max_size=6)
    return chunks.map(lambda lists: [item for chunk in lists for item in chunk][:MAX_ITEMS])


def explicit_compositions(known: Sequence[KnownExport]) -> list[list[BatchItem]]:
    """The compositions every run checks, whatever hypothesis draws."""
    cases = [[_unknown("never-registered")]]
    if not known:
        return cases
    first = known[0]
    cases += [
        [_known(first), _known(first)],
        [_unknown("missing-before"), _known(first), _unknown("missing-after")],
        [_known(e) for e in known][:MAX_ITEMS],
    ]
    for group in collision_groups(known):
        cases.append([_known(e) for e in group] + [_known(group[0])])
    return cases


def send_batch(client: ProbeClient, items: Sequence[BatchItem], *, urls: bool) -> Exchange:
    body = {"items": [{"sourceFileUrl": item.url} for item in items]}
    return client.post_json(BATCH_PATH, body, params={"responseType": "urls"} if urls else None)


def judge_batch_status(exchange: Exchange, items: Sequence[BatchItem], verdicts: Verdicts, *,
                       urls: bool) -> bool:
    """S1 / B1 / S2 for a batch; True when the answer is a 200 worth looking into."""
    resolved = [item for item in items if item.export is not None]
    size = len(items)
    listed = "items: " + ", ".join(shown(i.url) for i in items)
    if not resolved:
        judge_none_resolved(exchange, verdicts, batch_urls=urls, size=size, details=listed)
        return False
    check = "all-resolved-ok" if len(resolved) == len(items) else "batch-partial-resolution"
    what = ("every item resolves" if check == "all-resolved-ok"
            else f"{len(resolved)} of {len(items)} items resolve")
    verdicts.judge(check, [] if exchange.status == 200 else [exchange.evidence(
        f"{what} but the batch answered {exchange.status}, not 200", listed)], size)
    return exchange.status == 200


def judge_none_resolved(exchange: Exchange, verdicts: Verdicts, *, batch_urls: bool,
                        size: int = 1, details: str = "") -> None:
    """S2: 404; batch URL mode may instead answer 200 with every item skipped (MUST)."""
    extra = [details] if details else []
    verdicts.judge("none-resolved-404-everywhere", [] if exchange.status == 404 else [
        exchange.evidence(f"no item resolves and the answer is {exchange.status}; the "
                          "reference answers 404 in all four variants", *extra)], size)
    if exchange.status == 404:
        verdicts.ok("none-resolved-not-found")
        return
    if batch_urls and exchange.status == 200:
        if everything_skipped(exchange):
            verdicts.ok("none-resolved-not-found")
            return
        verdicts.fail("none-resolved-not-found", exchange.evidence(
            "no item resolves: batch URL mode may answer 200 only with no exported URL and "
            "every item in skipped", shown_body(exchange.content), *extra), size)
        return
    allowed = "404, or 200 with every item in skipped" if batch_urls else "404"
    verdicts.fail("none-resolved-not-found", exchange.evidence(
        f"no item resolves and the answer is {exchange.status}; allowed: {allowed}",
        shown_body(exchange.content), *extra), size)


def check_composition(client: ProbeClient, verdicts: Verdicts, items: Sequence[BatchItem],
                      follow_urls: bool, issued: IssuedUrls | None = None) -> None:
    """Send one composition in both modes and judge both answers."""
    resolved = [item.export for item in items if item.export is not None]
    zipped = send_batch(client, items, urls=False)
    if judge_batch_status(zipped, items, verdicts, urls=False):
        judge_file_response(zipped, verdicts, batch=True)
        judge_zip(zipped, resolved, verdicts)
    listed = send_batch(client, items, urls=True)
    if judge_batch_status(listed, items, verdicts, urls=True):
        urls = judge_batch_urls(listed, [i.url for i in items], [i.export for i in items],
                                verdicts)
        if follow_urls and urls is not None and len(urls) == len(resolved):
            follow_exported_urls(client, urls, resolved, verdicts, listed, issued)


def run_compositions(client: ProbeClient, verdicts: Verdicts, known: Sequence[KnownExport], *,
                     max_examples: int, seed: int, follow_urls: bool,
                     issued: IssuedUrls | None = None,
                     on_example: Callable[[], None] = lambda: None) -> None:
    for items in explicit_compositions(known):
        check_composition(client, verdicts, items, follow_urls, issued)
        on_example()

    @hypothesis_seed(seed)
    @settings(max_examples=max_examples, database=None, deadline=None,
              phases=(Phase.generate,), suppress_health_check=list(HealthCheck),
              print_blob=False)
    @given(compositions(known))
    def batch_property(items: list[BatchItem]) -> None:
        check_composition(client, verdicts, items, follow_urls, issued)
        on_example()

    batch_property()

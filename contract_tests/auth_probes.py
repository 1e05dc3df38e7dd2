"""Auth probes: missing, empty and random wrong keys on all four variants (A2).

The valid key's side (A3) is judged on every exchange by the observers. The reference's choice
(REF: missing 401, wrong 403, before the body is looked at) is judged on the same probes plus
two with an unusable body.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from .client import API_KEY_HEADER, Exchange, ProbeClient
from .exports import KnownExport, unknown_url
from .observers import BATCH_PATH, SINGLE_PATH
from .verdicts import Verdicts

__all__ = ["run_auth_probes", "wrong_keys"]

_KEY_ALPHABET = string.ascii_letters + string.digits + "-_.~+/="


def _variants(url: str) -> list[tuple[str, object, dict[str, str] | None]]:
    single = {"sourceFileUrl": url}
    batch = {"items": [{"sourceFileUrl": url}, {"sourceFileUrl": url}]}
    urls = {"responseType": "urls"}
    return [(SINGLE_PATH, single, None), (SINGLE_PATH, single, urls),
            (BATCH_PATH, batch, None), (BATCH_PATH, batch, urls)]


def wrong_keys(valid: str) -> st.SearchStrategy[str]:
    """Keys that are not ``valid``: random ones and near-misses of it."""
    near = [valid + "x", valid[:-1], valid.upper(), valid.lower(), valid[::-1], " " + valid]
    random = st.text(_KEY_ALPHABET, min_size=1, max_size=64)
    return st.one_of(st.sampled_from([k for k in near if k and k.strip() != valid]),
                     random).filter(lambda key: key.strip() != valid and key != valid)


def _refused(exchange: Exchange, verdicts: Verdicts, check_id: str, what: str,
             reference_status: int) -> None:
    verdicts.judge("auth-statuses-reference", [] if exchange.status == reference_status else [
        exchange.evidence(f"{what} answered {exchange.status}; the reference answers "
                          f"{reference_status}")])
    if exchange.status in (401, 403):
        verdicts.ok(check_id)
        return
    disposition = exchange.headers.get("content-disposition")
    details = [f"Content-Disposition: {disposition}"] if disposition else []
    verdicts.fail(check_id, exchange.evidence(
        f"{what} answered {exchange.status}; allowed: 401 or 403", *details))


def run_auth_probes(client: ProbeClient, verdicts: Verdicts, known: Sequence[KnownExport], *,
                    api_key: str, max_examples: int, seed: int) -> None:
    url = known[0].source_file_url if known else unknown_url("auth-probe.pdf")
    variants = _variants(url)
    if verdicts.wants("auth-missing-key-rejected", "auth-statuses-reference"):
        for path, body, params in variants:
            ex = client.post_json(path, body, params=params, key=None)
            _refused(ex, verdicts, "auth-missing-key-rejected", "a request without x-api-key",
                     401)
            ex = client.post_json(path, body, params=params, key="")
            _refused(ex, verdicts, "auth-missing-key-rejected", f"an empty {API_KEY_HEADER}",
                     401)
    if verdicts.wants("auth-statuses-reference"):
        # Before the body: an unusable body still gets the key's answer, not 400.
        for key, status in ((None, 401), (api_key + "-wrong", 403)):
            ex = client.send("POST", SINGLE_PATH, raw=b"{not json", well_formed=False,
                             content_type="application/json", key=key)
            verdicts.judge("auth-statuses-reference", [] if ex.status == status else [
                ex.evidence(f"{'no key' if key is None else 'a wrong key'} with an unusable "
                            f"body answered {ex.status}; the reference checks the key before "
                            f"the body and answers {status}")])
    if not verdicts.wants("auth-invalid-key-rejected"):
        return

    @hypothesis_seed(seed)
    @settings(max_examples=max(4, max_examples // 4), database=None, deadline=None,
              phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck),
              print_blob=False)
    @given(wrong_keys(api_key), st.sampled_from(variants))
    def wrong_key_property(key: str, variant: tuple[str, object, dict[str, str] | None]) -> None:
        path, body, params = variant
        ex = client.post_json(path, body, params=params, key=key)
        _refused(ex, verdicts, "auth-invalid-key-rejected", "a wrong x-api-key", 403)

    wrong_key_property()

"""The JSON response and the `X-Export-Manifest` header both servers send."""

from __future__ import annotations

import base64
import json

from export_contract.responses import MANIFEST_HEADER, ManifestHeader, json_response


def _decoded(manifest: ManifestHeader) -> object:
    value = manifest.value()
    assert value is not None
    return json.loads(base64.b64decode(value))


def test_manifest_lists_each_item_outcome_in_request_order() -> None:
    manifest = ManifestHeader()
    manifest.ok("https://a.example/1", "one.pdf")
    manifest.skipped("https://a.example/2")
    assert _decoded(manifest) == [
        {"sourceFileUrl": "https://a.example/1", "outcome": "ok", "entry": "one.pdf"},
        {"sourceFileUrl": "https://a.example/2", "outcome": "skipped", "reason": "not_found"},
    ]


def test_manifest_is_kept_up_to_its_header_limit_and_dropped_past_it() -> None:
    def filled(json_bytes: int) -> ManifestHeader:
        manifest = ManifestHeader(max_header_bytes=400)
        fixed = len(json.dumps([{"sourceFileUrl": "", "outcome": "ok", "entry": ""}],
                               separators=(",", ":")))
        manifest.ok("u" * (json_bytes - fixed), "")
        return manifest

    fitting = filled(300)  # 300 bytes of JSON are 400 of base64
    assert len(fitting.value() or "") == 400
    assert filled(301).value() is None
    headers: dict[str, str] = {}
    filled(301).add_to(headers)
    assert headers == {}
    fitting.add_to(headers)
    assert MANIFEST_HEADER in headers


def test_json_response_keeps_non_ascii_text_readable() -> None:
    response = json_response({"name": "résumé"}, status=201, headers={"Location": "/x"})
    assert response.status_code == 201
    assert response.body == '{"name": "résumé"}'.encode()
    assert response.headers["content-type"] == "application/json"
    assert response.headers["location"] == "/x"

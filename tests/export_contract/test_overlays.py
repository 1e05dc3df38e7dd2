from __future__ import annotations

import pytest

from export_contract.overlays import OverlayError, apply_overlay

SPEC = {
    "openapi": "3.0.3",
    "components": {"schemas": {
        "Url": {"type": "string", "minLength": 1},
        "Skipped": {"description": "any"},
    }},
    "tags": [{"name": "a"}],
}


def _overlay(*actions: dict[str, object]) -> dict[str, object]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def test_update_merges_objects_recursively_and_keeps_the_original_untouched() -> None:
    result = apply_overlay(SPEC, _overlay(
        {"target": "$.components.schemas.Url", "update": {"maxLength": 9, "type": "string"}}))
    assert result["components"]["schemas"]["Url"] == {"type": "string", "minLength": 1,
                                                      "maxLength": 9}
    assert "maxLength" not in SPEC["components"]["schemas"]["Url"]  # type: ignore[index]


def test_update_appends_to_arrays() -> None:
    result = apply_overlay(SPEC, _overlay({"target": "$.tags", "update": {"name": "b"}}))
    assert result["tags"] == [{"name": "a"}, {"name": "b"}]


def test_remove_deletes_every_target() -> None:
    result = apply_overlay(SPEC, _overlay(
        {"target": "$.components.schemas[*].description", "remove": True}))
    assert result["components"]["schemas"]["Skipped"] == {}


@pytest.mark.parametrize("overlay, message", [
    ({"actions": []}, "not an Overlay"),
    (_overlay({"target": "$.components.schemas.Nope", "update": {}}), "selects nothing"),
    (_overlay({"target": "$..[", "update": {}}), "not valid JSONPath"),
    (_overlay({"target": "$.tags"}), "neither 'update' nor"),
])
def test_unusable_overlays_are_refused_with_the_reason(overlay: dict[str, object],
                                                       message: str) -> None:
    with pytest.raises(OverlayError, match=message):
        apply_overlay(SPEC, overlay)

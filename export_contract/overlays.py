"""Applying an OpenAPI Overlay (1.0) to a spec: how the reference's tighter schema is layered on.

The contract spec (``openapi.yaml``) is no stricter than the contract's MUST rules, so fuzzing it
never fails a correct backend. The choices our reference backend and mock make (URL pattern and
length, the skipped record, problem details) live in ``reference-overlay.yaml`` and are applied
at load time. JSONPath targets are RFC 9535 expressions, as the Overlay specification requires.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import jsonpath_rfc9535

__all__ = ["OverlayError", "apply_overlay"]


class OverlayError(ValueError):
    """The overlay is not a usable Overlay 1.0 document, or an action targets nothing."""


def apply_overlay(spec: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """A new spec: ``spec`` with every action of ``overlay`` applied, in order.

    ``update`` merges into each target (objects recursively, arrays appended, other values
    replaced); ``remove: true`` deletes each target. An action whose target selects nothing is
    an error: a silently unapplied overlay would leave the reference looser than it claims.
    """
    if not str(overlay.get("overlay", "")).startswith("1."):
        raise OverlayError("not an Overlay 1.x document (missing 'overlay: 1.0.0')")
    result = copy.deepcopy(dict(spec))
    for index, action in enumerate(overlay.get("actions") or ()):
        _apply_action(result, action, index)
    return result


def _apply_action(document: dict[str, Any], action: Mapping[str, Any], index: int) -> None:
    target = action.get("target")
    if not isinstance(target, str):
        raise OverlayError(f"action {index} has no JSONPath 'target'")
    try:
        nodes = list(jsonpath_rfc9535.find(target, document))
    except Exception as exc:  # the library raises its own syntax error types
        raise OverlayError(f"action {index}: target {target!r} is not valid JSONPath: {exc}"
                           ) from None
    if not nodes:
        raise OverlayError(f"action {index}: target {target!r} selects nothing")
    # Deepest and last first, so removing one node never shifts the location of another.
    for node in sorted(nodes, key=lambda n: (len(n.location), n.location), reverse=True):
        location = tuple(node.location)
        if action.get("remove") is True:
            _remove(document, location, target)
        elif "update" in action:
            _update(document, location, copy.deepcopy(action["update"]))
        else:
            raise OverlayError(f"action {index} has neither 'update' nor 'remove: true'")


def _parent(document: Any, location: Sequence[Any]) -> Any:
    node = document
    for key in location[:-1]:
        node = node[key]
    return node


def _remove(document: dict[str, Any], location: tuple[Any, ...], target: str) -> None:
    if not location:
        raise OverlayError(f"target {target!r} is the whole document, which cannot be removed")
    del _parent(document, location)[location[-1]]


def _update(document: dict[str, Any], location: tuple[Any, ...], update: Any) -> None:
    if not location:
        _merge(document, update)
        return
    parent = _parent(document, location)
    key = location[-1]
    current = parent[key]
    if isinstance(current, dict) and isinstance(update, dict):
        _merge(current, update)
    elif isinstance(current, list):
        current.extend(update if isinstance(update, list) else [update])
    else:
        parent[key] = update


def _merge(target: dict[str, Any], update: Mapping[str, Any]) -> None:
    # Iterative, so an overlay cannot exhaust the stack however deep it nests.
    pending: list[tuple[dict[str, Any], Mapping[str, Any]]] = [(target, update)]
    while pending:
        into, values = pending.pop()
        for key, value in values.items():
            current = into.get(key)
            if isinstance(current, dict) and isinstance(value, dict):
                pending.append((current, value))
            elif isinstance(current, list) and isinstance(value, list):
                current.extend(value)
            else:
                into[key] = value

"""The job states and their moves, read from the spec's `JobState`, and drawn as an SVG.

The moves are written in `JobState`'s description ("`a` moves to `b`, `c` or `d`; ... `x` and
`y` are final."), so the docs read them from there: change the spec, and the table and the
diagram follow. A state the description leaves out is an error, not a silent gap.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from export_contract.spec_files import SpecFileError

__all__ = ["JobStates", "JobStatesError", "job_states", "state_diagram_svg"]

_MOVES = re.compile(r"`(?P<source>\w+)` moves to (?P<targets>`\w+`(?:(?:, | or )`\w+`)*)")
_FINAL = re.compile(r"(?P<states>`\w+`(?:(?:, | and )`\w+`)*) (?:are|is) final")
_NAME = re.compile(r"`(\w+)`")


class JobStatesError(SpecFileError, ValueError):
    """The spec's `JobState` does not say how every state moves (the CLI reports it as it
    reports any other unusable spec)."""


@dataclass(frozen=True)
class JobStates:
    states: tuple[str, ...]
    moves: Mapping[str, tuple[str, ...]]
    final: tuple[str, ...]
    description: str

    @property
    def initial(self) -> str:
        targets = {t for ts in self.moves.values() for t in ts}
        return next(s for s in self.states if s not in targets)


def job_states(spec: Mapping[str, Any]) -> JobStates:
    """The states of `components.schemas.JobState` and the moves its description names."""
    schema = ((spec.get("components") or {}).get("schemas") or {}).get("JobState") or {}
    states = tuple(str(s) for s in schema.get("enum") or ())
    description = " ".join(str(schema.get("description") or "").split())
    if not states:
        raise JobStatesError("components.schemas.JobState has no enum: list the job states.")
    moves = {m["source"]: tuple(_NAME.findall(m["targets"])) for m in _MOVES.finditer(description)}
    final = tuple(s for m in _FINAL.finditer(description) for s in _NAME.findall(m["states"]))
    named = set(moves) | set(final) | {t for ts in moves.values() for t in ts}
    unknown = sorted(named - set(states))
    if unknown:
        raise JobStatesError(f"JobState's description names {', '.join(unknown)}, which its "
                             f"enum lacks: add them to the enum or fix the description.")
    unexplained = [s for s in states if s not in moves and s not in final]
    if unexplained:
        raise JobStatesError(
            f"JobState's description does not say how {', '.join(unexplained)} moves: write "
            "\"`state` moves to `a` or `b`\" or list it in \"`x` and `y` are final\".")
    if all(s in {t for ts in moves.values() for t in ts} for s in states):
        raise JobStatesError("JobState's description leaves no state to start from.")
    return JobStates(states, moves, final, description)


# Layout of the diagram, in SVG user units.
_BOX_W, _BOX_H, _COL_GAP, _ROW_GAP, _MARGIN = 128, 40, 72, 18, 12


def state_diagram_svg(states: JobStates) -> str:
    """An inline SVG: one box per state in columns by distance from the first, arrows for
    moves, a double border on final states. Needs no script and no external file."""
    columns = _columns(states)
    rows = max(len(c) for c in columns)
    height = rows * _BOX_H + (rows - 1) * _ROW_GAP
    width = len(columns) * _BOX_W + (len(columns) - 1) * _COL_GAP
    place: dict[str, tuple[float, float]] = {}
    for col, names in enumerate(columns):
        column_height = len(names) * _BOX_H + (len(names) - 1) * _ROW_GAP
        top = _MARGIN + (height - column_height) / 2
        for row, name in enumerate(names):
            place[name] = (_MARGIN + col * (_BOX_W + _COL_GAP),
                           top + row * (_BOX_H + _ROW_GAP))
    parts = [
        f'<svg class="state-diagram" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width + 2 * _MARGIN} {height + 2 * _MARGIN}" '
        f'width="{width + 2 * _MARGIN}" height="{height + 2 * _MARGIN}" '
        f'aria-labelledby="job-states-title">',
        f'<title id="job-states-title">{html.escape(_summary(states))}</title>',
        '<defs><marker id="job-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="currentColor"/></marker></defs>',
    ]
    for source, targets in states.moves.items():
        sx, sy = place[source]
        for target in targets:
            tx, ty = place[target]
            parts.append(f'<line class="move" x1="{sx + _BOX_W:g}" y1="{sy + _BOX_H / 2:g}" '
                         f'x2="{tx - 2:g}" y2="{ty + _BOX_H / 2:g}" stroke="currentColor" '
                         f'marker-end="url(#job-arrow)"/>')
    for name, (x, y) in place.items():
        final = name in states.final
        kind = "state final" if final else "state"
        parts.append(f'<g class="{kind}" data-state="{html.escape(name)}">')
        parts.append(f'<rect x="{x:g}" y="{y:g}" width="{_BOX_W}" height="{_BOX_H}" rx="8" '
                     f'fill="none" stroke="currentColor"/>')
        if final:
            parts.append(f'<rect x="{x + 4:g}" y="{y + 4:g}" width="{_BOX_W - 8}" '
                         f'height="{_BOX_H - 8}" rx="5" fill="none" stroke="currentColor"/>')
        parts.append(f'<text x="{x + _BOX_W / 2:g}" y="{y + _BOX_H / 2 + 5:g}" '
                     f'text-anchor="middle" fill="currentColor" font-family="sans-serif" '
                     f'font-size="15">{html.escape(name)}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)


def _columns(states: JobStates) -> list[list[str]]:
    """States by their distance (in moves) from the initial state; unreachable ones last."""
    depth = {states.initial: 0}
    frontier = [states.initial]
    while frontier:
        following = []
        for source in frontier:
            for target in states.moves.get(source, ()):
                if target not in depth:
                    depth[target] = depth[source] + 1
                    following.append(target)
        frontier = following
    last = max(depth.values()) + 1
    columns: list[list[str]] = [[] for _ in range(last + 1)]
    for name in states.states:
        columns[depth.get(name, last)].append(name)
    return [c for c in columns if c]


def _summary(states: JobStates) -> str:
    moves = "; ".join(f"{s} moves to {', '.join(ts)}" for s, ts in states.moves.items())
    return f"Export job states: {moves}; final: {', '.join(states.final)}."

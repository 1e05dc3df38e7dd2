"""The breakage record and the decorator that registers a broken backend under its name.

Every breakage is the correct :class:`Backend` with one method overridden: a small, named
deviation labelled with the contract rule it breaks and that rule's level. A breakage may drag a
neighbouring rule down with it (an entry named ``exports/plan.pdf`` is also not named after its
file), but the labelled rule is the one the verifier must name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .backend import Backend

__all__ = ["Breakage", "Level", "breakage", "registered"]

Level = Literal["MUST", "SHOULD", "REF"]


@dataclass(frozen=True)
class Breakage:
    """A broken backend: ``backend`` breaks ``rule`` (a MUST or SHOULD rule) as ``description``
    says. ``also`` lists the rules the same deviation breaks by the letter of the contract (an
    entry named ``exports/plan.pdf`` is not named after its file either: Z5); a verifier that
    blames any other rule blames the wrong one. ``follow_urls`` marks a breakage only visible
    when exported URLs are fetched; ``options`` are verify options its gating run needs (the
    backend's declared limits, a longer URL revisit)."""

    name: str
    rule: str
    level: Level
    description: str
    backend: type[Backend]
    also: frozenset[str] = frozenset()
    follow_urls: bool = False
    options: tuple[tuple[str, object], ...] = ()

    @property
    def id(self) -> str:
        return f"{self.name}-{self.rule}"


_registered: list[Breakage] = []


def breakage(name: str, rule: str, description: str, *, level: Level = "MUST",
             also: str = "", follow_urls: bool = False, **options: object
             ) -> Callable[[type[Backend]], type[Backend]]:
    """Class decorator: record ``backend`` as the breakage ``name`` of ``rule``; ``also`` is a
    space-separated list of rule IDs."""

    def register(backend: type[Backend]) -> type[Backend]:
        if any(known.name == name for known in _registered):
            raise ValueError(f"breakage {name!r} is registered twice")
        _registered.append(Breakage(name, rule, level, description, backend,
                                    frozenset(also.split()), follow_urls,
                                    tuple(options.items())))
        return backend

    return register


def registered() -> tuple[Breakage, ...]:
    """Every breakage, in the order the modules defining them were imported."""
    return tuple(_registered)

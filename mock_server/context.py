"""What the mock knows about the request it is answering, shared by its layers.

The outermost layer (`front`) creates a `RequestState` per request; the scenario middleware
fills in the scenario; handlers and `front` read it to shape the response.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass

from starlette.types import Scope

from .scenarios import Scenario

__all__ = ["RequestState", "current_state", "request_base_url", "reset_state", "set_state"]


@dataclass(slots=True)
class RequestState:
    scope: Scope
    operation: str | None = None
    # Routing rewrites scope["root_path"] in place; the client's view is kept here.
    root_path: str = ""
    scenario: Scenario | None = None
    # `Prefer: code=N` without a named scenario for N.
    forced_code: int | None = None
    # Set once the scenario middleware ran; the fast path needs that to trust `scenario`.
    decided: bool = False
    # `Prefer: job-duration=N`, for a job this request creates.
    job_duration_seconds: float | None = None

    @property
    def label(self) -> str | None:
        """How the journal and the log name what was forced on this request."""
        if self.scenario is not None:
            return self.scenario.name
        if self.forced_code is not None:
            return f"code={self.forced_code}"
        return None

    def has(self, name: str) -> bool:
        return self.scenario is not None and self.scenario.name == name


_CURRENT: ContextVar[RequestState | None] = ContextVar("mock_request_state", default=None)


def current_state() -> RequestState | None:
    return _CURRENT.get()


def set_state(state: RequestState | None) -> Token[RequestState | None]:
    return _CURRENT.set(state)


def reset_state(token: Token[RequestState | None]) -> None:
    _CURRENT.reset(token)


def request_base_url(state: RequestState, api_prefix: str) -> str:
    """`scheme://host[:port]{root_path}{api_prefix}` as the client addressed us."""
    scope = state.scope
    host = ""
    for name, value in scope.get("headers", ()):
        if name == b"host":
            host = value.decode("latin-1")
            break
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{state.root_path}{api_prefix}"

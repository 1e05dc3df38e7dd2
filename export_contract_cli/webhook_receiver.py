"""A webhook receiver for developers (`export-contract listen`), like `stripe listen`.

Every delivery of a job webhook (rule J7) is printed as one block, or one JSON line: when it
came, the event, its `X-Export-Event-Id`, the job's id, state and progress, and whether its
`X-Export-Signature` verifies (or why not). A repeated event id is marked as a retry, and
`fail_first` answers 500 to the first deliveries of each event so the sender's retries can be
watched. The app is importable (`create_listener_app`); the command only parses flags.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from export_contract.serving import bind_socket
from export_contract.webhook_signing import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    SignatureMismatch,
    verify_webhook,
)

__all__ = ["Delivery", "ListenerOptions", "create_listener_app", "format_delivery",
           "listener_banner", "serve_listener"]

Echo = Callable[[str], None]


@dataclass(frozen=True)
class ListenerOptions:
    """What the receiver checks and how it answers and prints."""

    secret: bytes | None = None  # None: signatures are shown as not verified
    fail_first: int = 0  # answer 500 to this many deliveries of each event id first
    json_lines: bool = False  # one JSON object per line instead of a block
    tolerance_seconds: float = 300.0  # how old a signature may be (replays)


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery as received, judged and answered."""

    received_at: float
    path: str
    event: str | None
    event_id: str | None
    job_id: str | None
    state: str | None
    done: int | None
    total: int | None
    signature: str  # "verified", "failed" or "not verified"
    signature_problem: str | None  # why it failed, or why it was not checked
    attempt: int  # 1 for the first delivery of this event id, 2 for its first retry, ...
    status: int  # what the receiver answered
    body_problem: str | None  # set when the body is not the JSON of a job event

    @property
    def is_retry(self) -> bool:
        return self.attempt > 1

    def as_dict(self) -> dict[str, Any]:
        return {"time": _iso(self.received_at), "path": self.path, "event": self.event,
                "eventId": self.event_id, "jobId": self.job_id, "state": self.state,
                "progress": {"done": self.done, "total": self.total},
                "signature": self.signature, "signatureProblem": self.signature_problem,
                "attempt": self.attempt, "duplicate": self.is_retry, "status": self.status,
                "bodyProblem": self.body_problem}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def _judge_signature(options: ListenerOptions, body: bytes, header: str | None,
                     now: float) -> tuple[str, str | None]:
    if options.secret is None:
        return "not verified", "no secret given (--secret or EXPORT_WEBHOOK_SECRET)"
    try:
        verify_webhook(options.secret, body, header, tolerance_seconds=options.tolerance_seconds,
                       now=now)
    except SignatureMismatch as exc:
        return "failed", str(exc)
    return "verified", None


def _read_event(body: bytes) -> tuple[dict[str, Any], str | None]:
    """The parsed event, or an empty one and what is wrong with the body."""
    try:
        event = json.loads(body)
    except ValueError:
        return {}, "the body is not JSON"
    if not isinstance(event, dict) or not isinstance(event.get("job"), dict):
        return {}, 'the body is not {"event": ..., "job": {...}}'
    return event, None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def format_delivery(delivery: Delivery) -> str:
    """The block printed for one delivery (or its JSON line)."""
    retry = (f"  (duplicate: retry {delivery.attempt - 1} of this event)"
             if delivery.is_retry else "")
    progress = ("?" if delivery.done is None or delivery.total is None
                else f"{delivery.done}/{delivery.total}")
    verdict = delivery.signature + (f": {delivery.signature_problem}"
                                    if delivery.signature_problem else "")
    lines = [f"{_iso(delivery.received_at)}  {delivery.event or '(no event)'}  "
             f"POST {delivery.path} -> answered {delivery.status}",
             f"  event id   {delivery.event_id or f'(no {EVENT_ID_HEADER} header)'}{retry}",
             f"  job        {delivery.job_id or '?'}  state {delivery.state or '?'}  "
             f"progress {progress}",
             f"  signature  {verdict}"]
    if delivery.body_problem:
        lines.append(f"  body       {delivery.body_problem}")
    return "\n".join(lines) + "\n"


def listener_banner(url: str, options: ListenerOptions) -> list[str]:
    """The lines printed on start: where to send webhooks and what is checked."""
    lines = [f"Listening for export webhooks at {url}",
             "  Use it as a job's callbackUrl (`serve` needs --allow-private-callbacks for a "
             "loopback address)."]
    if options.secret is None:
        lines.append("  Signatures are NOT verified: pass --secret (the backend's webhook "
                     "secret) or set EXPORT_WEBHOOK_SECRET.")
    else:
        lines.append("  Signatures are verified with the given secret.")
    if options.fail_first:
        lines.append(f"  Answering 500 to the first {options.fail_first} deliveries of each "
                     "event, to try the sender's retries.")
    return lines


class _Receiver:
    """The receiving endpoint; counts deliveries per event id (one event loop: no locks)."""

    def __init__(self, options: ListenerOptions, echo: Echo, clock: Callable[[], float]) -> None:
        self.options = options
        self.echo = echo
        self.clock = clock
        self.seen: Counter[str] = Counter()

    async def receive(self, request: Request) -> Response:
        if request.method != "POST":
            return PlainTextResponse("export-contract listen: POST job webhooks here.\n")
        body = await request.body()
        now = self.clock()
        delivery = self._judge(request, body, now)
        self.echo(json.dumps(delivery.as_dict()) if self.options.json_lines
                  else format_delivery(delivery))
        return PlainTextResponse("failing on purpose (--fail-first)\n" if delivery.status >= 500
                                 else "ok\n", status_code=delivery.status)

    def _judge(self, request: Request, body: bytes, now: float) -> Delivery:
        event_id = request.headers.get(EVENT_ID_HEADER)
        # Without an event id a delivery cannot be matched with another: each is a first one.
        if event_id is not None:
            self.seen[event_id] += 1
        attempt = self.seen[event_id] if event_id is not None else 1
        signature, problem = _judge_signature(self.options, body,
                                              request.headers.get(SIGNATURE_HEADER), now)
        event, body_problem = _read_event(body)
        job = event.get("job", {})
        progress = job.get("progress") if isinstance(job.get("progress"), dict) else {}
        return Delivery(
            received_at=now, path=request.url.path, event=_text(event.get("event")),
            event_id=event_id, job_id=_text(job.get("id")), state=_text(job.get("state")),
            done=_number(progress.get("done")), total=_number(progress.get("total")),
            signature=signature, signature_problem=problem, attempt=attempt,
            status=500 if attempt <= self.options.fail_first else 200,
            body_problem=body_problem)


def create_listener_app(options: ListenerOptions, *, echo: Echo = print,
                        clock: Callable[[], float] = time.time) -> Starlette:
    """An ASGI app receiving job webhooks on any path, printing each through `echo`."""
    receiver = _Receiver(options, echo, clock)
    methods = ["GET", "HEAD", "POST"]
    return Starlette(routes=[Route("/", receiver.receive, methods=methods),
                             Route("/{path:path}", receiver.receive, methods=methods)])


def serve_listener(options: ListenerOptions, *, host: str = "127.0.0.1", port: int = 0,
                   echo: Echo = print, notice: Echo = print) -> None:
    """Bind, print the URL (the real port when `port` is 0) through `notice`, serve until ^C."""
    sock = bind_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    for line in listener_banner(f"http://{shown}:{bound_port}/", options):
        notice(line)
    app = create_listener_app(options, echo=echo)
    # Only the deliveries are printed: uvicorn's start-up and access lines would drown them.
    config = uvicorn.Config(app, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[sock])

"""Running an ASGI app on uvicorn with a socket we bind ourselves.

Binding first lets `--port 0` pick a free port and still print the real base URL before
serving, which is what scripts and end-to-end tests read. With several workers the same
pre-bound socket is handed to every worker process, each of which builds its own app.
"""

from __future__ import annotations

import copy
import inspect
import socket
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.supervisors import Multiprocess

from .connections import ConnectionLimits, LimitedConfig

__all__ = ["base_url_of", "bind_socket", "log_config", "run_server", "run_workers"]


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url_of(sock: socket.socket, api_prefix: str = "/api") -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{api_prefix}"


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration, plus our access log on stdout.

    uvicorn's own access log is switched off (`access_log=False` below): it writes the request
    target as sent, secrets pasted into it included (see `access_log`).
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    config["handlers"]["export_access"] = {"formatter": "default",
                                           "class": "logging.StreamHandler",
                                           "stream": "ext://sys.stdout"}
    config["loggers"]["export_contract.access"] = {"handlers": ["export_access"],
                                                   "level": "INFO", "propagate": False}
    return config


def run_server(app: Any, sock: socket.socket, *, limits: ConnectionLimits,
               log_level: str = "info", on_ready: Callable[[], None] | None = None) -> None:
    # uvicorn's own access log is off: ours (access_log.py) never carries the target as sent.
    config = LimitedConfig(app, limits=limits, log_level=log_level, log_config=log_config(),
                           access_log=False, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    if on_ready is not None:
        on_ready()
    server.run(sockets=[sock])


def run_workers(factory: str, sock: socket.socket, workers: int, *, limits: ConnectionLimits,
                log_level: str = "info", on_ready: Callable[[], None] | None = None) -> None:
    """Serve `sock` from `workers` processes, each calling `factory` ("module:function").

    The workers are started fresh (spawned), so they see only what the environment and the
    factory give them: pass settings through environment variables set before this call.
    """
    config = LimitedConfig(factory, limits=limits, factory=True, workers=workers,
                           log_level=log_level, log_config=log_config(), access_log=False,
                           timeout_graceful_shutdown=5)
    supervisor_class: Any = Multiprocess
    if "target" in inspect.signature(Multiprocess).parameters:  # older uvicorn releases
        supervisor = supervisor_class(config, target=uvicorn.Server(config).run, sockets=[sock])
    else:
        supervisor = supervisor_class(config, sockets=[sock])
    if on_ready is not None:
        on_ready()
    supervisor.run()

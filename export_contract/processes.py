"""Start an `export-contract` server as a real process on a free loopback port.

Used by end-to-end tests and benchmarks: the server binds port 0 itself and prints its base
URL, so there is no port race and no sleep-based waiting.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

__all__ = ["ServerProcess"]

_BASE_URL = re.compile(r"(http://[^\s]+/api)\b")


class ServerProcess:
    """`with ServerProcess(["serve", "--no-auth", ...]) as server: server.base_url`."""

    def __init__(self, args: Sequence[str], *, host: str = "127.0.0.1", startup_timeout: float = 30,
                 env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.args = [sys.executable, "-m", "export_contract.cli", *args, "--host", host,
                     "--port", "0"]
        self.startup_timeout = startup_timeout
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.cwd = cwd
        self.base_url = ""
        self.banner: list[str] = []
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> ServerProcess:
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, env=self.env,
                                        cwd=self.cwd)
        try:
            self.base_url = self._wait_for_base_url()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> str:
        """Stop the server (SIGINT, then SIGKILL) and return what it printed afterwards."""
        if self.process is None:
            return ""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        rest = self.process.stdout.read() if self.process.stdout else ""
        if self.process.stdout:
            self.process.stdout.close()
        self.banner.extend(rest.splitlines())
        return rest

    def _wait_for_base_url(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not selector.select(timeout=0.2):
                    if self.process.poll() is not None:
                        break
                    continue
                line = self.process.stdout.readline()
                if not line and self.process.poll() is not None:
                    break
                self.banner.append(line.rstrip("\n"))
                match = _BASE_URL.search(line)
                if match:
                    return self._wait_until_listening(match.group(1), deadline)
        raise RuntimeError("server did not print its base URL:\n" + "\n".join(self.banner))

    def _wait_until_listening(self, base_url: str, deadline: float) -> str:
        # The banner is printed just before uvicorn starts serving the bound socket.
        import httpx

        while time.monotonic() < deadline:
            try:
                httpx.get(base_url + "/openapi.json", timeout=2)
                return base_url
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"server at {base_url} never answered")

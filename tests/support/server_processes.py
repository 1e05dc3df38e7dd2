"""Start an `export-contract` server as a real process on a free loopback port.

Used by end-to-end tests and benchmarks: the server binds port 0 itself and prints its base
URL, so there is no port race and no sleep-based waiting. Once it is up, a thread keeps
reading what it prints (into `banner`), so a server that logs every request never blocks on a
full pipe however long it runs.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

__all__ = [
    "ServerProcess",
    "child_pids",
    "open_fd_count",
    "open_fd_targets",
    "peak_rss_mib",
    "reset_peak_rss",
    "rss_mib",
    "thread_count",
]

_BASE_URL = re.compile(r"(http://[^\s]+/api)\b")


class ServerProcess:
    """`with ServerProcess(["serve", "--no-auth", ...]) as server: server.base_url`."""

    def __init__(self, args: Sequence[str], *, host: str = "127.0.0.1", startup_timeout: float = 30,
                 env: dict[str, str] | None = None, cwd: Path | None = None,
                 url_pattern: re.Pattern[str] = _BASE_URL) -> None:
        # url_pattern: how the printed URL looks (group 1); other commands than the servers
        # (`listen`) print theirs without the /api prefix.
        self.url_pattern = url_pattern
        self.args = [sys.executable, "-m", "export_contract_cli", *args, "--host", host,
                     "--port", "0"]
        self.startup_timeout = startup_timeout
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.cwd = cwd
        self.base_url = ""
        self.banner: list[str] = []
        self.process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    def __enter__(self) -> ServerProcess:
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, env=self.env,
                                        cwd=self.cwd)
        try:
            self.base_url = self._wait_for_base_url()
        except BaseException:
            self.stop()
            raise
        self._reader = threading.Thread(target=self._read_output, name="server-output",
                                        daemon=True)
        self._reader.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The processes answering requests: the workers with `--workers N`, else the server."""
        workers = [pid for pid in child_pids(self.pid) if _is_worker(pid)]
        return workers or [self.pid]

    def stop(self) -> str:
        """Stop the server (SIGINT, then SIGKILL) and return what it printed since it was ready.

        Calling it again (or leaving the `with` block after calling it) does nothing more.
        """
        if self.process is None:
            return ""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        ready_lines = len(self.banner)
        if self._reader is not None:
            self._reader.join(timeout=10)
            ready_lines = self._ready_lines
        elif self.process.stdout and not self.process.stdout.closed:
            self.banner.extend(self.process.stdout.read().splitlines())
        if self.process.stdout and not self.process.stdout.closed:
            self.process.stdout.close()
        return "".join(line + "\n" for line in self.banner[ready_lines:])

    def _read_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        self._ready_lines = len(self.banner)
        for line in self.process.stdout:
            self.banner.append(line.rstrip("\n"))

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
                match = self.url_pattern.search(line)
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


# -- measuring a running process (Linux /proc) -------------------------------------------------

def _status_field(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {name} in the status of process {pid}")


def rss_mib(pid: int) -> float:
    """The process's resident memory now."""
    return _status_field(pid, "VmRSS") / 1024


def peak_rss_mib(pid: int) -> float:
    """The high-water mark of the process's resident memory (since start or the last reset)."""
    return _status_field(pid, "VmHWM") / 1024


def reset_peak_rss(pid: int) -> None:
    """Reset the kernel's high-water mark of the process's resident memory."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def thread_count(pid: int) -> int:
    return _status_field(pid, "Threads")


def open_fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def open_fd_targets(pid: int) -> list[str]:
    """What each open descriptor refers to: a path, `socket:[…]`, `pipe:[…]`, `anon_inode:…`."""
    targets = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:  # closed in the meantime
            continue
    return sorted(targets)


def child_pids(pid: int) -> list[int]:
    """The direct children of a process, in PID order."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) is in parentheses and may hold spaces.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            children.append(int(entry.name))
    return sorted(children)


def _is_worker(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in command

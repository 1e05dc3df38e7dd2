"""What `serve` and `mock` do with errors around their library calls: settings that cannot be
made are a usage error (exit 2), a failure while serving an error (exit 1), Ctrl-C a quiet
stop rather than a traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

__all__ = ["serve_until_stopped", "usage_errors"]


@contextmanager
def usage_errors() -> Iterator[None]:
    """An unreadable key file or a flag value the settings refuse, as a usage error."""
    try:
        yield
    except (OSError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc


def serve_until_stopped(serve: Callable[[], None]) -> None:
    """Run ``serve`` until it returns or Ctrl-C; a port in use or the like is an error."""
    try:
        serve()
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        pass

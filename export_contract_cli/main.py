"""The `export-contract` command group: one subcommand per module of this package."""

from __future__ import annotations

import warnings

import click

from .docs import docs
from .listen import listen
from .mock import mock
from .msw import msw
from .register import register
from .serve import serve
from .spec import spec
from .verify import verify

__all__ = ["main"]

# connexion imports starlette's test client at import time, which warns on every start.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="export-contract")
def main() -> None:
    """Mock, implement and enforce the export-download contract."""


for _command in (serve, register, mock, msw, docs, spec, verify, listen):
    main.add_command(_command)

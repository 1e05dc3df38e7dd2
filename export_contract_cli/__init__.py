"""The `export-contract` command line: the one package that imports the apps.

Each command is a module of its own (`serve`, `register`, `mock`, `docs`, `spec`, `verify`),
a thin wrapper that turns flags into a call of the library; `options` holds the flags more
than one command takes.
"""

from .main import main

__all__ = ["main"]

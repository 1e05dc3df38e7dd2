"""Report formats of a verify run, one module each: console table, JUnit XML, JSON."""

from .console import progress_line, render_console
from .json_report import render_json, write_json
from .junit import render_junit, write_junit

__all__ = ["progress_line", "render_console", "render_json", "render_junit", "write_json",
           "write_junit"]

"""The site's HTML pages: the guide (api.md rendered) and the Swagger UI reference page.

Raw HTML in the Markdown is escaped, never passed through, so text from a spec cannot put
markup or scripts into the pages.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from importlib import resources
from string import Template
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .slugs import Slugger

__all__ = ["NAV", "embedded_spec_script", "markdown_to_html", "render_guide", "render_reference"]

# Label and target of each entry of the navigation bar, shared by every page.
NAV: tuple[tuple[str, str], ...] = (
    ("Guide", "index.html"),
    ("API reference", "reference.html"),
    ("api.md", "api.md"),
    ("openapi.yaml", "openapi.yaml"),
    ("openapi.json", "openapi.json"),
)
SPEC_VARIABLE = "EXPORT_CONTRACT_SPEC"


def render_guide(markdown_text: str, *, title: str, footer: str) -> str:
    return _template("guide.html").substitute(
        title=html.escape(title), nav=_nav("index.html"), footer=html.escape(footer),
        content=markdown_to_html(markdown_text))


def render_reference(*, title: str, footer: str) -> str:
    return _template("reference.html").substitute(
        title=html.escape(title), nav=_nav("reference.html"), footer=html.escape(footer))


def embedded_spec_script(spec: Mapping[str, Any]) -> str:
    """The spec as a script: a page opened from file:// may not fetch() a local file."""
    payload = json.dumps(spec, ensure_ascii=True, indent=1, default=str)
    return f"window.{SPEC_VARIABLE} = {payload};\n"


def markdown_to_html(markdown_text: str) -> str:
    """CommonMark plus tables; headings get the same anchors as on GitHub."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(markdown_text)
    slugger = Slugger()
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            token.attrSet("id", slugger.slug(_plain_text(tokens[index + 1])))
    rendered: str = md.renderer.render(tokens, md.options, {})
    return rendered


def _plain_text(inline: Token) -> str:
    return "".join(child.content for child in inline.children or ()
                   if child.type in ("text", "code_inline"))


def _nav(current: str) -> str:
    links = []
    for label, target in NAV:
        marker = ' aria-current="page"' if target == current else ""
        links.append(f'<a href="{html.escape(target)}"{marker}>{html.escape(label)}</a>')
    return "".join(links)


def _template(name: str) -> Template:
    text = (resources.files("docs_site") / "templates" / name).read_text(encoding="utf-8")
    return Template(text)

"""The site's HTML pages: the guide (api.md rendered) and the Swagger UI reference page.

Raw HTML in the Markdown is escaped, never passed through, so text from a spec cannot put
markup or scripts into the pages.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from importlib import resources
from string import Template
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .slugs import Slugger

__all__ = ["JOBS_PAGE", "NAV", "embedded_spec_script", "markdown_to_html", "render_guide",
           "render_jobs", "render_reference"]

JOBS_PAGE = "jobs.html"
# Label and target of each entry of the navigation bar, shared by every page.
NAV: tuple[tuple[str, str], ...] = (
    ("Guide", "index.html"),
    ("API reference", "reference.html"),
    ("Export jobs", JOBS_PAGE),
    ("api.md", "api.md"),
    ("openapi.yaml", "openapi.yaml"),
    ("openapi.json", "openapi.json"),
)
SPEC_VARIABLE = "EXPORT_CONTRACT_SPEC"


def render_guide(markdown_text: str, *, title: str, footer: str, jobs: bool = True) -> str:
    """`jobs`: whether the site has the job page (a spec without the `jobs` tag has not)."""
    return _template("guide.html").substitute(
        title=html.escape(title), nav=_nav("index.html", jobs), footer=html.escape(footer),
        content=markdown_to_html(markdown_text))


def render_jobs(markdown_text: str, *, title: str, footer: str, image: str, svg: str) -> str:
    """The job page; the Markdown's picture `image` becomes the inline `svg` (built by the
    docs from the spec's state names, escaped), so the page needs no second request."""
    content = markdown_to_html(markdown_text)
    picture = re.compile(rf'<img src="{re.escape(html.escape(image))}"[^>]*>')
    if picture.search(content) is None:
        raise ValueError(f"the job page has no picture {image} to replace with the diagram")
    content = picture.sub(lambda _: svg, content, count=1)
    return _template("guide.html").substitute(
        title=html.escape(f"Export jobs · {title}"), nav=_nav(JOBS_PAGE),
        footer=html.escape(footer), content=content)


def render_reference(*, title: str, footer: str, jobs: bool = True) -> str:
    return _template("reference.html").substitute(
        title=html.escape(title), nav=_nav("reference.html", jobs), footer=html.escape(footer))


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


def _nav(current: str, jobs: bool = True) -> str:
    links = []
    for label, target in NAV:
        if target == JOBS_PAGE and not jobs:
            continue
        marker = ' aria-current="page"' if target == current else ""
        links.append(f'<a href="{html.escape(target)}"{marker}>{html.escape(label)}</a>')
    return "".join(links)


def _template(name: str) -> Template:
    text = (resources.files("docs_site") / "templates" / name).read_text(encoding="utf-8")
    return Template(text)

"""Reading the links, anchors and code blocks out of the generated pages."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt


@dataclass(frozen=True)
class Link:
    page: Path
    attribute: str
    target: str


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif name in ("href", "src"):
                self.links.append((name, value))


def html_page(path: Path) -> tuple[set[str], list[Link]]:
    """The element ids of an HTML page and every href/src in it."""
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.ids, [Link(path, attribute, target) for attribute, target in parser.links]


def markdown_links(path: Path) -> list[Link]:
    tokens = MarkdownIt("commonmark").enable("table").parse(path.read_text(encoding="utf-8"))
    found = []
    for token in tokens:
        for child in token.children or ():
            if child.type == "link_open":
                found.append(Link(path, "href", str(child.attrGet("href"))))
    return found


@dataclass(frozen=True)
class CodeBlock:
    heading: str
    language: str
    code: str


def code_blocks(markdown_text: str) -> list[CodeBlock]:
    """Every fenced code block, with the text of the last heading above it."""
    tokens = MarkdownIt("commonmark").parse(markdown_text)
    heading = ""
    blocks = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            heading = tokens[index + 1].content
        elif token.type == "fence":
            blocks.append(CodeBlock(heading, token.info.strip(), token.content))
    return blocks

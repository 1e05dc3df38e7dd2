"""The generated Markdown reference (`api.md`): operations, variants, statuses, snippets, rules.

Everything in it comes from the spec, the snippet generator and the conformance rows; nothing
is written by hand, so changing the spec changes the page on the next build.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .conformance import CheckEntry, ConformanceRow
from .operations import Operation, Variant
from .slugs import Slugger
from .snippets import BATCH_FALLBACK_FILENAME, FALLBACK_STEM, Snippet

__all__ = ["ApiPage", "MarkdownWriter", "render_api_markdown"]

_TEXT_SPECIALS = re.compile(r"([\\`*_\[\]<>])")


@dataclass(frozen=True)
class ApiPage:
    """What `api.md` is made of."""

    spec: Mapping[str, Any]
    spec_sha256: str
    operations: Sequence[Operation]
    snippets: Mapping[str, Sequence[Snippet]]
    rules: Sequence[ConformanceRow]
    orphan_checks: Sequence[CheckEntry] = ()
    links: Mapping[str, str] = field(default_factory=dict)
    # The Swagger UI page, for a deep link from every operation (None: no such links).
    reference_page: str | None = None
    # The export job page, linked from the operations tagged `jobs` (None: no such page).
    jobs_page: str | None = None


@dataclass
class _Writer:
    lines: list[str] = field(default_factory=list)
    toc: list[tuple[int, str, str]] = field(default_factory=list)
    slugger: Slugger = field(default_factory=Slugger)

    def heading(self, level: int, text: str) -> str:
        slug = self.slugger.slug(text.replace("`", ""))
        self.toc.append((level, text, slug))
        self.blank()
        self.lines.append(f"{'#' * level} {text}")
        self.blank()
        return slug

    def text(self, *lines: str) -> None:
        self.lines.extend(lines)

    def paragraph(self, text: str) -> None:
        if text.strip():
            self.blank()
            self.lines.extend(text.strip().splitlines())
            self.blank()

    def code(self, language: str, code: str) -> None:
        fence = "````" if "```" in code else "```"
        self.blank()
        self.lines.extend([f"{fence}{language}", *code.splitlines(), fence])
        self.blank()

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.blank()
        self.lines.append("| " + " | ".join(header) + " |")
        self.lines.append("|" + "|".join("---" for _ in header) + "|")
        self.lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
        self.blank()

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def contents_then(self, body: _Writer, *, deepest: int) -> str:
        """The page: what is written so far, a contents list of `body`'s headings down to
        level `deepest`, then `body` itself."""
        self.text("## Contents", "")
        self.text(*(f"{'  ' * (level - 2)}- [{text}](#{slug})" for level, text, slug in body.toc
                    if level <= deepest))
        self.blank()
        self.lines.extend(body.lines)
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


# For the other generated pages, which share the headings, tables and anchors.
MarkdownWriter = _Writer


def render_api_markdown(page: ApiPage) -> str:
    """The whole of `api.md`."""
    info = page.spec.get("info") or {}
    title = f"{info.get('title', 'API')} {info.get('version', '')}".strip()
    writer = _Writer()
    writer.slugger.slug(title)
    writer.slugger.slug("Contents")
    body = _Writer(slugger=writer.slugger)
    _overview(body, page)
    _authentication(body, page)
    _filenames(body, page)
    _operations(body, page)
    _conformance(body, page)

    writer.text(f"# {title}", "")
    writer.text(f"Generated from the contract's OpenAPI spec (sha256 `{page.spec_sha256[:12]}`) "
                "by `export-contract docs`; edit the spec, not this page.")
    if page.links:
        writer.paragraph(" · ".join(f"[{label}]({target})" for label, target in page.links.items()))
    writer.blank()
    return writer.contents_then(body, deepest=4)


def _overview(w: _Writer, page: ApiPage) -> None:
    info = page.spec.get("info") or {}
    w.heading(2, "Overview")
    w.paragraph(str(info.get("description") or ""))
    for server in page.spec.get("servers") or []:
        note = f": {server['description']}" if server.get("description") else ""
        w.paragraph(f"Server `{server.get('url', '')}`{note}")


def _authentication(w: _Writer, page: ApiPage) -> None:
    schemes = ((page.spec.get("components") or {}).get("securitySchemes") or {})
    if not schemes:
        return
    w.heading(2, "Authentication")
    for name, scheme in schemes.items():
        where = (f"the `{scheme['name']}` {scheme.get('in', '')}" if scheme.get("name")
                 else f"`{scheme.get('type', '')}`")
        w.paragraph(f"**{name}**: {where}. {str(scheme.get('description') or '').strip()}")
    open_ops = [op for op in page.operations if not op.secured]
    if open_ops:
        names = ", ".join(f"`{op.operation_id}`" for op in open_ops)
        w.paragraph(f"Every operation needs it except {names}.")


def _filenames(w: _Writer, page: ApiPage) -> None:
    w.heading(2, "Filenames and zip entries")
    description = str((page.spec.get("info") or {}).get("description") or "")
    for paragraph in re.split(r"\n\s*\n", description):
        lowered = paragraph.lower()
        if "content-disposition" in lowered or "filename" in lowered:
            w.paragraph(paragraph)
    seen = set()
    for op in page.operations:
        for variant in op.variants:
            for header in variant.success_headers:
                if header.name.lower() == "content-disposition" and header.description not in seen:
                    seen.add(header.description)
                    w.paragraph(f"`Content-Disposition`: {header.description}")
    w.paragraph(
        f"When `Content-Disposition` is missing or unreadable (for example a cross-origin "
        f"response that does not expose it), clients save a single file as `{FALLBACK_STEM}` "
        f"plus the extension of its `Content-Type`, and a batch as `{BATCH_FALLBACK_FILENAME}`. "
        "The client snippets below do exactly that.")


def _operations(w: _Writer, page: ApiPage) -> None:
    w.heading(2, "Operations")
    rows = []
    for op in page.operations:
        for variant in op.variants:
            success = next((s for s in op.statuses if s.is_success), None)
            media = ", ".join(f"`{m.media_type}`" for m in variant.success)
            heading = _variant_title(op, variant) if len(op.variants) > 1 else op.summary
            link = f"[{_variant_title(op, variant)}](#{Slugger().slug(heading)})"
            rows.append([link, f"`{op.method} {variant.full_url_path}`",
                         f"`{success.code}` {media}" if success else "—"])
    w.table(["Variant", "Request", "Success"], rows)
    for op in page.operations:
        _operation(w, page, op)


def _variant_title(op: Operation, variant: Variant) -> str:
    if len(op.variants) == 1:
        return op.operation_id
    if not variant.query:
        return f"{op.operation_id}: default mode"
    return f"{op.operation_id}: " + ", ".join(f"{k}={v}" for k, v in variant.query.items())


def _operation(w: _Writer, page: ApiPage, op: Operation) -> None:
    w.heading(3, op.summary)
    facts = [f"`{op.method} {op.full_path}`", f"operation `{op.operation_id}`",
             "API key required" if op.secured else "no API key"]
    if page.reference_page and op.tags:
        facts.append(f"[interactive reference]({page.reference_page}#/{op.tags[0]}/"
                     f"{op.operation_id})")
    w.paragraph(" · ".join(facts))
    w.paragraph(op.description)
    if page.jobs_page and "jobs" in op.tags:
        w.paragraph(f"States, polling, the manifest and the webhook's signature: "
                    f"[Export jobs]({page.jobs_page}).")
    if op.parameters:
        w.text("**Parameters**")
        w.table(["Name", "In", "Required", "Type", "Description"],
                [[f"`{p.name}`", p.location, _yes(p.required), _escape(p.type), p.description]
                 for p in op.parameters])
    media = next((v.request_media_type for v in op.variants if v.request_media_type), "")
    if op.request_fields:
        w.text(f"**Request body** (`{media}`)")
        w.table(["Field", "Type", "Required", "Description"],
                [[f"`{f.name}`", _escape(f.type), _yes(f.required), f.description]
                 for f in op.request_fields])
    examples = op.variants[0].request_examples if op.variants else ()
    for example in examples:
        w.text(f"**Request example** `{example.name}` (`{media}`)"
               + (f": {example.summary}" if example.summary else ""))
        w.code(_language(media, example.value), example.text)
    w.text("**Status codes**")
    w.table(["Status", "When", "Body"],
            [[f"`{s.code}`", s.description, ", ".join(f"`{m}`" for m in s.media_types) or "—"]
             for s in op.statuses])
    error = next((s for s in op.statuses if not s.is_success and s.example), None)
    if error is not None and error.example is not None:
        w.text(f"Error body example (`{error.code}`):")
        w.code("json", error.example.text)
    for variant in op.variants:
        _variant(w, page, op, variant)


def _variant(w: _Writer, page: ApiPage, op: Operation, variant: Variant) -> None:
    if len(op.variants) > 1:
        w.heading(4, _variant_title(op, variant))
        w.paragraph(f"`{op.method} {variant.full_url_path}`")
    for media in variant.success:
        if media.example is not None:
            w.text(f"**Response example** (`{media.media_type}`)")
            w.code(_language(media.media_type, media.example.value), media.example.text)
    if variant.success_headers:
        w.text("**Response headers**")
        w.table(["Header", "Description", "Example"],
                [[f"`{h.name}`", h.description, f"`{h.example}`" if h.example else ""]
                 for h in variant.success_headers])
    if variant.binary and variant.json_request:
        w.paragraph("The file's name follows [Filenames and zip entries]"
                    "(#filenames-and-zip-entries).")
    for snippet in page.snippets.get(variant.key, ()):
        w.text(f"**{snippet.title}**")
        w.code(snippet.language, snippet.code)


def _conformance(w: _Writer, page: ApiPage) -> None:
    w.heading(2, "Conformance")
    enforced = sum(1 for row in page.rules if row.enforced)
    w.paragraph(f"{len(page.rules)} rules, {enforced} of them enforced by the checks named. "
                "A rule's MUST part always gates conformance; its SHOULD part gates with "
                "`--strict` (otherwise a breach is a warning); its REF part is a choice of the "
                "reference backend and mock, judged only with `--profile reference`. Rules "
                "without checks are the client's (checked by the client's own tests).")
    w.table(["Rule", "Levels", "Text", "Checks"],
            [[f"`{row.rule_id}`", ", ".join(row.levels), _escape(row.text),
              ", ".join(f"`{c}` ({level})" for c, level in zip(row.check_ids,
                                                               row.check_levels, strict=False))
              or "none (client side)"]
             for row in page.rules])
    if page.orphan_checks:
        w.text("Checks that name no known rule:")
        w.blank()
        w.text(*(f"- `{c.id}` ({', '.join(c.rule_ids) or 'no rule'})" for c in page.orphan_checks))


def _language(media_type: str, value: object) -> str:
    """`json` for JSON bodies and for structured examples (form fields shown as JSON)."""
    if media_type.endswith("json") or not isinstance(value, str):
        return "json"
    return "text"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _escape(text: str) -> str:
    """Plain text made safe inside Markdown (rule texts quote `*`, `\\` and quotes)."""
    return _TEXT_SPECIALS.sub(r"\\\1", text)


def _cell(text: str) -> str:
    """Markdown text inside a table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")

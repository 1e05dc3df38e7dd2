"""The export job page (`jobs.md`, `jobs.html`): states, progress, listing, the zip and its
manifest, the webhook and its signature, with snippets that run as printed.

The facts come from the spec: the `jobs` operations, `JobState`, `JobProgress`,
`JobManifest`, `JobEvent` and createExportJob's `callbacks`. The page is made only when the
spec has the `jobs` tag (jobs are an optional capability).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from export_contract.spec_files import SpecFileError, dereference

from .job_snippets import JobSnippets, job_snippets
from .job_states import JobStates, job_states
from .markdown import MarkdownWriter
from .settings import SiteSettings
from .snippets import Snippet

__all__ = ["DIAGRAM_FILE", "JobsPage", "has_jobs", "jobs_page", "render_jobs_markdown"]

JOBS_TAG = "jobs"
# The diagram as a file, for readers of the Markdown; the HTML page inlines it instead.
DIAGRAM_FILE = "jobs-states.svg"
DIAGRAM_ALT = "Job states and their moves"


@dataclass(frozen=True)
class JobsPage:
    spec: Mapping[str, Any]  # dereferenced
    states: JobStates
    snippets: JobSnippets
    guide: str
    reference_page: str | None

    def operation(self, operation_id: str) -> dict[str, Any]:
        for item in (self.spec.get("paths") or {}).values():
            for op in item.values():
                if isinstance(op, dict) and op.get("operationId") == operation_id:
                    return op
        raise SpecFileError(f"the spec has no operation {operation_id}: the export job page "
                            "needs every `jobs` operation (or none of them).")

    def schema(self, name: str) -> dict[str, Any]:
        schemas: dict[str, Any] = (self.spec.get("components") or {}).get("schemas") or {}
        return schemas.get(name) or {}


def has_jobs(spec: Mapping[str, Any]) -> bool:
    return any(isinstance(op, dict) and JOBS_TAG in (op.get("tags") or ())
               for item in (spec.get("paths") or {}).values() for op in item.values())


def jobs_page(spec: Mapping[str, Any], settings: SiteSettings, *, guide: str,
              reference_page: str | None) -> JobsPage:
    """Raises JobStatesError or JobSnippetsError when the spec lacks what the page needs."""
    return JobsPage(spec=dereference(spec), states=job_states(spec),
                    snippets=job_snippets(spec, settings), guide=guide,
                    reference_page=reference_page)


def render_jobs_markdown(page: JobsPage) -> str:
    body = MarkdownWriter()
    body.slugger.slug("Export jobs")
    body.slugger.slug("Contents")
    _states(body, page)
    _progress(body, page)
    _lifecycle(body, page)
    _cancel(body, page)
    _listing(body, page)
    _download(body, page)
    _webhook(body, page)

    out = MarkdownWriter()
    out.text("# Export jobs", "")
    tag: Mapping[str, Any] = next(
        (t for t in page.spec.get("tags") or () if t.get("name") == JOBS_TAG), {})
    out.paragraph(str(tag.get("description") or ""))
    out.paragraph(f"Generated from the spec by `export-contract docs`, like the "
                  f"[guide]({page.guide}); every snippet runs as printed against the mock "
                  f"(`export-contract mock`).")
    return out.contents_then(body, deepest=3)


def _states(w: MarkdownWriter, page: JobsPage) -> None:
    w.heading(2, "States and moves")
    states = page.states
    w.table(["State", "Moves to", "Final"],
            [[f"`{s}`", ", ".join(f"`{t}`" for t in states.moves.get(s, ())) or "—",
              "yes" if s in states.final else "no"] for s in states.states])
    w.paragraph(f"![{DIAGRAM_ALT}]({DIAGRAM_FILE})")
    w.paragraph(states.description)
    w.paragraph(_described(page, "deleteExportJob"))


def _progress(w: MarkdownWriter, page: JobsPage) -> None:
    w.heading(2, "Progress")
    w.paragraph(_described(page, "getExportJob"))
    progress = page.schema("JobProgress").get("properties") or {}
    w.table(["Field", "Meaning"],
            [[f"`progress.{name}`", str(field.get("description") or "")]
             for name, field in progress.items()])
    job = page.schema("Job").get("properties") or {}
    w.table(["Field", "Meaning"],
            [[f"`{name}`", str(job[name].get("description") or "")]
             for name in ("updatedAt", "downloadUrl", "expiresAt", "error") if name in job])


def _lifecycle(w: MarkdownWriter, page: JobsPage) -> None:
    w.heading(2, "Create, poll and download a job")
    w.paragraph(_described(page, "createExportJob"))
    w.paragraph("The snippets start a job (without `callbackUrl`, so they send no webhook), "
                "poll it every second until it ends, and save the zip.")
    _snippets(w, page.snippets.lifecycle)


def _cancel(w: MarkdownWriter, page: JobsPage) -> None:
    w.heading(2, "Cancel a job")
    w.paragraph(_described(page, "deleteExportJob"))
    _snippets(w, (page.snippets.cancel,))


def _listing(w: MarkdownWriter, page: JobsPage) -> None:
    w.heading(2, "List jobs")
    w.paragraph(_described(page, "listExportJobs"))
    parameters = page.operation("listExportJobs").get("parameters") or []
    w.table(["Query parameter", "Meaning", "Example"],
            [[f"`{p['name']}`", str(p.get("description") or ""),
              f"`{p['example']}`" if "example" in p else ""] for p in parameters])
    _snippets(w, (page.snippets.listing,))


def _download(w: MarkdownWriter, page: JobsPage) -> None:
    w.heading(2, "The download and manifest.json")
    w.paragraph(_described(page, "downloadExportJob"))
    manifest = page.schema("JobManifest")
    w.paragraph(str(manifest.get("description") or ""))
    rows = [["`jobId`", "string", "The job's id."]]
    variants = [v.get("properties") or {} for v in ((manifest.get("properties") or {}).get(
        "results") or {}).get("items", {}).get("oneOf") or ()]
    shared = [n for n in (variants[0] if variants else {}) if all(n in v for v in variants)]
    for name in shared:
        if name != "success":
            rows.append([f"`results[].{name}`", _type(variants[0][name]),
                         str(variants[0][name].get("description") or "As in the request.")])
    for properties in variants:
        success = (properties.get("success") or {}).get("enum", ["?"])[0]
        rows.append(["`results[].success`", _type(properties.get("success") or {}),
                     "The item was exported." if success is True else "The item failed."])
        rows.extend([f"`results[].{name}`", _type(field),
                     f"Only when `success` is `{json.dumps(success)}`. "
                     + str(field.get("description") or "")]
                    for name, field in properties.items() if name not in shared)
    summary = (manifest.get("properties") or {}).get("summary") or {}
    rows += [[f"`summary.{name}`", _type(field), "Items in the job." if name == "total"
              else f"Items that {name}."] for name, field in (summary.get("properties")
                                                              or {}).items()]
    w.table(["Field", "Type", "Meaning"], rows)
    if "example" in manifest:
        w.text("**Example** (`manifest.json`)")
        w.code("json", json.dumps(manifest["example"], indent=2, ensure_ascii=False))


def _webhook(w: MarkdownWriter, page: JobsPage) -> None:
    w.heading(2, "The webhook")
    callbacks = page.operation("createExportJob").get("callbacks") or {}
    for name, expressions in callbacks.items():
        for expression, item in expressions.items():
            post = item.get("post") or {}
            w.paragraph(f"Callback `{name}`: `POST {expression}`. {post.get('summary', '')}")
            w.paragraph(str(post.get("description") or ""))
            events = ((page.schema("JobEvent").get("properties") or {}).get("event")
                      or {}).get("enum") or ()
            w.table(["Event", "Sent when the job becomes"],
                     [[f"`{e}`", f"`{str(e).split('.')[-1]}`"] for e in events])
            w.table(["Header", "Meaning", "Example"],
                    [[f"`{p['name']}`", str(p.get("description") or ""),
                      f"`{p['example']}`" if "example" in p else ""]
                     for p in post.get("parameters") or () if p.get("in") == "header"])
            content = ((post.get("requestBody") or {}).get("content") or {}).get(
                "application/json") or {}
            if "example" in content:
                w.text("**Body example**")
                w.code("json", json.dumps(content["example"], indent=2, ensure_ascii=False))
            for code, response in (post.get("responses") or {}).items():
                w.paragraph(f"Receiver answers `{code}`: {response.get('description', '')}")
    w.heading(3, "Verify the signature")
    w.paragraph(
        "Keep the body as the raw bytes received: parsing and re-serialising JSON changes "
        "them, and the HMAC no longer matches (with Express, `express.raw({ type: "
        "\"application/json\" })`; with Starlette, `await request.body()`). Split the header "
        "into `t` and `v1`, compute the lowercase hex HMAC-SHA256 of `\"<t>.<raw body>\"` with "
        "the webhook secret, compare it with `v1` in constant time, and refuse a `t` more than "
        "5 minutes from your clock. Answer `2xx` only after that, and drop an "
        "`X-Export-Event-Id` you have already handled (retries repeat it).")
    _snippets(w, page.snippets.verify)
    w.paragraph("`export-contract listen --secret SECRET` is a ready receiver that "
                "verifies and prints each delivery.")


def _described(page: JobsPage, operation_id: str) -> str:
    op = page.operation(operation_id)
    link = ""
    if page.reference_page and op.get("tags"):
        link = (f" ([{operation_id} in the reference]({page.reference_page}#/"
                f"{op['tags'][0]}/{operation_id}))")
    return (f"**{op.get('summary', operation_id)}**{link}. "
            + str(op.get("description") or "").strip())


def _snippets(w: MarkdownWriter, snippets: tuple[Snippet, ...]) -> None:
    for snippet in snippets:
        w.text(f"**{snippet.title}**")
        w.code(snippet.language, snippet.code)


def _type(schema: Mapping[str, Any]) -> str:
    kind = str(schema.get("type") or "any")
    if schema.get("enum"):
        kind += " (" + ", ".join(yaml.safe_dump(v).strip().removesuffix("...").strip()
                                 for v in schema["enum"]) + ")"
    return kind

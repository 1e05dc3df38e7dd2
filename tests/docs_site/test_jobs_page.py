"""The export job page follows the spec: states, moves, diagram, webhook facts, its absence."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from conftest import SpecEditor
from page_links import html_page

from docs_site import BuiltSite
from docs_site.job_states import JobStatesError, job_states
from export_contract.spec import load_spec
from export_contract.spec_files import SpecFileError

SVG = "{http://www.w3.org/2000/svg}"


def _job_state(spec: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = spec["components"]["schemas"]["JobState"]
    return state


def _diagram(svg_text: str) -> tuple[dict[str, str], int]:
    """The diagram's states (name: class) and the number of its arrows."""
    root = ET.fromstring(svg_text)
    states = {g.get("data-state", ""): g.get("class", "") for g in root.iter(f"{SVG}g")}
    return states, len(list(root.iter(f"{SVG}line")))


def test_states_and_moves_are_read_from_the_spec() -> None:
    states = job_states(load_spec())
    assert states.states == ("processing", "complete", "error", "cancelled", "gone")
    assert dict(states.moves) == {"processing": ("complete", "error", "cancelled"),
                                  "complete": ("gone",)}
    assert states.final == ("error", "cancelled", "gone")
    assert states.initial == "processing"


def test_the_page_shows_each_state_in_its_table_and_its_diagram(site: BuiltSite) -> None:
    jobs_md = (site.root / "jobs.md").read_text(encoding="utf-8")
    assert "| `processing` | `complete`, `error`, `cancelled` | no |" in jobs_md
    assert "| `complete` | `gone` | no |" in jobs_md
    assert "| `gone` | — | yes |" in jobs_md
    diagram, arrows = _diagram((site.root / "jobs-states.svg").read_text(encoding="utf-8"))
    assert diagram == {"processing": "state", "complete": "state", "error": "state final",
                       "cancelled": "state final", "gone": "state final"}
    assert arrows == 4


def test_the_html_page_inlines_the_diagram(site: BuiltSite) -> None:
    page = (site.root / "jobs.html").read_text(encoding="utf-8")
    svg = re.search(r"<svg .*?</svg>", page, re.S)
    assert svg is not None and "<img" not in page
    assert svg.group(0) == (site.root / "jobs-states.svg").read_text(encoding="utf-8").strip()
    ids, _ = html_page(site.root / "jobs.html")
    assert {"states-and-moves", "the-webhook", "verify-the-signature",
            "the-download-and-manifestjson"} <= ids


def test_a_new_state_and_move_in_the_spec_reach_the_table_and_diagram(
        edited_spec: SpecEditor, build: Callable[..., BuiltSite]) -> None:
    def add_archived(spec: dict[str, Any]) -> None:
        state = _job_state(spec)
        state["enum"].append("archived")
        state["description"] = state["description"].replace(
            "`complete` moves to `gone`", "`complete` moves to `gone` or `archived`").replace(
            "`error`, `cancelled` and `gone` are final",
            "`error`, `cancelled`, `gone` and `archived` are final")

    built = build(spec_file=edited_spec(add_archived))
    assert "| `complete` | `gone`, `archived` | no |" in (built.root / "jobs.md").read_text(
        encoding="utf-8")
    diagram, arrows = _diagram((built.root / "jobs-states.svg").read_text(encoding="utf-8"))
    assert diagram["archived"] == "state final" and arrows == 5


def test_a_state_the_description_leaves_out_is_a_clear_error(
        edited_spec: SpecEditor, build: Callable[..., BuiltSite]) -> None:
    path = edited_spec(lambda spec: _job_state(spec)["enum"].append("paused"))
    with pytest.raises(JobStatesError, match=r"does not say how paused moves") as caught:
        build(spec_file=path)
    assert isinstance(caught.value, SpecFileError)  # the CLI reports it without a traceback


def test_the_webhook_section_follows_the_callback_and_the_event_schema(
        edited_spec: SpecEditor, build: Callable[..., BuiltSite]) -> None:
    def change(spec: dict[str, Any]) -> None:
        callback = spec["paths"]["/viewer/exports/jobs"]["post"]["callbacks"]["jobEnded"]
        post = callback["{$request.body#/callbackUrl}"]["post"]
        post["description"] += "\nRetries stop after 3 days.\n"
        spec["components"]["schemas"]["JobEvent"]["properties"]["event"]["enum"].append(
            "export.gone")

    jobs_md = (build(spec_file=edited_spec(change)).root / "jobs.md").read_text(encoding="utf-8")
    assert "Retries stop after 3 days." in jobs_md
    assert "| `export.gone` | `gone` |" in jobs_md


def test_a_spec_without_jobs_gets_no_job_page_and_no_link_to_one(
        edited_spec: SpecEditor, build: Callable[..., BuiltSite]) -> None:
    def drop_jobs(spec: dict[str, Any]) -> None:
        for path in [p for p in spec["paths"] if p.startswith("/viewer/exports/jobs")]:
            del spec["paths"][path]

    built = build(spec_file=edited_spec(drop_jobs))
    assert not (built.root / "jobs.html").exists() and not (built.root / "jobs.md").exists()
    for page in ("index.html", "reference.html"):
        _, links = html_page(built.root / page)
        assert "jobs.html" not in {link.target for link in links}
    assert "jobs.html" not in (built.root / "api.md").read_text(encoding="utf-8")

"""`export-contract verify`: judge a backend against the contract, rule by rule."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

__all__ = ["verify"]


@click.command("verify")
@click.option("--base-url", help="The backend's base URL with its API prefix, e.g. "
                                 "http://127.0.0.1:8080/api.")
@click.option("--api-key", envvar="EXPORT_API_KEY", show_envvar=True,
              help="A valid x-api-key; without it the auth checks are skipped.")
@click.option("--source-url", "source_urls", multiple=True,
              help="sourceFileUrl of an export the backend knows (repeatable).")
@click.option("--fixtures", type=click.Choice(["auto"]),
              help="auto: register fixture exports through the registration route, remove "
                   "them afterwards.")
@click.option("--origin", help="A browser origin; enables the CORS checks.")
@click.option("--strict", is_flag=True, default=None,
              help="SHOULD rules gate too (without it their breaches are warnings).")
@click.option("--profile", type=click.Choice(["contract", "reference"]),
              help="contract (default): MUST and SHOULD rules. reference: also the REF rules, "
                   "our reference backend's own choices.")
@click.option("--max-items", type=click.IntRange(min=1),
              help="The backend's declared batch item limit (Q5 is checked at its edges).")
@click.option("--max-body-bytes", type=click.IntRange(min=1),
              help="The backend's declared request body limit in bytes.")
@click.option("--follow-urls/--no-follow-urls", default=None,
              help="Fetch exported URLs (U4-U6); on by default.")
@click.option("--url-revisit-after", "url_revisit_seconds", type=click.FloatRange(min=0),
              help="Fetch early exported URLs again this many seconds after issue (U6; "
                   "default 3, 60 checks the full minute).")
@click.option("--big-archive", is_flag=True, default=None,
              help="With --fixtures auto: check ZIP64 with a batch zip past 4 GiB (slow).")
@click.option("--max-examples", type=click.IntRange(min=1),
              help="Examples per property and fuzzed operation (default 25).")
@click.option("--seed", type=int, help="Hypothesis seed, to repeat a run exactly.")
@click.option("--junit-xml", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a JUnit XML report (one testcase per rule).")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a JSON report.")
@click.option("--checks", "checks", multiple=True, metavar="ID,...",
              help="Run only these check IDs (or rule IDs).")
@click.option("--exclude-checks", "exclude_checks", multiple=True, metavar="ID,...",
              help="Leave these check IDs (or rule IDs) out.")
@click.option("--jobs", is_flag=True, default=None,
              help="Require export jobs: without them rule J1 fails (otherwise the job checks "
                   "run only when the backend has the job routes).")
@click.option("--callback-listen", metavar="HOST:PORT",
              help="Where the checker's webhook receiver listens (default 127.0.0.1 on a free "
                   "port).")
@click.option("--callback-base-url", metavar="URL",
              help="The receiver's URL as the backend reaches it (a container, a tunnel).")
@click.option("--webhook-secret", envvar="EXPORT_WEBHOOK_SECRET", show_envvar=True,
              help="The backend's webhook secret, to verify signatures (J7); without it only "
                   "their shape is checked.")
@click.option("--webhook-retry-wait", type=click.FloatRange(min=0), metavar="SECONDS",
              help="How long to wait for the retry of a delivery answered 500 (J7, SHOULD; "
                   "default 60).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="An export-contract.toml holding any of these options.")
def verify(checks: tuple[str, ...], exclude_checks: tuple[str, ...], config_path: Path | None,
           **flags: Any) -> None:
    """Check a backend against the export-download contract, rule by rule.

    Levels: MUST rules always gate, SHOULD rules with --strict (otherwise a breach is a
    warning), REF rules (our reference's choices) only with --profile reference.

    Exit status: 0 no gating rule is broken, 1 a gating rule is broken, 2 usage error, backend
    unreachable, or nothing could be checked.
    """
    from contract_tests.verify_command import parse_id_list, run_verify_command

    flags.update(checks=parse_id_list(checks), exclude_checks=parse_id_list(exclude_checks))
    sys.exit(run_verify_command(flags, config_path, echo=click.echo))

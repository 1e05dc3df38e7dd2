"""Rule J4 as a hypothesis state machine: create, poll, cancel, delete, download and list jobs
in random order, and never see a forbidden state move or progress going back.

Every job body the machine receives goes through the ``JobWatcher``, which judges each move
against the last state seen of that job; the machine's invariant stops a run at the first
breach. Examples and steps are bounded by
``--max-examples`` so the phase stays a few seconds on a fast backend. Shrinking is off: each
step is an HTTP request, and the evidence names the move that broke the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from .job_api import JobApi

__all__ = ["run_lifecycle"]

# Jobs per example stay few: each is built by the backend.
_MAX_STEPS = 8


def run_lifecycle(api: JobApi, urls: Sequence[str], *, max_examples: int, seed: int) -> None:
    """Run the machine; its breaches land in ``job-states-move-forward``."""
    start = api.watcher.breaches
    items = st.lists(st.sampled_from(list(urls)), min_size=1, max_size=3)

    class Lifecycle(RuleBasedStateMachine):
        jobs = Bundle("jobs")

        def __init__(self) -> None:
            super().__init__()
            self.stopped = False

        @initialize(target=jobs, chosen=items)
        def first(self, chosen: list[str]) -> str:
            return self._create(chosen)

        @rule(target=jobs, chosen=items)
        def create(self, chosen: list[str]) -> str:
            return self._create(chosen)

        @rule(job=jobs)
        def poll(self, job: str) -> None:
            if not self.stopped:
                api.get(job)

        @rule(chosen=items)
        def cancel(self, chosen: list[str]) -> None:
            # Cancel at once: the one moment a job is most likely still processing.
            job = self._create(chosen)
            if not self.stopped:
                api.delete(job)
                api.get(job)

        @rule(job=jobs)
        def delete(self, job: str) -> None:
            if not self.stopped:
                api.delete(job)

        @rule(job=jobs)
        def download(self, job: str) -> None:
            if self.stopped:
                return
            _, body = api.get(job)
            url = body.get("downloadUrl") if body else None
            if isinstance(url, str) and "://" in url:
                api.download(url)

        @rule()
        def listing(self) -> None:
            if not self.stopped:
                api.list(limit="20")

        @invariant()
        def moves_allowed(self) -> None:
            # The watcher judged every body as it came (the evidence is kept). After the first
            # breach the remaining steps send nothing rather than fail the example: hypothesis
            # would replay it, and a backend is external state that does not replay.
            self.stopped = api.watcher.breaches > start

        def _create(self, chosen: list[str]) -> str:
            if self.stopped:
                return "(stopped)"
            _, job = api.create(chosen, name="verify-lifecycle")
            job_id = job.get("id") if job else None
            return job_id if isinstance(job_id, str) else "(not created)"

    hypothesis_seed(seed)(Lifecycle)
    config: Any = settings(max_examples=max_examples, stateful_step_count=_MAX_STEPS,
                           database=None, deadline=None, phases=(Phase.generate,),
                           suppress_health_check=list(HealthCheck), print_blob=False)
    run_state_machine_as_test(Lifecycle, settings=config)

"""The job phase of a run (rules J1-J8): a handful of jobs, each made to show one behaviour.

The jobs, in the order they are created so the slow part overlaps the rest:

* ``retry``: items that resolve nowhere, a callback whose first delivery gets 500. It must end
  ``error``/``not_found`` (J4) and be delivered again (J7 SHOULD) while the other probes run.
* ``main``: known exports plus an unknown item, named, with a callback: ends ``complete``
  (J4), its zip and manifest (J6), its webhook (J7).
* ``nameless``: no name (J1: ``exports``), then deleted (J5: ``gone``), its download ``410`` (J6).
* ``cancel``: created with ``Prefer: job-duration=5`` (a mock keeps it processing) and deleted
  at once (J5: ``cancelled``, and still so at the end of the phase; or ``gone`` when it had
  finished).

Then the body and auth rules on the job route, refused callbacks (J8), the item limit (J1
REF), reads and lists (J3, ``job_lists.py``), the state machine (J4, ``job_lifecycle.py``),
and last the webhook deliveries (J7, ``job_webhooks.py``). The receiver is the checker's own
(``webhook_receiver.py``); every job body goes through the ``JobWatcher`` (J2, J4).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from .client import Exchange, ProbeClient
from .exports import KnownExport, unknown_url
from .job_api import JOBS_PATH, JobApi, ProbeJob
from .job_bodies import JobWatcher
from .job_lifecycle import run_lifecycle
from .job_lists import list_problems
from .job_manifest import download_problems
from .job_webhooks import WEBHOOK_CHECKS, WebhookJudge
from .options import VerifyOptions
from .results import Evidence
from .showing import shown_body
from .verdicts import Verdicts
from .webhook_receiver import WebhookReceiver, webhook_receiver

__all__ = ["JOB_CHECKS", "run_job_probes"]

_NAME = "verify-jobs"
_BAD_CALLBACKS = ("ftp://example.com/hooks/export", "/hooks/export",
                  "javascript:alert(1)")
# Loopback on the discard port: refused fast if a backend does call it.
_PRIVATE_CALLBACKS = ("http://127.0.0.1:9/hooks/export", "http://[::1]:9/hooks/export")
_REF_JOB_ITEMS = 10_000
# Answers that may mean "not this callback": the job is created again without one to tell.
_REFUSALS = (400, 403, 422)
JOB_CHECKS = ("job-create-accepted", "job-item-limit-reference", "job-body-shape",
              "job-read-and-list", "job-states-move-forward", "job-outcome-follows-resolution",
              "job-delete-cancels-or-removes", "job-download-zip-and-manifest",
              "job-download-gone", "job-download-range", *WEBHOOK_CHECKS,
              "callback-url-scheme-refused", "callback-private-refused")


@dataclass
class _JobPhase:
    client: ProbeClient
    verdicts: Verdicts
    known: list[KnownExport]
    options: VerifyOptions
    seed: int
    receiver: WebhookReceiver
    notes: list[str]
    api: JobApi = field(init=False)
    callbacks_refused: str | None = None
    cancelled: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.api = JobApi(self.client, JobWatcher(self.verdicts), self.options.timeout)

    # -- the phase ---------------------------------------------------------------------------

    def run(self) -> None:
        missing = [unknown_url(f"job-{self.seed}-{n}.pdf") for n in range(2)]
        known_urls = [e.source_file_url for e in self.known[:3]]
        retry = self._create("retry", missing[:1], name="verify-retry", fail_first=True)
        if retry.absent:
            return
        main = self._create("main", [*known_urls, missing[1]], name=_NAME)
        nameless = self._create("nameless", known_urls[:1] or missing[:1], callback=False)
        cancel = self._create("cancel", known_urls[:1] or missing[:1], name="verify-cancel",
                              headers={"Prefer": "job-duration=5"})
        self._judge_cancel(cancel)
        self._body_and_auth_rules(missing[0])
        self._refused_callbacks(missing[0])
        self._item_limit(missing[0])
        for job in (retry, main, nameless):
            self._await_end(job)
        self._judge_outcome(retry, main, nameless)
        self._judge_download(main)
        self._judge_reads([j for j in (retry, main, nameless, cancel) if j.job])
        self._judge_gone(nameless)
        if self.verdicts.wants("job-states-move-forward"):
            run_lifecycle(self.api, [*known_urls, *missing], seed=self.seed,
                          max_examples=max(1, min(self.options.max_examples, 5)))
        self._still_cancelled()
        WebhookJudge(self.receiver, self.verdicts, self.api.watcher, self.options,
                     self.notes).judge((main, cancel, retry), retry, self.callbacks_refused)

    # -- creating (J1) -----------------------------------------------------------------------

    def _create(self, tag: str, urls: list[str], *, name: str | None = None,
                callback: bool = True, fail_first: bool = False,
                headers: dict[str, str] | None = None) -> ProbeJob:
        callback_url = self.receiver.url(tag) if callback and not self.callbacks_refused else None
        if fail_first:
            self.receiver.fail_first.add(tag)
        ex, job = self.api.create(urls, name=name, callback_url=callback_url, headers=headers)
        if ex.status in (404, 405) and tag == "retry":
            self._absent(ex)
            return ProbeJob(tag, urls, None, absent=True)
        if ex.status in (401, 403) and self.options.api_key is None and tag == "retry":
            reason = (f"could not check: creating a job answered {ex.status} and no --api-key "
                      "was given")
            self.notes.append(reason)
            for check in JOB_CHECKS:
                self.verdicts.skip(check, reason)
            return ProbeJob(tag, urls, None, absent=True)
        if ex.status in _REFUSALS and callback_url is not None:
            refused = ex
            ex, job = self.api.create(urls, name=name, headers=headers)
            if ex.status == 202:
                self._callback_refused(refused, callback_url)
            callback_url = None
        self._judge_created(ex, job, name if name is not None else "exports", urls)
        return ProbeJob(tag, urls, job, callback=callback_url is not None)

    def _callback_refused(self, refused: Exchange, callback_url: str) -> None:
        """The checker's own callback was what the backend refused: J7 cannot be judged, and
        J8 allows only a 400 for it (a private target, REF)."""
        self.callbacks_refused = (
            f"the backend refused the callback {callback_url} with {refused.status} (J8 "
            "allows refusing loopback and private targets); pass --callback-base-url with an "
            "address it accepts, or let it allow private callbacks")
        self.verdicts.judge("callback-private-refused", [] if refused.status == 400 else [
            refused.evidence(f"the callback {callback_url} was refused with {refused.status}; "
                             "a refused private target gets 400", shown_body(refused.content))])

    def _absent(self, ex: Exchange) -> None:
        if self.options.jobs:
            self.verdicts.fail("job-create-accepted", ex.evidence(
                f"POST {JOBS_PATH} answered {ex.status}: the backend offers no export jobs, "
                "and --jobs requires them"))
            for check in JOB_CHECKS:
                self.verdicts.skip(check, "the backend offers no export jobs (J1 fails)")
            return
        self.verdicts.lack("jobs")
        self.notes.append(f"no export jobs: POST {JOBS_PATH} answered {ex.status}; the job "
                          "checks are skipped (--jobs requires them)")

    def _judge_created(self, ex: Exchange, job: dict[str, Any] | None, name: str,
                       urls: Sequence[str]) -> None:
        if ex.status != 202:
            self.verdicts.fail("job-create-accepted", ex.evidence(
                f"creating a job of {len(urls)} items answered {ex.status}, not 202 (unknown "
                "items do not fail the request: they resolve in the job)",
                shown_body(ex.content)))
            return
        problems: list[Evidence] = []
        location = ex.headers.get("location")
        if not location:
            problems.append(ex.evidence("the 202 has no Location header naming the job"))
        elif job is not None:
            target = str(httpx.URL(ex.url).join(location))
            seen = self.client.send("GET", target)
            body = _json(seen)
            if seen.status != 200 or not isinstance(body, dict) or body.get("id") != job["id"]:
                problems.append(ex.evidence(
                    f"Location {location} does not lead to the job: GET {target} answered "
                    f"{seen.status}", shown_body(seen.content)))
        if job is None:
            problems.append(ex.evidence("the 202 body is not the job", shown_body(ex.content)))
        elif job.get("name") != name:
            problems.append(ex.evidence(
                f"the job is named {job.get('name')!r}; sent {name!r}"
                + (" (no name means 'exports')" if name == "exports" else "")))
        self.verdicts.judge("job-create-accepted", problems)

    # -- cancelling (J5) ---------------------------------------------------------------------

    def _judge_cancel(self, job: ProbeJob) -> None:
        if job.job is None:
            return
        job_id = job.job["id"]
        ex, answer = self.api.delete(job_id)
        state = answer.get("state") if answer else None
        problems: list[Evidence] = []
        if ex.status != 200 or answer is None:
            problems.append(ex.evidence(f"DELETE of a new job answered {ex.status}, not 200 "
                                        "with the job", shown_body(ex.content)))
        elif state not in ("cancelled", "gone", "error"):
            problems.append(ex.evidence(
                f"DELETE of a new job answered it {state!r}: a processing job becomes "
                "cancelled, a complete one gone"))
        job.event_state = {"cancelled": "cancelled", "gone": "complete", "error": "error"}.get(
            str(state))
        if state == "cancelled":
            self.cancelled.append(job_id)
        self.verdicts.judge("job-delete-cancels-or-removes", problems)
        self._delete_again(job_id, state)

    def _still_cancelled(self) -> None:
        """Read the cancelled jobs again once the other probes ran: never complete (J5).

        No wait of its own: the rest of the phase is the time a wrongly running build gets."""
        for job_id in self.cancelled:
            ex, job = self.api.get(job_id)
            state = job.get("state") if job else None
            self.verdicts.judge("job-delete-cancels-or-removes", [] if state == "cancelled"
                                else [ex.evidence(f"job {job_id} was cancelled, then read as "
                                                  f"{state!r}: a cancelled job stays "
                                                  "cancelled")])

    def _delete_again(self, job_id: str, state: object) -> None:
        """DELETE on a final state changes nothing (J5)."""
        if state not in ("cancelled", "gone", "error"):
            return
        ex, again = self.api.delete(job_id)
        after = again.get("state") if again else None
        self.verdicts.judge("job-delete-cancels-or-removes", [] if ex.status == 200 and
                            after == state else [ex.evidence(
                                f"DELETE of a {state} job answered {ex.status} with state "
                                f"{after!r}: a final state does not change")])

    # -- refused requests (Q1, Q3, A2 on the job route; J8; J1 REF) ---------------------------

    def _body_and_auth_rules(self, url: str) -> None:
        """J1: the body and auth rules of the download routes hold for job creation too."""
        if self.options.api_key is not None:
            ex = self.client.send("POST", JOBS_PATH, raw=_body([url]), key=None,
                                  content_type="application/json", well_formed=False)
            self.verdicts.judge("auth-missing-key-rejected", [] if ex.status in (401, 403) else [
                ex.evidence(f"creating a job without x-api-key answered {ex.status}, not 401 "
                            "or 403")])
        for raw in (b"[]", b'{"items": []}', b'{"items": "x"}', b"not json"):
            ex = self.client.send("POST", JOBS_PATH, raw=raw, content_type="application/json",
                                  well_formed=False)
            self.verdicts.judge("request-malformed-body-rejected", [] if ex.status == 400 else [
                ex.evidence(f"creating a job from {raw.decode()!r} answered {ex.status}, not "
                            "400", shown_body(ex.content))])
        extra = {"items": [{"sourceFileUrl": url, "note": 1}], "verifyExtra": True}
        ex = self.client.post_json(JOBS_PATH, extra)
        self.verdicts.judge("request-extra-properties-tolerated", [] if ex.status < 500 else [
            ex.evidence(f"a job body with extra properties answered {ex.status}")])


    def _refused_callbacks(self, url: str) -> None:
        for callback in _BAD_CALLBACKS:
            ex, _ = self.api.create([url], callback_url=callback)
            self.verdicts.judge("callback-url-scheme-refused", [] if ex.status == 400 else [
                ex.evidence(f"callbackUrl {callback!r} answered {ex.status}: a callback that "
                            "is not an absolute http(s) URL gets 400", shown_body(ex.content))])
        if not self.verdicts.wants("callback-private-refused"):
            return
        for callback in _PRIVATE_CALLBACKS:
            ex, _ = self.api.create([url], callback_url=callback)
            self.verdicts.judge("callback-private-refused", [] if ex.status in (202, 400) else [
                ex.evidence(f"callbackUrl {callback!r} answered {ex.status}: a private target "
                            "gets 400 (or 202 where the operator allows it)",
                            shown_body(ex.content))])

    def _item_limit(self, url: str) -> None:
        if not self.verdicts.wants("job-item-limit-reference"):
            return
        urls = [url] * (_REF_JOB_ITEMS + 1)
        ex, _ = self.api.create(urls)
        self.verdicts.judge("job-item-limit-reference", [] if ex.status == 413 else [
            ex.evidence(f"a job of {len(urls)} items answered {ex.status}; the reference "
                        f"takes {_REF_JOB_ITEMS} and answers 413 beyond")])

    # -- outcomes (J4) -----------------------------------------------------------------------

    def _await_end(self, job: ProbeJob) -> None:
        if job.job is not None:
            job.final = self.api.ended(job.job["id"])
            if job.final is not None and job.event_state is None:
                job.event_state = job.final.get("state")

    def _judge_outcome(self, retry: ProbeJob, main: ProbeJob, nameless: ProbeJob) -> None:
        for job in (retry, main, nameless):
            if job.job is None:
                continue
            resolves = any(u in {e.source_file_url for e in self.known} for u in job.urls)
            wanted = "complete" if resolves else "error"
            final = job.final
            problems: list[Evidence] = []
            ex = self.api.get(job.job["id"])[0]
            if final is None:
                problems.append(ex.evidence(f"job {job.job['id']} did not end within "
                                            f"{self.options.timeout:g} s"))
            elif final.get("state") != wanted:
                problems.append(ex.evidence(
                    f"a job whose items {'partly' if resolves else 'all fail to'} resolve "
                    f"ended {final.get('state')!r}, not {wanted!r}", shown_body(ex.content)))
            elif not resolves and (final.get("error") or {}).get("code") != "not_found":
                problems.append(ex.evidence(
                    f"a job whose items all fail to resolve ended with error "
                    f"{final.get('error')!r}; its code is not_found", shown_body(ex.content)))
            self.verdicts.judge("job-outcome-follows-resolution", problems)

    # -- downloads (J6) ----------------------------------------------------------------------

    def _judge_download(self, main: ProbeJob) -> None:
        job = main.final
        url = job.get("downloadUrl") if job else None
        if job is None or job.get("state") != "complete" or not isinstance(url, str):
            for check in ("job-download-zip-and-manifest", "job-download-range"):
                self.verdicts.skip(check, "could not check: no job ended complete")
            return
        known = {e.source_file_url: e for e in self.known}
        ex = self.api.download(url)
        self.verdicts.judge("job-download-zip-and-manifest", [
            ex.evidence(problem) for problem in download_problems(ex, job, main.urls, known)])
        if ex.status == 200 and len(ex.content) > 1:
            self._judge_range(url, ex)

    def _judge_range(self, url: str, full: Exchange) -> None:
        end = min(len(full.content), 100) - 1
        part = self.api.download(url, headers={"Range": f"bytes=0-{end}"})
        problems: list[str] = []
        if part.status != 206:
            problems.append(f"Range: bytes=0-{end} answered {part.status}, not 206")
        elif part.content != full.content[:end + 1]:
            problems.append("the 206 body is not the first bytes of the zip")
        if "bytes" not in full.headers.get("accept-ranges", "").lower():
            problems.append("the download has no Accept-Ranges: bytes")
        etag = full.headers.get("etag")
        if not etag or part.headers.get("etag") != etag:
            problems.append(f"the ETag is not stable: {etag!r} then "
                            f"{part.headers.get('etag')!r}")
        self.verdicts.judge("job-download-range", [part.evidence(p) for p in problems])

    def _judge_gone(self, job: ProbeJob) -> None:
        final = job.final
        url = final.get("downloadUrl") if final else None
        if final is None or final.get("state") != "complete" or not isinstance(url, str):
            self.verdicts.skip("job-download-gone", "could not check: no job ended complete")
            return
        ex, answer = self.api.delete(final["id"])
        state = answer.get("state") if answer else None
        self.verdicts.judge("job-delete-cancels-or-removes", [] if ex.status == 200 and
                            state == "gone" else [ex.evidence(
                                f"DELETE of a complete job answered {ex.status} with state "
                                f"{state!r}: a complete job becomes gone")])
        self._delete_again(final["id"], state)
        gone = self.api.download(url)
        self.verdicts.judge("job-download-gone", [] if gone.status == 410 else [
            gone.evidence(f"the downloadUrl of a gone job answered {gone.status}, not 410")])

    # -- reads and lists (J3) ----------------------------------------------------------------

    def _judge_reads(self, jobs: Sequence[ProbeJob]) -> None:
        problems: list[Evidence] = []
        for job in jobs:
            assert job.job is not None
            ex, body = self.api.get(job.job["id"])
            if ex.status != 200 or body is None or body.get("id") != job.job["id"]:
                problems.append(ex.evidence(f"GET of job {job.job['id']} answered "
                                            f"{ex.status} without the job"))
        ex, _ = self.api.get(f"verify-no-such-job-{self.seed}")
        if ex.status != 404:
            problems.append(ex.evidence(f"an unknown job id answered {ex.status}, not 404"))
        problems += list_problems(self.api, len(jobs), self.seed)
        self.verdicts.judge("job-read-and-list", problems)

def run_job_probes(client: ProbeClient, verdicts: Verdicts, known: list[KnownExport],
                   options: VerifyOptions, seed: int) -> list[str]:
    """Judge the export jobs (J1-J8); return notes for the report."""
    notes: list[str] = []
    host, port = options.listen_address()
    with webhook_receiver(host, port, options.callback_base_url) as receiver:
        _JobPhase(client, verdicts, known, options, seed, receiver, notes).run()
    return notes


def _body(urls: Sequence[str]) -> bytes:
    return json.dumps({"items": [{"sourceFileUrl": u} for u in urls]}).encode("utf-8")


def _json(ex: Exchange) -> Any:
    try:
        return ex.json()
    except (ValueError, UnicodeDecodeError):
        return None

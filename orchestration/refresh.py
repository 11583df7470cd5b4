"""`modelmarket refresh`: run the `nightly_refresh` job in this process, under the refresh lock.

The CLI and the schedule share this one code path: the same Definitions, the same job. The CLI takes the lock
itself (a second refresh exits at once) and tells the job's resource so. Whatever happens — a failed check, a full
disk, a broken dbt project — the run ends with one record in refresh_log.jsonl, its build folder removed, and an
outcome that says what was published or what failed and where the full output is.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass, field, replace

from dagster import DagsterInstance

from ingest import archive, landing
from ingest.contracts import LANDING_DATASETS
from ingest.settings import Settings
from orchestration import dbt_project
from orchestration.outcome import Verdict, describe, record_outcome, verdict
from orchestration.published import request_full_rebuild
from orchestration.resources import ModelmarketResource
from orchestration.runlog import utcnow
from orchestration.timings import RefreshTimings, record_timings, run_timings
from orchestration.warehouse import refresh_lock, remove_build
from quality.gx import import_in_background


@dataclass
class RefreshOutcome:
    status: str  # published | published_with_warnings | failed
    run_id: str
    seconds: float
    failed_steps: list[str]  # one line per problem: a failed step, check, model or fault
    message: str
    undelivered: list[str] = field(default_factory=list)  # datasets with no current file: their marts are empty
    timings: RefreshTimings | None = None

    @property
    def success(self) -> bool:
        """Published, and nothing went wrong."""
        return self.status == "published"

    @property
    def published(self) -> bool:
        return self.status != "failed"


def run_refresh(
    settings: Settings, progress: Callable[[str], None] = print, quiet: bool = False, full: bool = False
) -> RefreshOutcome:
    """Ingest → build privately → test → publish. Raises RefreshBusy if another refresh holds the lock.

    `full`: build every model from raw/ instead of on the published copy.
    """
    started = time.monotonic()
    started_at = utcnow()
    run_id = str(uuid.uuid4())
    settings = replace(settings, build_id=run_id)
    with refresh_lock(settings, by="cli"):
        timings = None
        try:
            if full:
                request_full_rebuild(settings)
            outcome, timings = _run_job(settings, run_id, progress, quiet, started)
        except KeyboardInterrupt:
            _record(settings, run_id, started_at, Verdict(False, ["interrupted (Ctrl-C)"]))
            raise
        except Exception as err:  # a fault outside every step: the disk, the dbt project, Dagster itself
            outcome = Verdict(False, [_one_line(err)])
        finally:
            remove_build(settings)
        if timings is not None:
            try:
                record_timings(settings, timings)
            except OSError as err:
                outcome.problems.append(f"the timings could not be written: {err}")
        unrecorded = _record(settings, run_id, started_at, outcome)
    if unrecorded:
        outcome.problems.append(unrecorded)  # the log could not be told: the person running the refresh is
    message = describe(outcome, settings.published_path, str(settings.refresh_output_path))
    undelivered = _undelivered(settings) if outcome.published else []
    seconds = time.monotonic() - started
    return RefreshOutcome(outcome.status, run_id, seconds, outcome.problems, message, undelivered, timings)


def _run_job(
    settings: Settings, run_id: str, progress: Callable[[str], None], quiet: bool, started: float
) -> tuple[Verdict, RefreshTimings]:
    progress("loading the pipeline")
    dbt_project.ensure_manifest(settings)
    from orchestration.definitions import build_definitions

    job = build_definitions(settings).resolve_job_def("nightly_refresh")
    import_in_background()  # ~5 s of imports for the quality gate, done while ingest and dbt run
    startup_s = time.monotonic() - started
    landing.wait_until_settled(settings.landing_dir, settings.settle_seconds, progress)  # a copy still running
    resource = ModelmarketResource(home=str(settings.home), engine=settings.engine, lock_held_by_caller=True)
    # An in-memory Dagster instance: storing ~700 events of a run in Dagster's SQLite event log costs ~10 s
    # (a connection and a commit per event). The run's record is refresh_log.jsonl and the audit tables;
    # runs started from the Dagster UI or its schedule keep Dagster's own history in dagster/.
    since = utcnow()
    with DagsterInstance.ephemeral() as instance:
        run_config = {"loggers": {"quiet" if quiet else "terminal_progress": {}}}
        # dbt's own event stream goes to a file; the terminal gets one line per step message.
        with settings.refresh_output_path.open("w", encoding="utf-8") as output, redirect_stdout(output):
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config=run_config,
                run_id=run_id,
                resources={"modelmarket": resource},
            )
        timings = run_timings(instance, result.run_id, startup_s)
    return verdict(result.all_events, settings.dbt_target_dir, since), timings


def _record(settings: Settings, run_id: str, started_at, outcome: Verdict) -> str | None:
    _run, unrecorded = record_outcome(settings, run_id, started_at, outcome, str(settings.refresh_output_path))
    return unrecorded


def _one_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return f"{type(err).__name__}: {' | '.join(lines[:3]) or 'no message'}"


def _undelivered(settings: Settings) -> list[str]:
    try:
        return [
            d.key
            for d in LANDING_DATASETS
            if archive.current_versions(archive.read_load_log(settings, d.relation)).is_empty()
        ]
    except Exception:  # only a note: a published run stays published
        return []

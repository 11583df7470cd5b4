"""`modelmarket refresh`: run the `nightly_refresh` job in this process, under the refresh lock.

The CLI and the schedule share this one code path: the same Definitions, the same job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass, field

from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance

from ingest import archive, landing
from ingest.contracts import LANDING_DATASETS
from ingest.settings import Settings
from orchestration import dbt_project
from orchestration.published import request_full_rebuild
from orchestration.timings import RefreshTimings, record_timings, run_timings
from orchestration.warehouse import RefreshRun, record_run, refresh_lock, utcnow
from quality.gx import import_in_background


@dataclass
class RefreshOutcome:
    success: bool
    run_id: str
    seconds: float
    failed_steps: list[str]
    message: str
    undelivered: list[str] = field(default_factory=list)  # datasets with no current file: their marts are empty
    timings: RefreshTimings | None = None


def _root_cause(error) -> str:
    """The innermost error's message: Dagster wraps the real reason in 'Error occurred while executing…'."""
    if error is None:
        return "failed"
    while error.cause is not None:
        error = error.cause
    text = error.message.strip()
    return text.splitlines()[0] if "\n" not in text.strip() else " | ".join(text.splitlines()[:6])


def _failures(result) -> list[str]:
    """One line per failed step, and the details of every blocking check that failed (with sample rows)."""
    lines = []
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR:
                details = evaluation.metadata.get("failures")
                text = details.value if details is not None else "failed"
                lines.append(f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: {text}")
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            lines.append(f"{event.step_key}: {_root_cause(event.step_failure_data.error)}")
    return lines


def run_refresh(
    settings: Settings, progress: Callable[[str], None] = print, quiet: bool = False, full: bool = False
) -> RefreshOutcome:
    """Ingest → build privately → test → publish. Raises RefreshBusy if another refresh holds the lock.

    `full`: build every model from raw/ instead of on the published copy.
    """
    started = time.monotonic()
    started_at = utcnow()
    with refresh_lock(settings):
        if full:
            request_full_rebuild(settings)
        progress("loading the pipeline")
        dbt_project.ensure_manifest(settings)
        from orchestration.definitions import build_definitions

        job = build_definitions(settings).resolve_job_def("nightly_refresh")
        import_in_background()  # ~5 s of imports for the quality gate, done while ingest and dbt run
        startup_s = time.monotonic() - started
        landing.wait_until_settled(settings.landing_dir, settings.settle_seconds, progress)  # a copy still running
        # An in-memory Dagster instance: storing ~700 events of a run in Dagster's SQLite event log costs ~10 s
        # (a connection and a commit per event). The run's record is refresh_log.jsonl and the audit tables;
        # runs started from the Dagster UI or its schedule keep Dagster's own history in dagster/.
        with DagsterInstance.ephemeral() as instance:
            run_config = {"loggers": {"quiet" if quiet else "terminal_progress": {}}}
            # dbt's own event stream goes to a file; the terminal gets one line per step message.
            with settings.refresh_output_path.open("w", encoding="utf-8") as output, redirect_stdout(output):
                result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)
            timings = run_timings(instance, result.run_id, startup_s)
        record_timings(settings, timings)
        seconds = time.monotonic() - started
        failures = _failures(result)
        if not result.success:
            message = "; ".join(failures) or "the refresh failed"
            message += f" (full output: {settings.refresh_output_path})"
            record_run(settings, RefreshRun(result.run_id, started_at, utcnow(), "failed", message=message))
            return RefreshOutcome(False, result.run_id, seconds, failures, message, timings=timings)
        undelivered = [
            d.key
            for d in LANDING_DATASETS
            if archive.current_versions(archive.read_load_log(settings, d.relation)).is_empty()
        ]
        published = f"published {settings.published_path}"
        return RefreshOutcome(True, result.run_id, seconds, [], published, undelivered, timings)

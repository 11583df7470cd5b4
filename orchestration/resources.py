"""Dagster resources: the modelmarket settings, resolved when a run starts (never at import), and the refresh lock.

Every run that uses this resource (the nightly job from the UI, its schedule, the landing sensor's runs, an asset
materialised by hand) holds the same refresh lock as `modelmarket refresh`, from its start to its end: the lock is
taken when the resource is set up for the run and released when it is torn down. If another refresh holds it, the
run waits up to `lock_wait_seconds` (default 10 minutes), saying who holds it, then fails without having touched
anything. `modelmarket refresh` takes the lock itself and runs the job in its own process with
`lock_held_by_caller=True` (checked: this process must be the one holding it).

Each run builds in its own folder, warehouse/.build/<run id>/, removed when the run ends. A run that includes
publish leaves exactly one record in warehouse/refresh_log.jsonl (the CLI writes its own, with the output path).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from dagster import ConfigurableResource, DagsterRun, InitResourceContext
from pydantic import PrivateAttr

from ingest.settings import Settings
from orchestration.locking import RefreshBusy, held_by_this_process
from orchestration.outcome import record_outcome, verdict
from orchestration.runlog import utcnow
from orchestration.warehouse import refresh_lock, remove_build

DEFAULT_LOCK_WAIT_SECONDS = 600.0
PUBLISH_STEP = "warehouse__published"  # the step of the warehouse/published asset


class ModelmarketResource(ConfigurableResource):
    """Where the home directory is; empty means MODELMARKET_HOME (default ./data). Likewise the build engine
    (empty: MODELMARKET_ENGINE), so a run builds with the engine its dbt resource was made for."""

    home: str = ""
    engine: str = ""
    lock_held_by_caller: bool = False
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS
    _run_id: str = PrivateAttr(default="")

    def settings(self) -> Settings:
        settings = Settings.from_env()
        if self.engine:
            settings = replace(settings, engine=self.engine)
        if self.home:
            settings = replace(settings, home=Path(self.home).expanduser().resolve())
        return replace(settings, build_id=self._run_id) if self._run_id else settings

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[ModelmarketResource]:
        run = context.dagster_run
        if run is None:  # a sensor or schedule evaluation: no run, no build, no lock
            yield self
            return
        self._run_id = run.run_id
        settings = self.settings()
        if self.lock_held_by_caller:
            if not held_by_this_process(settings.lock_path):
                raise RefreshBusy("lock_held_by_caller is set, but this process does not hold the refresh lock")
            try:
                yield self
            finally:
                remove_build(settings)
            return
        with refresh_lock(settings, by="dagster", wait_s=self.lock_wait_seconds, on_wait=context.log.warning):
            started_at = utcnow()  # the run's record counts from here: the wait for the lock is not the refresh
            try:
                yield self
            finally:
                remove_build(settings)
                if _publishes(context, run):
                    _record(context, settings, run, started_at)


def _publishes(context: InitResourceContext, run: DagsterRun) -> bool:
    """Whether the run's plan has the publish step: a refresh (a run of only some assets is not one)."""
    plan = (
        context.instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
        if run.execution_plan_snapshot_id
        else None
    )
    return plan is not None and any(step.key == PUBLISH_STEP for step in plan.steps)


def _record(context: InitResourceContext, settings: Settings, run: DagsterRun, started_at) -> None:
    events = [entry.dagster_event for entry in context.instance.all_logs(run.run_id) if entry.dagster_event]
    outcome = verdict(events, settings.dbt_target_dir, started_at)
    _run, unrecorded = record_outcome(settings, run.run_id, started_at, outcome, f"Dagster run {run.run_id}")
    if unrecorded:
        context.log.error(unrecorded)

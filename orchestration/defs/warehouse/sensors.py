"""A sensor on the landing zone: start `nightly_refresh` when files arrive or change (off by default).

Turn it on in the Dagster UI (Automation → landing_zone_sensor). It looks every minute; it never starts a
refresh while one is in progress (a run in Dagster's list, or a `modelmarket refresh` holding the refresh lock),
and it remembers the landing zone's fingerprint in its cursor so the same files never trigger twice. While a
file is still being written (modified within MODELMARKET_SETTLE_SECONDS) it waits for a later tick.
"""

from dagster import DagsterRunStatus, DefaultSensorStatus, RunRequest, RunsFilter, SensorEvaluationContext, SkipReason
from dagster import sensor as dagster_sensor

from ingest.landing import describe, fingerprint, scan, unsettled
from orchestration.defs.warehouse.jobs import nightly_refresh
from orchestration.resources import ModelmarketResource
from orchestration.warehouse import refresh_running

IN_PROGRESS = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


@dagster_sensor(
    job=nightly_refresh,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Refresh when files land in landing/ (off by default; turn on in the UI).",
)
def landing_zone_sensor(context: SensorEvaluationContext, modelmarket: ModelmarketResource):
    settings = modelmarket.settings()
    landing_dir = settings.landing_dir
    current = fingerprint(landing_dir)
    if current == context.cursor:
        return SkipReason("no new or changed landing files")
    items = scan(landing_dir)
    if not items:
        context.update_cursor(current)
        return SkipReason("the landing zone is empty")
    writing = unsettled(items, settings.settle_seconds)
    if writing:  # the cursor stays: the next tick looks again
        return SkipReason(f"waiting for {len(writing)} file(s) still being written: {describe(writing)}")
    running = context.instance.get_runs(RunsFilter(job_name=nightly_refresh.name, statuses=IN_PROGRESS), limit=1)
    # `modelmarket refresh` runs on its own in-memory Dagster instance: its run is seen by its lock, not by get_runs
    if running or refresh_running(settings):
        return SkipReason("a refresh is in progress; new files will be picked up after it")
    context.update_cursor(current)
    return RunRequest(run_key=current, tags={"modelmarket/trigger": "landing_zone_sensor"})

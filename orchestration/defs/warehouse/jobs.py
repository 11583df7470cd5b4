"""The nightly refresh job and its schedule.

A run holds the refresh lock from start to end (the modelmarket resource), so it never overlaps a CLI refresh or
another run, whatever the Dagster instance's run queue allows.
"""

from __future__ import annotations

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job, in_process_executor

nightly_refresh = define_asset_job(
    "nightly_refresh",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Ingest new landing files, build the warehouse privately, test it, publish it.",
    tags={"dagster/concurrency_key": "warehouse_build"},
)


def nightly_schedule(timezone: str) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="nightly_refresh_schedule",
        job=nightly_refresh,
        cron_schedule="0 2 * * *",
        execution_timezone=timezone,
        default_status=DefaultScheduleStatus.RUNNING,
        description="Every night at 02:00 (MODELMARKET_TIMEZONE, default UTC).",
    )

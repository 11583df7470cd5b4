"""Dagster Definitions: wiring only. Assets, checks and schedules live in orchestration/defs/<area>/."""

from __future__ import annotations

from dagster import (
    Definitions,
    definitions,
    in_process_executor,
    load_asset_checks_from_modules,
    load_assets_from_modules,
)

from ingest.settings import Settings
from orchestration.dbt_project import dbt_resource, ensure_manifest
from orchestration.engines import dbt_target
from orchestration.progress import quiet, terminal_progress
from orchestration.resources import ModelmarketResource


def build_definitions(settings: Settings | None = None) -> Definitions:
    settings = settings or Settings.from_env()
    ensure_manifest(settings)
    from orchestration.defs.customers import assets as customers
    from orchestration.defs.market import assets as market
    from orchestration.defs.pricing import assets as pricing
    from orchestration.defs.warehouse import assets as warehouse
    from orchestration.defs.warehouse import checks
    from orchestration.defs.warehouse.jobs import nightly_refresh, nightly_schedule
    from orchestration.defs.warehouse.sensors import landing_zone_sensor

    return Definitions(
        assets=load_assets_from_modules([market, pricing, customers, warehouse]),
        asset_checks=load_asset_checks_from_modules([checks]),
        jobs=[nightly_refresh],
        schedules=[nightly_schedule(settings.timezone)],
        sensors=[landing_zone_sensor],
        resources={
            "dbt": dbt_resource(dbt_target(settings)),
            "modelmarket": ModelmarketResource(home=str(settings.home), engine=settings.engine),
        },
        loggers={"terminal_progress": terminal_progress, "quiet": quiet},
        executor=in_process_executor,  # every run, ad-hoc ones too, holds the refresh lock in one process
    )


@definitions
def defs() -> Definitions:
    """Entry point for `dagster dev -m orchestration.definitions` (loaded lazily, settings from the env)."""
    return build_definitions()

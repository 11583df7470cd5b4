"""Warehouse: the landing inventory, the dbt build into the private file, and publish.

Order inside one run: ingest assets → `landing_inventory` (load log complete) → dbt build on a private
copy of the published warehouse (models and their tests), in the run's own build folder → `published_warehouse`
(atomic replace). The whole run holds the refresh lock (orchestration/resources.py).
A failing dbt test fails the dbt step, so publish never runs and the published file stays as it was.
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    asset,
    multi_asset,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ingest import archive
from ingest.contracts import DATASETS
from ingest.history import known_raw_paths
from ingest.run import report_unrecognised
from orchestration.dbt_project import dbt_project
from orchestration.defs.customers.assets import accounts, usage
from orchestration.defs.market.assets import indicators, reference_indicators, vendors
from orchestration.defs.pricing.assets import genai_prices, prices
from orchestration.engines import finish_build
from orchestration.resources import ModelmarketResource
from orchestration.runlog import RefreshRun, run_counts, utcnow
from orchestration.warehouse import build_alias, prepare_build, publish

INGEST_ASSETS = [vendors, indicators, reference_indicators, genai_prices, prices, accounts, usage]
# every loaded version of accounts and vendors (written by their ingest): dropped ids keep their last record
HISTORIES = {AssetKey(["raw", d.source, f"{d.name}_history"]): d for d in DATASETS if d.keeps_history}


@multi_asset(
    specs=[
        AssetSpec(
            ["raw", "audit", "load_log"],
            deps=INGEST_ASSETS,
            group_name="audit",
            kinds={"parquet"},
            description="Every landing file seen: loaded, quarantined (with reason), refused or unrecognised.",
        ),
        AssetSpec(
            ["raw", "audit", "rejected_rows"],
            deps=INGEST_ASSETS,
            group_name="audit",
            kinds={"parquet"},
            description="Rows refused by row-level validation, with reason, file and the delivered values.",
        ),
        *[
            AssetSpec(
                key,
                deps=[AssetKey(["raw", d.source, d.name])],
                group_name=d.source,
                kinds={"parquet"},
                description=f"Every version of {d.key} that ever loaded: the last record of an id a correction drops.",
            )
            for key, d in HISTORIES.items()
        ],
    ],
)
def landing_inventory(context: AssetExecutionContext, modelmarket: ModelmarketResource) -> Iterator[MaterializeResult]:
    settings = modelmarket.settings()
    outcomes = report_unrecognised(settings, run_id=context.run_id, progress=context.log.warning)
    archive.refresh_manifests_audit(settings)
    log = archive.read_load_log(settings)
    this_run = log.filter(pl.col("run_id") == context.run_id)
    yield MaterializeResult(
        asset_key=AssetKey(["raw", "audit", "load_log"]),
        metadata={"files_logged_this_run": this_run.height, "unrecognised_or_refused": len(outcomes)},
    )
    yield MaterializeResult(
        asset_key=AssetKey(["raw", "audit", "rejected_rows"]),
        metadata={"rows_rejected_this_run": int(this_run["rejected_rows"].sum() or 0)},
    )
    for key, dataset in HISTORIES.items():
        yield MaterializeResult(asset_key=key, metadata={"versions": len(known_raw_paths(settings, dataset))})


class Translator(DagsterDbtTranslator):
    """Models are keyed by schema and name (marts/fct_market_share); sources by their meta asset key."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=Translator())
def warehouse_dbt(context: AssetExecutionContext, dbt: DbtCliResource, modelmarket: ModelmarketResource):
    """Copy the published warehouse to the private build file, then `dbt build` (models + data tests) there.

    dbt unit tests check the SQL logic, not the data: they run in the test suite (tests/test_dbt_unit_tests.py),
    not every night.
    """
    settings = modelmarket.settings()
    prepare_build(settings, log=context.log.info)
    context.log.info(f"building into {settings.build_path}")
    dbt_vars = build_alias(settings).dbt_vars()  # the same paths every night: dbt's partial parse holds
    args = ["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(dbt_vars)]
    args += ["--log-level-file", "warn"]  # the debug log file cost ~2 s of CPU; the event stream is kept anyway
    # One target folder per home, reused: the same vars every night, so dbt's partial parsing applies.
    yield from dbt.cli(args, context=context, target_path=settings.dbt_target_dir).stream()
    finish_build(settings, log=context.log.info)  # MODELMARKET_ENGINE=spark: serve the Spark build from DuckDB


@asset(
    key=["warehouse", "published"],
    deps=[warehouse_dbt],
    group_name="warehouse",
    kinds={"duckdb"},
    description="warehouse/market.duckdb: the audited build, atomically replacing the published file.",
)
def published_warehouse(context: AssetExecutionContext, modelmarket: ModelmarketResource) -> MaterializeResult:
    """Publish the audited build. The run's record in refresh_log.jsonl is written once the whole run has ended
    (by `modelmarket refresh`, or the resource for other runs), so it tells how the run ended, not just this step."""
    settings = modelmarket.settings()
    started = context.instance.get_run_stats(context.run_id).start_time
    run = RefreshRun(
        run_id=context.run_id,
        started_at=utcnow() if started is None else _from_timestamp(started),
        finished_at=utcnow(),
        status="published",
        **run_counts(settings, context.run_id),
    )
    path = publish(settings, run)
    context.log.info(f"published {path}")
    return MaterializeResult(
        metadata={
            "path": str(path),
            "bytes": path.stat().st_size,
            "files_loaded": run.files_loaded,
            "rows_loaded": run.rows_loaded,
            "rows_rejected": run.rows_rejected,
        }
    )


def _from_timestamp(seconds: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)

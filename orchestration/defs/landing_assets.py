"""One asset per landing dataset: the same small definition for every area.

Materialising it ingests new or changed landing files of that dataset into the raw archive
(`ingest.run.ingest_dataset`) and reports what happened as asset metadata. A file modified within the settle
window (MODELMARKET_SETTLE_SECONDS) is still being written: it is left for the next run, not read half.
"""

from collections.abc import Sequence

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from ingest.contracts import Dataset
from ingest.run import DatasetReport, ingest_dataset
from orchestration.resources import ModelmarketResource


def raw_asset_key(dataset: Dataset) -> AssetKey:
    return AssetKey(["raw", dataset.source, dataset.name])


def report_metadata(report: DatasetReport) -> dict[str, object]:
    problems = [f"{f.relpath}: {f.reason}" for f in report.files if f.status not in ("loaded", "unchanged")]
    return {
        "files_new_loaded": report.count("loaded"),
        "files_quarantined": report.count("quarantined"),
        "files_unchanged": report.count("unchanged"),
        "files_duplicate": report.count("duplicate"),
        "files_deferred": report.count("deferred"),
        "current_files": report.current_files,
        "rows_loaded": report.rows_loaded,
        "rows_rejected": report.rows_rejected,
        "problems": MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
    }


def landing_dataset_asset(dataset: Dataset, deps: Sequence[AssetsDefinition | AssetKey] = ()) -> AssetsDefinition:
    @asset(
        key=raw_asset_key(dataset),
        deps=list(deps),
        group_name=dataset.source,
        kinds={"polars", "parquet"},
        description=f"{dataset.description.capitalize()}: landing/{dataset.key}/ validated into raw/{dataset.key}/.",
    )
    def _ingest(context: AssetExecutionContext, modelmarket: ModelmarketResource) -> MaterializeResult:
        settings = modelmarket.settings()
        report = ingest_dataset(
            settings, dataset, run_id=context.run_id, progress=context.log.info, settle_seconds=settings.settle_seconds
        )
        context.log.info(report.summary())
        return MaterializeResult(metadata=report_metadata(report))

    return _ingest

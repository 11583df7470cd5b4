"""Quality gates on the private build: Great Expectations suites as blocking asset checks, and freshness.

A failing error-severity expectation fails its check with severity ERROR; checks are blocking, so nothing
downstream (publish) runs and the published warehouse stays as it was. Warning-severity failures report
(severity WARN) without blocking. Every result is kept in reports/quality/results/<run>.parquet, loaded into
audit.quality_results at publish, and the GX data docs are written to reports/quality/.
"""

from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    asset_check,
    multi_asset_check,
)

from ingest.freshness import FRESHNESS_LIMIT, usage_freshness
from orchestration.defs.customers.assets import usage
from orchestration.resources import ModelmarketResource
from quality.runner import describe, validate_warehouse, write_results
from quality.suites import all_suites

SUITES = all_suites()


def _check_name(suite_name: str) -> str:
    return f"gx_{suite_name}"


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            _check_name(s.name),
            asset=AssetKey(list(s.asset_key)),
            blocking=True,
            description=s.description or f"Great Expectations suite {s.name}",
        )
        for s in SUITES
    ],
    can_subset=False,
)
def quality_gate(context: AssetCheckExecutionContext, modelmarket: ModelmarketResource) -> Iterator[AssetCheckResult]:
    settings = modelmarket.settings()
    report = validate_warehouse(settings.build_path, settings.quality_reports_dir, run_id=context.run.run_id)
    write_results(report, settings.quality_results_dir / f"{context.run.run_id}.parquet")
    docs = str(report.docs_index) if report.docs_index else None
    for suite in SUITES:
        results = [r for r in report.suite_results(suite.name) if r.severity != "info"]
        errors = [r for r in results if not r.success and r.severity == "error"]
        warnings = [r for r in results if not r.success and r.severity == "warning"]
        for failed in errors + warnings:
            log = context.log.error if failed in errors else context.log.warning
            log(describe(failed))
        yield AssetCheckResult(
            check_name=_check_name(suite.name),
            asset_key=AssetKey(list(suite.asset_key)),
            passed=not errors and not warnings,
            severity=AssetCheckSeverity.ERROR if errors else AssetCheckSeverity.WARN,
            metadata={
                "rows_validated": report.row_counts.get(suite.name, 0),
                "expectations": len(results),
                "failed_errors": len(errors),
                "failed_warnings": len(warnings),
                "failures": MetadataValue.md("\n".join(f"- {describe(r)}" for r in errors + warnings) or "none"),
                **({"data_docs": MetadataValue.path(docs)} if docs else {}),
            },
        )


@asset_check(
    asset=usage,
    name="usage_is_fresh",
    blocking=False,
    description="The newest usage day is at most 36 hours old (warns; never blocks a publish).",
)
def usage_is_fresh(modelmarket: ModelmarketResource) -> AssetCheckResult:
    freshness = usage_freshness(modelmarket.settings())
    return AssetCheckResult(
        passed=freshness.fresh,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "newest_usage_date": str(freshness.newest_date) if freshness.newest_date else "none",
            "age_hours": freshness.age_hours if freshness.age_hours is not None else -1,
            "limit_hours": FRESHNESS_LIMIT.total_seconds() / 3600,
        },
    )

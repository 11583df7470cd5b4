"""Market: vendors, their reported quarterly indicators, and the real public reference indicators."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from ingest.contracts import INDICATORS, REFERENCE_INDICATORS, VENDORS
from ingest.reference_indicators import SNAPSHOT_DATE, load_reference_indicators
from orchestration.defs.landing_assets import landing_dataset_asset, raw_asset_key, report_metadata
from orchestration.defs.pricing.assets import genai_prices
from orchestration.resources import ModelmarketResource

vendors = landing_dataset_asset(VENDORS)
indicators = landing_dataset_asset(INDICATORS, deps=[vendors, genai_prices])


@asset(
    key=raw_asset_key(REFERENCE_INDICATORS),
    deps=[vendors, genai_prices],
    group_name="market",
    kinds={"python", "parquet"},
    description=(
        "Real indicators per vendor and quarter from the public data bundled in ingest/reference/ (Epoch AI notable "
        "models, Stanford CRFM FMTI; CC BY 4.0), validated like a landing file."
    ),
)
def reference_indicators(context: AssetExecutionContext, modelmarket: ModelmarketResource) -> MaterializeResult:
    report = load_reference_indicators(modelmarket.settings(), run_id=context.run_id)
    context.log.info(report.summary())
    return MaterializeResult(metadata=report_metadata(report) | {"snapshot_date": SNAPSHOT_DATE.isoformat()})

"""Pricing: real model prices from the genai-prices package, and users' own price lists."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from ingest.contracts import GENAI_PRICES, PRICES, VENDORS
from ingest.genai_prices import load_genai_prices, package_version
from orchestration.defs.landing_assets import landing_dataset_asset, raw_asset_key, report_metadata
from orchestration.resources import ModelmarketResource


@asset(
    key=raw_asset_key(GENAI_PRICES),
    group_name="pricing",
    kinds={"python", "parquet"},
    description="Model prices of the installed genai-prices package, one row per price component, tier and change.",
)
def genai_prices(context: AssetExecutionContext, modelmarket: ModelmarketResource) -> MaterializeResult:
    report = load_genai_prices(modelmarket.settings(), run_id=context.run_id)
    context.log.info(report.summary())
    return MaterializeResult(metadata=report_metadata(report) | {"package_version": package_version()})


prices = landing_dataset_asset(PRICES, deps=[raw_asset_key(VENDORS), genai_prices])

"""Market: vendors and their reported quarterly indicators."""

from ingest.contracts import INDICATORS, VENDORS
from orchestration.defs.landing_assets import landing_dataset_asset
from orchestration.defs.pricing.assets import genai_prices

vendors = landing_dataset_asset(VENDORS)
indicators = landing_dataset_asset(INDICATORS, deps=[vendors, genai_prices])

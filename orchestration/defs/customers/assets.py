"""Customers: the account panel and its daily spend per vendor."""

from ingest.contracts import ACCOUNTS, USAGE
from orchestration.defs.landing_assets import landing_dataset_asset
from orchestration.defs.market.assets import vendors
from orchestration.defs.pricing.assets import genai_prices

accounts = landing_dataset_asset(ACCOUNTS)
usage = landing_dataset_asset(USAGE, deps=[accounts, vendors, genai_prices])

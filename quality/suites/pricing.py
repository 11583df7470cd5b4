"""Pricing sources: genai-prices and users' price lists (staging)."""

from __future__ import annotations

from ingest.contracts import GENAI_PRICES, PRICES
from quality.gx import gxe
from quality.suites import Suite, SuiteContext
from quality.suites.contract import contract_expectations


def genai_prices(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        *contract_expectations(GENAI_PRICES, ctx),
        gxe.ExpectTableRowCountToBeBetween(min_value=1, meta={"why": "the installed package lists no price"}),
        *ctx.row_count_expectations("stg_pricing__genai_prices"),
    ]


def prices(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        *contract_expectations(PRICES, ctx),
        *ctx.row_count_expectations("stg_pricing__prices"),
    ]


SUITES = [
    Suite(
        "stg_pricing__genai_prices",
        "staging.stg_pricing__genai_prices",
        ("staging", "stg_pricing__genai_prices"),
        genai_prices,
        index_columns=("provider_id", "model_id", "price_key"),
    ),
    Suite(
        "stg_pricing__prices",
        "staging.stg_pricing__prices",
        ("staging", "stg_pricing__prices"),
        prices,
        index_columns=("vendor_id", "model_id", "price_type", "_source_file"),
    ),
]

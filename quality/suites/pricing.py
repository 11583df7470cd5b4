"""Pricing sources: genai-prices and users' price lists (staging)."""

from __future__ import annotations

from ingest.contracts import PRICE_TYPES
from quality.gx import gxe
from quality.suites import Suite, SuiteContext


def genai_prices(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="provider_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="model_id"),
        gxe.ExpectColumnValuesToBeBetween(column="usd_per_unit", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="tier_start", min_value=0),
        gxe.ExpectTableRowCountToBeBetween(min_value=1, meta={"why": "the installed package lists no price"}),
        *ctx.row_count_expectations("stg_pricing__genai_prices"),
    ]


def prices(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToBeInSet(column="vendor_id", value_set=sorted(ctx.vendor_ids)),
        gxe.ExpectColumnValuesToNotBeNull(column="model_id"),
        gxe.ExpectColumnValuesToBeInSet(column="price_type", value_set=list(PRICE_TYPES)),
        gxe.ExpectColumnValuesToBeBetween(column="usd_per_unit", min_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="effective_from"),
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

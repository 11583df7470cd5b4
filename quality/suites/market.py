"""Market sources: vendors and their reported indicators (staging)."""

from __future__ import annotations

from ingest.contracts import INDICATORS, VENDORS
from quality.gx import gxe
from quality.suites import Suite, SuiteContext
from quality.suites.contract import contract_expectations


def vendors(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        *contract_expectations(VENDORS, ctx),
        gxe.ExpectColumnValuesToBeUnique(
            column="vendor_id", severity="warning", meta={"why": "a vendor delivered twice: the latest record is used"}
        ),
        *ctx.row_count_expectations("stg_market__vendors"),
    ]


def indicators(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        *contract_expectations(INDICATORS, ctx),
        *ctx.row_count_expectations("stg_market__indicators"),
    ]


SUITES = [
    Suite(
        "stg_market__vendors",
        "staging.stg_market__vendors",
        ("staging", "stg_market__vendors"),
        vendors,
        index_columns=("vendor_id", "_source_file"),
    ),
    Suite(
        "stg_market__indicators",
        "staging.stg_market__indicators",
        ("staging", "stg_market__indicators"),
        indicators,
        index_columns=("vendor_id", "indicator", "period_start", "_source_file"),
    ),
]

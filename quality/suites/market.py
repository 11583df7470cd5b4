"""Market sources: vendors and their reported indicators (staging)."""

from __future__ import annotations

from quality.gx import gxe
from quality.suites import Suite, SuiteContext


def vendors(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="vendor_id"),
        gxe.ExpectColumnValuesToBeUnique(
            column="vendor_id", severity="warning", meta={"why": "a vendor delivered twice: the latest record is used"}
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="vendor_name"),
        gxe.ExpectColumnValuesToBeInSet(column="primary_segment", value_set=["B2B", "B2C", "both"]),
        gxe.ExpectColumnValuesToBeInSet(column="ownership", value_set=["public", "private", "open_source"]),
        *ctx.row_count_expectations("stg_market__vendors"),
    ]


def indicators(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="vendor_id"),
        gxe.ExpectColumnValuesToBeInSet(column="vendor_id", value_set=sorted(ctx.vendor_ids)),
        gxe.ExpectColumnValuesToBeInSet(column="indicator", value_set=sorted(ctx.indicator_codes)),
        gxe.ExpectColumnValuesToNotBeNull(column="period_start"),
        gxe.ExpectColumnValuesToNotBeNull(column="value"),
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

"""Key marts: market share and concentration, vendors. Shares summing to 1 is checked on a derived frame."""

from __future__ import annotations

from quality.gx import gxe
from quality.suites import Suite, SuiteContext

MARKET_KEYS = ["period_grain", "period_start", "measure", "segment"]


def market_share(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=[*MARKET_KEYS, "vendor_id"]),
        gxe.ExpectColumnValuesToBeInSet(column="period_grain", value_set=["month", "quarter"]),
        gxe.ExpectColumnValuesToBeInSet(column="measure", value_set=["revenue", "spend", "customers", "tokens"]),
        gxe.ExpectColumnValuesToBeBetween(column="share", min_value=0, max_value=1),
        gxe.ExpectColumnValuesToBeInSet(column="vendor_id", value_set=sorted(ctx.vendor_ids)),
        gxe.ExpectColumnValuesToBeBetween(column="rank", min_value=1),
        *ctx.row_count_expectations("fct_market_share"),
    ]


def shares_sum(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [gxe.ExpectColumnValuesToBeBetween(column="share_sum", min_value=1 - 1e-9, max_value=1 + 1e-9)]


def concentration(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=MARKET_KEYS),
        gxe.ExpectColumnValuesToBeBetween(column="hhi", min_value=0, max_value=10_000 + 1e-6),
        gxe.ExpectColumnValuesToBeBetween(column="cr4", min_value=0, max_value=1 + 1e-9),
        gxe.ExpectColumnValuesToBeInSet(
            column="level", value_set=["unconcentrated", "moderately concentrated", "highly concentrated"]
        ),
    ]


def dim_vendors(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToBeUnique(column="vendor_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="vendor_name"),
    ]


SUITES = [
    Suite(
        "fct_market_share",
        "marts.fct_market_share",
        ("marts", "fct_market_share"),
        market_share,
        index_columns=(*MARKET_KEYS, "vendor_id"),
    ),
    Suite(
        "fct_market_share__sums",
        "marts.fct_market_share",
        ("marts", "fct_market_share"),
        shares_sum,
        index_columns=tuple(MARKET_KEYS),
        query="select period_grain, period_start, measure, segment, sum(share) as share_sum "
        "from marts.fct_market_share group by all",
        description="shares of every period, measure and segment sum to 1",
    ),
    Suite(
        "fct_market_concentration",
        "marts.fct_market_concentration",
        ("marts", "fct_market_concentration"),
        concentration,
        index_columns=tuple(MARKET_KEYS),
    ),
    Suite("dim_vendors", "marts.dim_vendors", ("marts", "dim_vendors"), dim_vendors, index_columns=("vendor_id",)),
]

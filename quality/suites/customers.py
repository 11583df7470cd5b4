"""Customer sources: the account panel and daily usage (staging). Usage is validated on a repeatable sample
when large; the whole-table rules (keys, references, identities) are dbt tests as well."""

from __future__ import annotations

from datetime import datetime, time

from ingest.contracts import INDUSTRIES, PLANS, SEGMENTS
from quality.gx import gxe
from quality.suites import Suite, SuiteContext


def accounts(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="account_id"),
        gxe.ExpectColumnValuesToBeUnique(
            column="account_id",
            severity="warning",
            meta={"why": "an account delivered twice: the latest record is used"},
        ),
        gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=list(SEGMENTS)),
        gxe.ExpectColumnValuesToBeInSet(column="industry", value_set=list(INDUSTRIES)),
        *ctx.row_count_expectations("stg_customers__accounts"),
    ]


def usage(ctx: SuiteContext) -> list[gxe.Expectation]:
    """The big table: rules that stay cheap on a million-row sample.

    Two rules are phrased for speed (measured on 1M rows): every account is known is the dbt relationships test
    of int_usage_monthly → dim_accounts on every row (GX's pandas in-set over the ~20k-id list serialised the list
    at every step: 8 s), and the date range is the column's min and max (a per-row between on datetimes runs a
    Python function per value: 14 s).
    """
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="account_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="vendor_id"),
        gxe.ExpectColumnValuesToBeInSet(column="vendor_id", value_set=sorted(ctx.vendor_ids)),
        gxe.ExpectColumnValuesToNotBeNull(column="usage_date"),
        # dates arrive in pandas as datetime64: bounds must be datetimes too
        gxe.ExpectColumnMinToBeBetween(column="usage_date", min_value=datetime(2000, 1, 1)),
        gxe.ExpectColumnMaxToBeBetween(column="usage_date", max_value=datetime.combine(ctx.today, time.max)),
        gxe.ExpectColumnValuesToBeBetween(column="amount_usd", min_value=0),
        gxe.ExpectColumnValuesToBeInSet(column="plan", value_set=list(PLANS)),
        gxe.ExpectColumnValuesToBeBetween(column="tokens_input", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="tokens_output", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="requests", min_value=0),
        *ctx.row_count_expectations("stg_customers__usage"),
    ]


SUITES = [
    Suite(
        "stg_customers__accounts",
        "staging.stg_customers__accounts",
        ("staging", "stg_customers__accounts"),
        accounts,
        index_columns=("account_id", "_source_file"),
    ),
    Suite(
        "stg_customers__usage",
        "staging.stg_customers__usage",
        ("staging", "stg_customers__usage"),
        usage,
        index_columns=("account_id", "vendor_id", "usage_date", "_source_file"),
    ),
]

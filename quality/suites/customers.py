"""Customer sources: the account panel and daily usage (staging). Usage is validated on a repeatable sample
when large; the whole-table rules (keys, references, identities) are dbt tests as well."""

from __future__ import annotations

from ingest.contracts import ACCOUNTS, USAGE
from quality.gx import gxe
from quality.suites import Suite, SuiteContext
from quality.suites.contract import contract_expectations


def accounts(ctx: SuiteContext) -> list[gxe.Expectation]:
    return [
        *contract_expectations(ACCOUNTS, ctx),
        gxe.ExpectColumnValuesToBeUnique(
            column="account_id",
            severity="warning",
            meta={"why": "an account delivered twice: the latest record is used"},
        ),
        *ctx.row_count_expectations("stg_customers__accounts"),
    ]


def usage(ctx: SuiteContext) -> list[gxe.Expectation]:
    """The big table: the contract's rules, phrased to stay cheap on a million-row sample.

    Every account is known is the dbt relationships test of int_usage_monthly → dim_accounts on every row
    (GX's pandas in-set over the ~20k-id list serialised the list at every step: 8 s on 1M rows).
    """
    return [
        *contract_expectations(USAGE, ctx, skip_references={"accounts"}),
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

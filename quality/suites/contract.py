"""Expectations generated from a landing contract: the staging suites assert exactly what ingest enforced.

Every bound comes from `Column.bounds` (required, accepted values, known ids, the date range, the numeric
range), so a gate can never be stricter than the contract: a failure means ingest let through a row the
contract refuses, a bug, not a delivery. Each rule is phrased to stay cheap on a million-row sample: dates as
the column's min and max (a per-row between on datetimes runs Python per value), numbers as a vectorised
between.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time

from ingest.contracts import Column, Dataset, Kind
from quality.gx import gxe
from quality.suites import SuiteContext


def contract_expectations(
    dataset: Dataset, ctx: SuiteContext, skip_references: Collection[str] = ()
) -> list[gxe.Expectation]:
    """The contract's rules for each column of `dataset` as GX expectations on its staging model.

    `skip_references` names id sets checked elsewhere on every row (e.g. accounts of usage: the dbt
    relationships test), where an in-set over a large id list would be slow.
    """
    out: list[gxe.Expectation] = []
    for column in dataset.columns:
        out += column_expectations(column, ctx, skip_references)
    return out


def column_expectations(
    column: Column, ctx: SuiteContext, skip_references: Collection[str] = ()
) -> list[gxe.Expectation]:
    bounds = column.bounds(ctx.today)
    # a quarter is checked on its first day, the column dbt's models use
    name = f"{column.name}_start" if column.kind is Kind.QUARTER else column.name
    out: list[gxe.Expectation] = []
    if bounds.required:
        out.append(gxe.ExpectColumnValuesToNotBeNull(column=name))
    if bounds.accepted is not None:
        out.append(gxe.ExpectColumnValuesToBeInSet(column=name, value_set=sorted(bounds.accepted)))
    if bounds.references is not None and bounds.references not in skip_references:
        out.append(gxe.ExpectColumnValuesToBeInSet(column=name, value_set=sorted(_ids(ctx, bounds.references))))
    if isinstance(bounds.minimum, date):  # dates arrive in pandas as datetime64: bounds must be datetimes too
        out.append(gxe.ExpectColumnMinToBeBetween(column=name, min_value=datetime.combine(bounds.minimum, time.min)))
    if isinstance(bounds.maximum, date):
        out.append(gxe.ExpectColumnMaxToBeBetween(column=name, max_value=datetime.combine(bounds.maximum, time.max)))
    if bounds.minimum is not None and not isinstance(bounds.minimum, date):
        out.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=name, min_value=float(bounds.minimum), max_value=float(bounds.maximum or 0)
            )
        )
    return out


def _ids(ctx: SuiteContext, references: str) -> frozenset[str]:
    return {"vendors": ctx.vendor_ids, "accounts": ctx.account_ids, "indicators": ctx.indicator_codes}[references]

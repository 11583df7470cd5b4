"""The suites: one module per validated table, each returning its expectation list.

A `Suite` names the relation it reads (or a query deriving a frame from it, e.g. shares summed per market),
the Dagster asset it checks, and the columns that identify a failing row in the report. Expectations with
`severity="warning"` report; every other failing expectation blocks publishing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from quality.gx import gxe


@dataclass(frozen=True)
class SuiteContext:
    """Facts a suite needs that come from the build itself: reference ids and the trailing row counts."""

    vendor_ids: frozenset[str] = frozenset()
    account_ids: frozenset[str] = frozenset()
    indicator_codes: frozenset[str] = frozenset()
    trailing_rows: dict[str, list[int]] = field(default_factory=dict)  # suite → row counts of earlier publishes
    today: date = field(default_factory=date.today)

    def row_count_expectations(self, suite: str) -> list[gxe.Expectation]:
        """Warn when the table lost more than half of its rows against the median of earlier publishes."""
        history = sorted(self.trailing_rows.get(suite, []))
        if not history:
            return []
        median = (
            history[len(history) // 2]
            if len(history) % 2
            else (history[len(history) // 2 - 1] + history[len(history) // 2]) / 2
        )
        return [
            gxe.ExpectTableRowCountToBeBetween(
                min_value=int(median * 0.5),
                severity="warning",
                meta={"why": f"row count dropped by more than 50% against the trailing median {median:,.0f}"},
            )
        ]


@dataclass(frozen=True)
class Suite:
    name: str
    relation: str  # schema.table in the warehouse
    asset_key: tuple[str, ...]  # the Dagster asset this suite checks
    expectations: Callable[[SuiteContext], list[gxe.Expectation]]
    index_columns: tuple[str, ...] = ()  # identify failing rows in samples
    query: str | None = None  # a derived frame instead of `select * from relation`
    sample_above: int = 1_000_000  # larger tables are validated on a sample of about this many rows
    description: str = ""
    # identifies a row of a staged landing dataset (file version, row number): the key of the sample
    sample_key: tuple[str, ...] = ("_file_sha256", "_row_number")

    def sql(self, total_rows: int) -> str:
        """The rows to validate: all of them, or for a table above `sample_above` a 1-in-k sample by a hash of
        `sample_key` — the same rows every night (new rows sampled at the same rate), and a filter DuckDB runs
        in parallel (a seeded reservoir sample took 7 s of 3M rows, single-threaded; this takes 0.4 s)."""
        base = self.query or f"select * from {self.relation}"
        if self.query is None and total_rows > self.sample_above:
            every = math.ceil(total_rows / self.sample_above)
            return f"{base} where hash({', '.join(self.sample_key)}) % {every} = 0"
        return base


def all_suites() -> list[Suite]:
    from quality.suites import customers, market, marts, pricing

    return [*market.SUITES, *pricing.SUITES, *customers.SUITES, *marts.SUITES]

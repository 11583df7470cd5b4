"""The suites: one module per validated table, each returning its expectation list.

A `Suite` names the relation it reads (or a query deriving a frame from it, e.g. shares summed per market),
the Dagster asset it checks, and the columns that identify a failing row in the report. Expectations with
`severity="warning"` report; every other failing expectation blocks publishing.
"""

from __future__ import annotations

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
    sample_above: int = 1_000_000  # larger tables are validated on a repeatable sample of this many rows
    description: str = ""

    def sql(self, total_rows: int) -> str:
        base = self.query or f"select * from {self.relation}"
        if self.query is None and total_rows > self.sample_above:
            return f"{base} using sample reservoir({self.sample_above} rows) repeatable (42)"
        return base


def all_suites() -> list[Suite]:
    from quality.suites import customers, market, marts, pricing

    return [*market.SUITES, *pricing.SUITES, *customers.SUITES, *marts.SUITES]

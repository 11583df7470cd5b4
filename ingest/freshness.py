"""How fresh the usage data is: the newest usage day in the raw archive and its age (warn after 36 h).

One definition, used by the Dagster freshness check and by `modelmarket status`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

from ingest.archive import scan_raw
from ingest.contracts import USAGE
from ingest.settings import Settings

FRESHNESS_LIMIT = timedelta(hours=36)


@dataclass(frozen=True)
class UsageFreshness:
    newest_date: date | None  # None: no usage delivered yet
    age: timedelta | None  # from the end of the newest usage day

    @property
    def age_hours(self) -> float | None:
        return None if self.age is None else round(self.age.total_seconds() / 3600, 1)

    @property
    def fresh(self) -> bool:
        return self.age is not None and self.age <= FRESHNESS_LIMIT


def usage_freshness(settings: Settings, now: datetime | None = None) -> UsageFreshness:
    """Newest usage_date among the current raw usage files, and how old the end of that day is (naive UTC)."""
    newest = scan_raw(settings, USAGE, columns=["usage_date"]).select(pl.col("usage_date").max()).collect().item()
    if newest is None:
        return UsageFreshness(None, None)
    now = now or datetime.now()
    return UsageFreshness(newest, now - datetime.combine(newest, datetime.max.time()))

"""Landing zones for the benchmark: the demo generator at a given size, and one more day of usage."""

from __future__ import annotations

import glob
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

NEW_DAY_FILE = "customers/usage/new_day.parquet"


def usage_files(landing: Path) -> tuple[list[str], list[str]]:
    """(parquet files, csv files) of customers/usage, sorted."""
    base = landing / "customers" / "usage"
    return sorted(glob.glob(str(base / "*.parquet"))), sorted(glob.glob(str(base / "*.csv")))


def add_new_day(landing: Path) -> tuple[date, int]:
    """Copy the last day's usage rows, shifted by one day, into customers/usage/new_day.parquet."""
    parquet, _ = usage_files(landing)
    last_file = [p for p in parquet if not p.endswith("new_day.parquet")][-1]
    table = pq.read_table(last_file)
    last_day = pc.max(table["usage_date"]).as_py()
    day = table.filter(pc.equal(table["usage_date"], pa.scalar(last_day, pa.date32())))
    new_day = last_day + timedelta(days=1)
    if new_day > date.today():
        raise ValueError(f"the new day {new_day} would be in the future")
    shifted = day.set_column(
        day.schema.get_field_index("usage_date"), "usage_date", pa.array([new_day] * day.num_rows, pa.date32())
    )
    pq.write_table(shifted, landing / NEW_DAY_FILE)
    return new_day, shifted.num_rows

"""Hostile and legal-but-odd deliveries beyond the corpus: corrections taken back or swapped between files,
Parquet types a pandas or Arrow export writes, names that collide with the archive's own columns, blank lines.
Each delivery gets its outcome, and delivered rows = loaded + rejected."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from ingest import archive
from ingest.contracts import ACCOUNTS, USAGE, VENDORS
from ingest.run import ingest_dataset
from ingest.settings import Settings

TODAY = date(2026, 11, 23)
HEADER = "account_id,vendor_id,usage_date,amount_usd\n"


def usage(*amounts: float) -> bytes:
    return (HEADER + "".join(f"a1,openai,2026-01-0{i + 1},{a}\n" for i, a in enumerate(amounts))).encode()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = replace(Settings.from_env({}), home=tmp_path / "home")
    landing = settings.landing_dir
    (landing / "market/vendors").mkdir(parents=True)
    (landing / "market/vendors/base.csv").write_text("vendor_id,vendor_name\nopenai,OpenAI\n")
    (landing / "customers/accounts").mkdir(parents=True)
    (landing / "customers/accounts/base.csv").write_text("account_id,segment\na1,smb\n")
    (landing / "customers/usage").mkdir(parents=True)
    for dataset in (VENDORS, ACCOUNTS):
        ingest_dataset(settings, dataset, run_id="base", today=TODAY)
    return settings


def deliver(settings: Settings, files: dict[str, bytes], run_id: str = "r") -> dict[str, dict]:
    for name, content in files.items():
        (settings.landing_dir / "customers/usage" / name).write_bytes(content)
    ingest_dataset(settings, USAGE, run_id=run_id, today=TODAY)
    log = archive.read_load_log(settings, USAGE.relation)
    for row in log.iter_rows(named=True):
        assert row["delivered_rows"] == row["loaded_rows"] + row["rejected_rows"], row
    return {r["source_file"].split("/")[-1]: r for r in log.filter(pl.col("run_id") == run_id).iter_rows(named=True)}


def current_amounts(settings: Settings) -> list[float]:
    rows = archive.scan_raw(settings, USAGE).select(pl.col("amount_usd").cast(pl.Float64)).collect()
    return sorted(rows["amount_usd"].to_list())


def test_a_correction_taken_back_restores_the_first_version(settings):
    deliver(settings, {"u.csv": usage(1)}, "first")
    deliver(settings, {"u.csv": usage(2)}, "correction")
    assert current_amounts(settings) == [2]
    entries = deliver(settings, {"u.csv": usage(1)}, "taken_back")
    assert entries["u.csv"]["status"] == "loaded"
    assert current_amounts(settings) == [1]


def test_a_version_seen_under_a_path_earlier_is_a_duplicate_once_another_path_holds_it(settings):
    deliver(settings, {"a.csv": usage(1), "b.csv": usage(5)}, "first")
    deliver(settings, {"b.csv": usage(2)}, "correction")
    entries = deliver(settings, {"b.csv": usage(1)}, "same_as_a")
    assert entries["b.csv"]["status"] == "duplicate"
    assert current_amounts(settings) == [1]


def test_contents_swapped_between_two_files_load_as_two_corrections(settings):
    deliver(settings, {"x.csv": usage(10), "y.csv": usage(20)}, "first")
    entries = deliver(settings, {"x.csv": usage(20), "y.csv": usage(10)}, "swap")
    assert {entries["x.csv"]["status"], entries["y.csv"]["status"]} == {"loaded"}
    assert current_amounts(settings) == [10, 20]

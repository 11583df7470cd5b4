"""Hostile and legal-but-odd deliveries beyond the corpus: corrections taken back or swapped between files,
Parquet types a pandas or Arrow export writes, names that collide with the archive's own columns, blank lines.
Each delivery gets its outcome, and delivered rows = loaded + rejected."""

from __future__ import annotations

import io
import json
import time
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as papq
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


def parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    papq.write_table(table, buffer)
    return buffer.getvalue()


def usage_table(**extra: pa.Array) -> pa.Table:
    base = {
        "account_id": pa.array(["a1"]),
        "vendor_id": pa.array(["openai"]),
        "usage_date": pa.array([date(2026, 1, 1)]),
        "amount_usd": pa.array([1.5]),
    }
    return pa.table(base | extra)


def test_parquet_columns_of_type_null_are_missing_values_not_a_wrong_type(settings):
    """pandas and Arrow write an all-null column as type Null: optional ones load, required ones reject rows."""
    optional_null = usage_table(model_id=pa.nulls(1), requests=pa.nulls(1))
    required_null = usage_table(usage_date=pa.nulls(1))
    entries = deliver(settings, {"opt.parquet": parquet(optional_null), "req.parquet": parquet(required_null)})
    assert entries["opt.parquet"]["status"] == "loaded" and entries["opt.parquet"]["loaded_rows"] == 1
    assert entries["req.parquet"]["status"] == "loaded" and entries["req.parquet"]["rejected_rows"] == 1
    rejected = archive.scan_rejected_rows(settings).collect()
    assert rejected.filter(pl.col("source_file").str.ends_with("req.parquet"))["reason"].to_list() == [
        "missing usage_date"
    ]


def test_nested_parquet_extra_columns_are_kept_as_json_text(settings):
    table = usage_table(
        meta=pa.array([{"team": "ml"}]), tags=pa.array([["x", "y"]]), none=pa.array([None], pa.list_(pa.int64()))
    )
    entries = deliver(settings, {"nested.parquet": parquet(table)})
    assert entries["nested.parquet"]["status"] == "loaded" and entries["nested.parquet"]["loaded_rows"] == 1
    row = archive.scan_raw(settings, USAGE, columns=["meta", "tags", "none"]).collect().row(0, named=True)
    assert row == {"meta": '{"team":"ml"}', "tags": '["x","y"]', "none": None}


@pytest.mark.parametrize(
    "column", ["_source_file", "_row_number", "_loaded_at", "_reject_reason", "_missing_vendor_id"]
)
def test_a_column_named_like_the_archives_own_is_quarantined_naming_it_and_the_rest_loads(settings, column):
    content = (HEADER.strip() + f",{column}\na1,openai,2026-01-01,3,delivered\n").encode()
    entries = deliver(settings, {"own.csv": content, "good.csv": usage(1)})
    assert entries["own.csv"]["status"] == "quarantined" and column in entries["own.csv"]["reason"]
    assert entries["good.csv"]["status"] == "loaded"
    assert current_amounts(settings) == [1]


def test_an_extra_column_named_like_a_contract_column_plus_start_is_kept(settings):
    content = (HEADER.strip() + ",usage_date_start\na1,openai,2026-01-01,3,q1\n").encode()
    deliver(settings, {"start.csv": content})
    assert archive.scan_raw(settings, USAGE, columns=["usage_date_start"]).collect()["usage_date_start"].to_list() == [
        "q1"
    ]


def test_blank_lines_and_separator_only_lines_of_a_csv_are_not_rows(settings):
    content = (HEADER + "\na1,openai,2026-01-01,1\r\n,,,\n\n").encode()
    entries = deliver(settings, {"blank.csv": content})
    assert (entries["blank.csv"]["delivered_rows"], entries["blank.csv"]["rejected_rows"]) == (1, 0)


def test_an_empty_json_array_is_a_delivery_of_no_rows_and_objects_without_fields_are_quarantined(settings):
    entries = deliver(settings, {"none.json": b"[]", "fieldless.json": b"[{}, {}]"})
    assert entries["none.json"]["status"] == "loaded" and entries["none.json"]["delivered_rows"] == 0
    assert entries["fieldless.json"]["status"] == "quarantined"
    assert "no fields" in entries["fieldless.json"]["reason"]


def test_binary_and_duration_parquet_columns_load_as_text(settings):
    """Some writers store strings as plain bytes; bytes that are not UTF-8 are kept as hex, durations as ISO text."""
    table = usage_table(
        account_id=pa.array([b"a1"]), blob=pa.array([b"\xff\x00"]), wait=pa.array([timedelta(seconds=5)])
    )
    entries = deliver(settings, {"bytes.parquet": parquet(table)})
    assert entries["bytes.parquet"]["loaded_rows"] == 1
    row = archive.scan_raw(settings, USAGE, columns=["account_id", "blob", "wait"]).collect().row(0, named=True)
    assert row == {"account_id": "a1", "blob": "ff00", "wait": "PT5S"}


def test_a_file_with_too_many_columns_is_quarantined_quickly_naming_the_count(settings):
    wide = 600
    names = ",".join(f"c{i}" for i in range(wide))
    csv = f"{HEADER.strip()},{names}\na1,openai,2026-01-01,1{',' * wide}\n".encode()
    record = {"account_id": "a1", "vendor_id": "openai", "usage_date": "2026-01-01", "amount_usd": 1}
    ndjson = "\n".join(json.dumps(record | {f"c{i}": i}) for i in range(wide)).encode()  # keys spread over records
    long_header = f"{HEADER.strip()},{'x' * 70_000}\na1,openai,2026-01-01,1,\n".encode()
    started = time.monotonic()
    entries = deliver(settings, {"wide.csv": csv, "wide.json": ndjson, "long.csv": long_header, "good.csv": usage(1)})
    assert time.monotonic() - started < 30
    assert (
        "604 columns" in entries["wide.csv"]["reason"]
        and "more than 500 different keys" in entries["wide.json"]["reason"]
    )
    assert "header line is longer" in entries["long.csv"]["reason"]
    assert {entries[n]["status"] for n in ("wide.csv", "wide.json", "long.csv")} == {"quarantined"}
    assert current_amounts(settings) == [1]


def test_parquet_decimals_at_the_money_limit_load_exactly_and_beyond_it_reject_their_row(settings):
    amounts = ["999999999999.9999990000", "999999999999.9999999", "1.1234567891", "-0"]
    table = usage_table(
        account_id=pa.array(["a1"] * 4),
        vendor_id=pa.array(["openai"] * 4),
        usage_date=pa.array([date(2026, 1, 1)] * 4),
        amount_usd=pa.array([Decimal(a) for a in amounts], pa.decimal128(38, 10)),
    )
    entries = deliver(settings, {"dec.parquet": parquet(table)})
    assert (entries["dec.parquet"]["loaded_rows"], entries["dec.parquet"]["rejected_rows"]) == (3, 1)
    loaded = archive.scan_raw(settings, USAGE).collect()["amount_usd"].to_list()
    assert sorted(loaded) == [Decimal("0"), Decimal("1.123457"), Decimal("999999999999.999999")]
    reasons = archive.scan_rejected_rows(settings).collect()["reason"].to_list()
    assert reasons == ["amount_usd '999999999999.9999999000' is out of range (|value| < 10^12 for money)"]


def test_a_swap_whose_second_file_is_broken_counts_the_moved_bytes_once(settings):
    deliver(settings, {"x.csv": usage(10), "y.csv": usage(20)}, "first")
    entries = deliver(settings, {"x.csv": usage(20), "y.csv": b"account_id\n"}, "half_swap")
    assert entries["x.csv"]["status"] == "loaded"
    assert current_amounts(settings) == [20]  # y's correction failed, but its old rows are x's now
    assert "same bytes as customers/usage/x.csv" in entries["y.csv"]["reason"]


def test_a_csv_row_with_more_values_than_the_header_quarantines_the_file_naming_the_row(settings):
    content = (HEADER + "\na1,openai,2026-01-01,1\na1,openai,2026-01-02,2,surplus\n").encode()
    entries = deliver(settings, {"ragged.csv": content, "good.csv": usage(1)})
    assert entries["ragged.csv"]["status"] == "quarantined"
    assert "row 2 has 5 values for 4 columns" in entries["ragged.csv"]["reason"]
    assert current_amounts(settings) == [1]


def test_a_genai_prices_package_taken_back_to_an_earlier_version_makes_its_prices_current_again(settings, monkeypatch):
    from ingest import genai_prices

    real_version, real_sha = genai_prices.package_version(), genai_prices.package_fingerprint()

    def install(version: str, sha: str) -> list[str]:
        monkeypatch.setattr(genai_prices, "package_version", lambda: version)
        monkeypatch.setattr(genai_prices, "package_fingerprint", lambda: sha)
        genai_prices.load_genai_prices(settings, run_id=version)
        manifest = pl.read_parquet(settings.manifest_dir / "pricing__genai_prices.parquet")["raw_path"]
        return sorted(
            {*archive.scan_union([Path(p) for p in manifest], {}, ["_source_file"]).collect()["_source_file"]}
        )

    assert install(real_version, real_sha) == [f"genai-prices@{real_version}"]
    assert install("99.0.0", "f" * 64) == ["genai-prices@99.0.0"]
    assert install(real_version, real_sha) == [f"genai-prices@{real_version}"]
    assert install(real_version, real_sha) == [f"genai-prices@{real_version}"]  # and then nothing changes
    entries = archive.read_load_log(settings, "pricing__genai_prices")
    assert entries.height == 3


def test_reference_indicators_seen_again_under_an_earlier_fingerprint_become_current_again(settings, monkeypatch):
    from ingest import reference_indicators

    def load(sha: str) -> list[str]:
        monkeypatch.setattr(reference_indicators, "fingerprint", lambda _vendors: sha)
        reference_indicators.load_reference_indicators(settings, run_id=sha[:1], today=TODAY)
        log = archive.read_load_log(settings, reference_indicators.REFERENCE_INDICATORS.relation)
        return archive.current_versions(log)["file_sha256"].to_list()

    first, second = "a" * 64, "b" * 64
    assert [load(first), load(second), load(first)] == [[first], [second], [first]]
    loads = archive.read_load_log(settings, reference_indicators.REFERENCE_INDICATORS.relation).height
    assert load(first) == [first] and archive.read_load_log(settings, "reference__indicators").height == loads


def test_json_lines_with_a_blank_line_load_and_a_trailing_comma_is_named_by_its_line(settings):
    record = '{"account_id": "a1", "vendor_id": "openai", "usage_date": "2026-01-01", "amount_usd": 1}'
    entries = deliver(
        settings, {"ok.json": f"{record}\r\n\r\n{record}\r\n".encode(), "comma.json": f"{record}\n{record},\n".encode()}
    )
    assert entries["ok.json"]["loaded_rows"] == 2
    assert entries["comma.json"]["reason"] == f"malformed JSON: Extra data at line 2 column {len(record) + 1}"


def test_dates_in_iso_basic_format_load_and_impossible_or_too_early_days_reject_their_row(settings):
    days = [
        "19970210",
        " 1969-12-31 ",
        "1900-01-01",
        "2024-02-29",
        "1997-02-30",
        "19971301",
        "1899-12-31",
        "2026-02-29",
    ]
    content = (HEADER + "".join(f"a1,openai,{day},1\n" for day in days)).encode()
    entries = deliver(settings, {"days.csv": content})
    assert (entries["days.csv"]["loaded_rows"], entries["days.csv"]["rejected_rows"]) == (4, 4)
    loaded = archive.scan_raw(settings, USAGE).collect()["usage_date"].sort().to_list()
    assert loaded == [date(1900, 1, 1), date(1969, 12, 31), date(1997, 2, 10), date(2024, 2, 29)]
    reasons = archive.scan_rejected_rows(settings).collect().sort("row_number")["reason"].to_list()
    assert reasons == [
        "unparseable usage_date '1997-02-30'",
        "unparseable usage_date '19971301'",
        "usage_date 1899-12-31 is before 1900-01-01",
        "unparseable usage_date '2026-02-29'",
    ]

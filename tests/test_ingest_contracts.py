"""Landing contracts: what is accepted, what is quarantined (whole file) and what is rejected (rows), and why.

Every case also checks the archive's promise: delivered rows = loaded rows + rejected rows.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from ingest import archive
from ingest.contracts import ACCOUNTS, INDICATORS, USAGE, VENDORS, raw_relations
from ingest.run import ingest_dataset
from ingest.settings import Settings

TODAY = date(2026, 11, 23)


def ingest(settings: Settings, *datasets) -> dict[str, object]:
    reports = {}
    for dataset in datasets:
        reports[dataset.key] = ingest_dataset(settings, dataset, run_id="test", today=TODAY)
    return reports


def log_of(settings: Settings, dataset) -> pl.DataFrame:
    return archive.read_load_log(settings, dataset.relation)


def rejected_of(settings: Settings, dataset) -> pl.DataFrame:
    files = list((settings.rejected_rows_dir / dataset.relation).glob("*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files]) if files else pl.DataFrame()


def current_rows(settings: Settings, dataset) -> pl.DataFrame:
    manifest = pl.read_parquet(settings.manifest_dir / f"{dataset.relation}.parquet")
    paths = manifest["raw_path"].to_list()
    return pl.read_parquet(paths, missing_columns="insert") if paths else pl.DataFrame()


def assert_conservation(settings: Settings, dataset) -> None:
    for row in log_of(settings, dataset).filter(pl.col("status") == "loaded").iter_rows(named=True):
        assert row["delivered_rows"] == row["loaded_rows"] + row["rejected_rows"], row


def usage_row(**values: object) -> dict[str, object]:
    return {"account_id": "a1", "vendor_id": "openai", "usage_date": "2026-01-05", "amount_usd": "10.50"} | values


def test_a_valid_file_loads_typed_with_lineage(settings, base_landing, write_csv):
    write_csv("customers/usage/u.csv", [usage_row(), usage_row(amount_usd="0", tokens_input="1200", plan="api")])
    reports = ingest(settings, VENDORS, ACCOUNTS, USAGE)
    assert reports["customers/usage"].count("loaded") == 1
    rows = current_rows(settings, USAGE)
    assert rows.height == 2
    assert rows.schema["amount_usd"] == pl.Decimal(18, 6)
    assert rows.schema["usage_date"] == pl.Date
    assert rows["_source_file"].to_list() == ["customers/usage/u.csv"] * 2
    assert rows["_row_number"].to_list() == [1, 2]
    assert rows["tokens_input"].to_list() == [None, 1200]
    assert len(rows["_file_sha256"][0]) == 64
    assert_conservation(settings, USAGE)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (usage_row(account_id=""), "missing account_id"),
        (usage_row(vendor_id=None), "missing vendor_id"),
        (usage_row(usage_date="2026-02-30"), "unparseable usage_date '2026-02-30'"),
        (usage_row(usage_date="yesterday"), "unparseable usage_date 'yesterday'"),
        (usage_row(usage_date="2027-01-01"), "usage_date 2027-01-01 is in the future"),
        (usage_row(amount_usd="-3.5"), "negative amount_usd -3.500000"),
        (usage_row(vendor_id="nobody"), "unknown vendor_id 'nobody'"),
        (usage_row(account_id="zz"), "unknown account_id 'zz'"),
        (usage_row(plan="platinum"), "plan 'platinum' is not one of free|pro|team|enterprise|api"),
        (usage_row(tokens_output="-1"), "negative tokens_output -1"),
    ],
)
def test_row_problems_reject_only_that_row_with_its_reason(settings, base_landing, write_csv, row, reason):
    write_csv("customers/usage/u.csv", [usage_row(), row, usage_row(amount_usd="1")])
    ingest(settings, VENDORS, ACCOUNTS, USAGE)
    rejected = rejected_of(settings, USAGE)
    assert rejected["reason"].to_list() == [reason]
    assert rejected["row_number"].to_list() == [2]
    assert json.loads(rejected["row_json"][0])["account_id"] == (row["account_id"] or None)
    assert current_rows(settings, USAGE)["_row_number"].to_list() == [1, 3]
    entry = log_of(settings, USAGE).row(0, named=True)
    assert (entry["delivered_rows"], entry["loaded_rows"], entry["rejected_rows"]) == (3, 2, 1)


def test_genai_prices_providers_are_known_vendors(settings, base_landing, write_csv):
    from ingest.genai_prices import load_genai_prices

    load_genai_prices(settings, run_id="test")
    write_csv("customers/usage/u.csv", [usage_row(vendor_id="mistral")])
    ingest(settings, VENDORS, ACCOUNTS, USAGE)
    assert current_rows(settings, USAGE)["vendor_id"].to_list() == ["mistral"]


@pytest.mark.parametrize(
    ("content", "reason_part"),
    [
        (b"", "the file is empty"),
        (b"account_id;vendor_id;usage_date;amount_usd\na1;openai;2026-01-01;1\n", "other than ','"),
        (b"account_id,vendor_id,usage_date\na1,openai,2026-01-01\n", "missing required column(s): amount_usd"),
        (b"account_id,vendor_id,usage_date,amount_usd\na1,openai,2026-01-01,ten\n", "column amount_usd"),
        (b"account_id,vendor_id,usage_date,amount_usd\na1,openai,2026-01-01,\xff\xfe1\n", "not valid UTF-8"),
        (b"account_id,account_id,vendor_id,usage_date,amount_usd\n", "duplicate column name"),
    ],
)
def test_file_problems_quarantine_the_whole_file_with_a_reason(settings, base_landing, content, reason_part):
    path = settings.landing_dir / "customers/usage/bad.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    report = ingest(settings, VENDORS, ACCOUNTS, USAGE)["customers/usage"]
    assert [f.status for f in report.files] == ["quarantined"]
    assert reason_part in report.files[0].reason
    copies = list((settings.quarantine_dir / "customers/usage").glob("bad.*.csv"))
    assert len(copies) == 1 and copies[0].read_bytes() == content
    reason = json.loads(copies[0].with_name(copies[0].name + ".reason.json").read_text())
    assert reason_part in reason["reason"] and reason["landing_path"] == "customers/usage/bad.csv"
    assert path.read_bytes() == content  # the landing file is never modified
    assert current_rows(settings, USAGE).height == 0


def test_parquet_and_json_and_header_only_files_load(settings, base_landing):
    folder = settings.landing_dir / "customers/usage"
    folder.mkdir(parents=True)
    pl.DataFrame(
        {"account_id": ["a1"], "vendor_id": ["openai"], "usage_date": [date(2026, 1, 2)], "amount_usd": [1.25]}
    ).write_parquet(folder / "p.parquet")
    (folder / "j.json").write_text(json.dumps([usage_row(amount_usd=2)]))
    (folder / "n.json").write_text("\n".join(json.dumps(usage_row(amount_usd=i)) for i in (3, 4)))
    (folder / "h.csv").write_text("account_id,vendor_id,usage_date,amount_usd\n")
    report = ingest(settings, VENDORS, ACCOUNTS, USAGE)["customers/usage"]
    assert sorted(f.status for f in report.files) == ["loaded"] * 4
    assert sorted(current_rows(settings, USAGE)["amount_usd"].cast(pl.Float64).to_list()) == [1.25, 2, 3, 4]


def test_parquet_with_a_wrong_type_is_quarantined(settings, base_landing):
    folder = settings.landing_dir / "customers/usage"
    folder.mkdir(parents=True)
    pl.DataFrame(
        {"account_id": ["a1"], "vendor_id": ["openai"], "usage_date": [20260102], "amount_usd": [1.0]}
    ).write_parquet(folder / "p.parquet")
    report = ingest(settings, VENDORS, ACCOUNTS, USAGE)["customers/usage"]
    assert report.files[0].status == "quarantined"
    assert "usage_date" in report.files[0].reason


def test_accepted_quirks_bom_crlf_quoted_newlines_extra_columns(settings, base_landing):
    path = settings.landing_dir / "market/vendors/v2.csv"
    path.write_bytes('\ufeffvendor_id,vendor_name,notes\r\nmistral,"Mistral\r\nAI","a, quoted; note"\r\n'.encode())
    ingest(settings, VENDORS)
    rows = current_rows(settings, VENDORS).filter(pl.col("vendor_id") == "mistral")
    assert rows["vendor_name"].to_list() == ["Mistral\r\nAI"]
    assert rows["notes"].to_list() == ["a, quoted; note"]  # extra columns are kept in raw


def test_duplicate_ids_in_one_file_keep_the_first(settings, write_csv):
    write_csv("market/vendors/v.csv", [*VENDOR_ROWS_SMALL, {"vendor_id": "openai", "vendor_name": "Again"}])
    ingest(settings, VENDORS)
    assert rejected_of(settings, VENDORS)["reason"].to_list() == ["duplicate vendor_id 'openai' (first at row 1)"]
    assert current_rows(settings, VENDORS)["vendor_name"].to_list() == ["OpenAI"]


VENDOR_ROWS_SMALL = [{"vendor_id": "openai", "vendor_name": "OpenAI"}]


def test_indicator_periods_accept_quarters_and_dates(settings, write_csv):
    write_csv("market/vendors/v.csv", VENDOR_ROWS_SMALL)
    rows = [
        {"vendor_id": "openai", "period": "2025Q3", "indicator": "revenue_usd", "value": "1e9"},
        {"vendor_id": "openai", "period": "2025-08-15", "indicator": "revenue_usd", "value": "2"},
        {"vendor_id": "openai", "period": "2025-Q4", "indicator": "uptime_pct", "value": "99.9"},
        {"vendor_id": "openai", "period": "Q4", "indicator": "uptime_pct", "value": "1"},
        {"vendor_id": "openai", "period": "2025Q1", "indicator": "vibes", "value": "1"},
    ]
    write_csv("market/indicators/i.csv", rows)
    ingest(settings, VENDORS, INDICATORS)
    loaded = current_rows(settings, INDICATORS)
    assert loaded["period_start"].to_list() == [date(2025, 7, 1), date(2025, 7, 1), date(2025, 10, 1)]
    assert sorted(rejected_of(settings, INDICATORS)["reason"].to_list()) == [
        "unknown indicator 'vibes'",
        "unparseable period 'Q4'",
    ]


def test_rerun_is_idempotent_and_redelivery_replaces_rows(settings, base_landing, write_csv):
    write_csv("customers/usage/u.csv", [usage_row(amount_usd="1"), usage_row(amount_usd="2")])
    ingest(settings, VENDORS, ACCOUNTS, USAGE)
    first_log = log_of(settings, USAGE)
    second = ingest(settings, VENDORS, ACCOUNTS, USAGE)["customers/usage"]
    assert [f.status for f in second.files] == ["unchanged"]
    assert log_of(settings, USAGE).equals(first_log)

    write_csv("customers/usage/u.csv", [usage_row(amount_usd="5")])  # a correction of the same file
    ingest(settings, VENDORS, ACCOUNTS, USAGE)
    rows = current_rows(settings, USAGE)
    assert rows["amount_usd"].cast(pl.Float64).to_list() == [5.0]
    log = log_of(settings, USAGE)
    assert log.height == 2
    assert log["replaces_sha256"][1] == log["file_sha256"][0]
    raw_files = list((settings.raw_dir / "customers/usage").glob("*.parquet"))
    assert len(raw_files) == 2  # raw is append-only: the earlier version is kept, just not current


def test_a_bad_redelivery_keeps_the_earlier_good_rows(settings, base_landing, write_csv):
    write_csv("customers/usage/u.csv", [usage_row(amount_usd="1")])
    ingest(settings, VENDORS, ACCOUNTS, USAGE)
    (settings.landing_dir / "customers/usage/u.csv").write_text("nonsense\n1\n")
    report = ingest(settings, VENDORS, ACCOUNTS, USAGE)["customers/usage"]
    assert report.files[0].status == "quarantined"
    assert current_rows(settings, USAGE)["amount_usd"].cast(pl.Float64).to_list() == [1.0]


def test_unknown_extensions_and_links_outside_are_reported(settings, base_landing, tmp_path: Path):
    from ingest.run import report_unrecognised

    (settings.landing_dir / "customers/usage").mkdir(parents=True)
    (settings.landing_dir / "customers/usage/notes.txt").write_text("hello")
    outside = tmp_path / "secret.csv"
    outside.write_text("account_id,vendor_id,usage_date,amount_usd\na1,openai,2026-01-01,1\n")
    (settings.landing_dir / "customers/usage/link.csv").symlink_to(outside)
    (settings.landing_dir / "misc").mkdir()
    (settings.landing_dir / "misc/readme.csv").write_text("x\n")
    report = ingest(settings, VENDORS, ACCOUNTS, USAGE)["customers/usage"]
    statuses = {f.relpath: f.status for f in report.files}
    assert statuses == {"customers/usage/link.csv": "refused", "customers/usage/notes.txt": "unrecognised"}
    others = report_unrecognised(settings, run_id="test")
    assert [(o.relpath, o.status) for o in others] == [("misc/readme.csv", "unrecognised")]
    assert current_rows(settings, USAGE).height == 0
    assert report_unrecognised(settings, run_id="test") == []  # reported once, not every run


def test_every_raw_relation_has_a_manifest_after_ingest(settings, base_landing):
    ingest(settings, VENDORS, ACCOUNTS, USAGE)
    manifests = {p.stem for p in settings.manifest_dir.glob("*.parquet")}
    assert {"market__vendors", "customers__accounts", "customers__usage", "audit__load_log"} <= manifests
    assert manifests <= set(raw_relations())


def test_a_linked_folder_that_climbs_out_of_the_landing_zone_is_refused(settings, base_landing, tmp_path: Path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "usage.csv").write_text("account_id,vendor_id,usage_date,amount_usd\na1,openai,2026-01-01,1\n")
    folder = settings.landing_dir / "customers/usage"
    folder.mkdir(parents=True)
    (folder / "up").symlink_to(Path("..") / ".." / ".." / ".." / "secret", target_is_directory=True)
    assert (folder / "up" / "usage.csv").exists()  # the link really leads out
    report = ingest(settings, VENDORS, ACCOUNTS, USAGE)["customers/usage"]
    assert [(f.relpath, f.status) for f in report.files] == [("customers/usage/up", "refused")]
    assert "outside the landing zone" in report.files[0].reason
    assert current_rows(settings, USAGE).height == 0


def test_usage_freshness_is_the_age_of_the_newest_usage_day(settings, base_landing, write_csv):
    from datetime import datetime

    from ingest.freshness import usage_freshness

    assert usage_freshness(settings).newest_date is None  # nothing delivered: neither fresh nor dated
    write_csv("customers/usage/u.csv", [usage_row(usage_date="2026-01-04"), usage_row(usage_date="2026-01-05")])
    ingest(settings, VENDORS, ACCOUNTS, USAGE)
    fresh = usage_freshness(settings, now=datetime(2026, 1, 7, 11, 0))  # 35 h after the end of Jan 5
    stale = usage_freshness(settings, now=datetime(2026, 1, 7, 13, 0))  # 37 h
    assert fresh.newest_date == date(2026, 1, 5) and fresh.fresh and fresh.age_hours == 35.0
    assert not stale.fresh and stale.age_hours == 37.0

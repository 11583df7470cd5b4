"""Landing files of any shape: raw/ read by name, one file never stops the others, files still being written
wait, each file's bytes are read once, and the same bytes under a second path load once."""

from __future__ import annotations

import os
import threading
import time
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from ingest import archive, landing
from ingest.contracts import ACCOUNTS, INDICATORS, LOAD_LOG_COLUMNS, USAGE, VENDORS
from ingest.freshness import usage_freshness
from ingest.run import ingest_dataset
from ingest.settings import ConfigError, Settings

TODAY = date(2026, 11, 23)
ALL = (VENDORS, ACCOUNTS, INDICATORS, USAGE)
USAGE_HEADER = "account_id,vendor_id,usage_date,amount_usd"


def ingest(settings: Settings, *datasets, settle_seconds: float = 0.0) -> dict[str, object]:
    return {
        d.key: ingest_dataset(settings, d, run_id="test", today=TODAY, settle_seconds=settle_seconds)
        for d in datasets or ALL
    }


def put(settings: Settings, relpath: str, content: str | bytes, age_seconds: float | None = None) -> Path:
    path = settings.landing_dir / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    if age_seconds is not None:
        then = time.time() - age_seconds
        os.utime(path, (then, then))
    return path


def statuses(settings: Settings) -> dict[str, str]:
    log = archive.read_load_log(settings)
    return dict(zip(log["source_file"].to_list(), log["status"].to_list(), strict=True))


def current_usage(settings: Settings) -> pl.DataFrame:
    return archive.scan_raw(settings, USAGE).collect().sort("_source_file", "_row_number")


# --- raw/ is read by name -------------------------------------------------------------------------------
SHAPES = {
    # dataset: (first file, the file with an extra column, a usage row that needs the second file's id)
    "vendors": (
        ("market/vendors/v1.csv", "vendor_id,vendor_name\nopenai,OpenAI\n"),
        ("market/vendors/v2.csv", "vendor_id,vendor_name,ticker\nacme,Acme,ACME\n"),
        "a1,acme,2026-01-03,3",
    ),
    "accounts": (
        ("customers/accounts/a1.csv", "account_id,segment\na1,smb\n"),
        ("customers/accounts/a2.csv", "account_id,segment,crm_id\na2,smb,C-9\n"),
        "a2,openai,2026-01-03,3",
    ),
    "usage": (
        ("customers/usage/u1.csv", f"{USAGE_HEADER}\na1,openai,2026-01-01,1\n"),
        (
            "customers/usage/u2.csv",
            f"{USAGE_HEADER},cost_center\na1,openai,2026-01-02,2,R&D\na1,openai,2026-01-02,-1,x\n",
        ),
        "a1,openai,2026-01-03,3",
    ),
}


@pytest.mark.parametrize("extra_first", [False, True], ids=["extra column second", "extra column first"])
@pytest.mark.parametrize("area", list(SHAPES))
def test_an_extra_column_in_one_file_and_not_another_never_breaks_a_later_run(settings, area, extra_first):
    from orchestration.status import collect_status

    plain, extra, usage_row = SHAPES[area]
    put(settings, "market/vendors/base.csv", "vendor_id,vendor_name\nopenai,OpenAI\n")
    put(settings, "customers/accounts/base.csv", "account_id,segment\na1,smb\n")
    for relpath, content in (extra, plain) if extra_first else (plain, extra):
        put(settings, relpath, content)
        ingest(settings)
    put(settings, "customers/usage/later.csv", f"{USAGE_HEADER}\n{usage_row}\n")
    ingest(settings)  # reads the ids of the mixed files; would fail on the schema of the first file alone
    assert statuses(settings)["customers/usage/later.csv"] == "loaded"
    usage = current_usage(settings)
    assert usage.filter(pl.col("_source_file") == "customers/usage/later.csv").height == 1  # its id was known
    dataset = {"vendors": VENDORS, "accounts": ACCOUNTS, "usage": USAGE}[area]
    rows = archive.scan_raw(settings, dataset).collect()
    extra_name = extra[1].split("\n")[0].split(",")[-1]
    assert rows.filter(pl.col(extra_name).is_not_null())["_source_file"].unique().to_list() == [extra[0]]
    assert rows.schema[dataset.columns[0].name] == pl.String  # contract columns keep the contract type
    assert usage_freshness(settings, now=datetime(2026, 1, 4)).newest_date == date(2026, 1, 3)
    status = collect_status(settings)
    assert status.rejected_rows == (1 if area == "usage" else 0)
    assert sum(status.rejected_by_reason.values()) == status.rejected_rows


def test_scan_raw_types_a_requested_column_no_file_has_and_keeps_row_counts(settings):
    put(settings, "market/vendors/v.csv", "vendor_id,vendor_name\nopenai,OpenAI\nacme,Acme\n")
    ingest(settings, VENDORS)
    frame = archive.scan_raw(settings, VENDORS, columns=["vendor_id", "never_delivered"]).collect()
    assert frame.columns == ["vendor_id", "never_delivered"] and frame.height == 2
    assert frame["never_delivered"].null_count() == 2
    empty = archive.scan_raw(settings, USAGE).collect()  # nothing delivered: an empty frame in the contract schema
    assert empty.height == 0 and empty.schema["amount_usd"] == pl.Decimal(18, 6)


def test_the_load_log_is_read_by_name_whatever_columns_older_entries_have(settings):
    put(settings, "market/vendors/v.csv", "vendor_id,vendor_name\nopenai,OpenAI\n")
    ingest(settings, VENDORS)
    older = archive.read_load_log(settings, VENDORS.relation).drop("replaces_sha256").with_columns(note=pl.lit("x"))
    archive.atomic_write_parquet(older.with_columns(load_id=pl.lit("older")), settings.load_log_dir / "x/o.parquet")
    log = archive.read_load_log(settings)
    assert log.height == 2 and log.columns[: len(LOAD_LOG_COLUMNS)] == [n for n, _ in LOAD_LOG_COLUMNS]
    assert log.filter(pl.col("load_id") == "older")["replaces_sha256"].to_list() == [None]


# --- one file never stops the others ---------------------------------------------------------------------
def test_one_bad_file_per_dataset_leaves_every_other_file_of_every_dataset_loaded(settings):
    good = {
        "market/vendors/good.csv": "vendor_id,vendor_name\nopenai,OpenAI\n",
        "customers/accounts/good.csv": "account_id,segment\na1,smb\n",
        "market/indicators/good.csv": "vendor_id,period,indicator,value\nopenai,2025Q1,revenue_usd,2\n",
        "customers/usage/good.csv": f"{USAGE_HEADER}\na1,openai,2026-01-01,1\n",
    }
    for relpath, content in good.items():
        put(settings, relpath, content)
    folder = os.fsencode(settings.landing_dir / "market/vendors")
    with open(folder + b"/\xff\xfe.csv", "wb") as handle:  # a name that is not UTF-8
        handle.write(b"vendor_id,vendor_name\nx,X\n")
    (settings.landing_dir / "customers/accounts/loop.csv").symlink_to("loop.csv")
    put(settings, "market/indicators/deep.json", b"[" * 50_000 + b"]" * 50_000)
    huge = b'[{"account_id": "a1", "vendor_id": "openai", "usage_date": "2026-01-01", "amount_usd": 1' + b"0" * 9000
    put(settings, "customers/usage/huge.json", huge + b"}]")
    os.mkfifo(settings.landing_dir / "customers/usage/pipe.csv")
    reports = ingest(settings)
    assert all(statuses(settings)[relpath] == "loaded" for relpath in good)
    assert all(report.rows_loaded == 1 for report in reports.values())
    bad = {k: v for k, v in statuses(settings).items() if k not in good}
    assert bad == {
        "market/vendors/\\xff\\xfe.csv": "refused",
        "customers/accounts/loop.csv": "refused",
        "market/indicators/deep.json": "quarantined",
        "customers/usage/huge.json": "loaded",  # its one row is rejected: out of range for money
        "customers/usage/pipe.csv": "refused",
    }
    assert landing.fingerprint(settings.landing_dir)  # the sensor's look at the zone survives it too


def test_an_unexpected_error_in_one_file_quarantines_it_with_the_reason_and_the_rest_loads(settings, monkeypatch):
    import ingest.run as run

    real = run.read_landing_file

    def fragile_reader(path: Path) -> pl.LazyFrame:
        if b"boom" in path.read_bytes():
            raise ZeroDivisionError("a reader bug met this file")
        return real(path)

    monkeypatch.setattr(run, "read_landing_file", fragile_reader)
    put(settings, "market/vendors/a.csv", "vendor_id,vendor_name\nboom,Boom\n")
    put(settings, "market/vendors/b.csv", "vendor_id,vendor_name\nopenai,OpenAI\n")
    put(settings, "customers/accounts/a.csv", "account_id,segment\na1,smb\n")
    put(settings, "customers/usage/u.csv", f"{USAGE_HEADER}\na1,openai,2026-01-01,1\n")
    reports = ingest(settings)
    failed = reports["market/vendors"].files[0]
    assert (failed.relpath, failed.status) == ("market/vendors/a.csv", "quarantined")
    assert failed.reason == "could not be read: ZeroDivisionError: a reader bug met this file"
    assert [f.status for f in reports["market/vendors"].files[1:]] == ["loaded"]
    assert current_usage(settings)["vendor_id"].to_list() == ["openai"]  # the usage after it knew openai


# --- files still being written ---------------------------------------------------------------------------
def test_the_settle_window_setting():
    assert Settings.from_env({}).settle_seconds == 2.0
    assert Settings.from_env({"MODELMARKET_SETTLE_SECONDS": "0"}).settle_seconds == 0.0
    for bad in ("soon", "-1", "nan", "1e9"):
        with pytest.raises(ConfigError, match="MODELMARKET_SETTLE_SECONDS"):
            Settings.from_env({"MODELMARKET_SETTLE_SECONDS": bad})


def test_only_files_modified_within_the_window_are_unsettled(settings):
    put(settings, "customers/usage/old.csv", USAGE_HEADER, age_seconds=60)
    put(settings, "customers/usage/new.csv", USAGE_HEADER)
    put(settings, "customers/usage/skewed.csv", USAGE_HEADER, age_seconds=-3600)  # a clock an hour ahead
    items = landing.scan(settings.landing_dir)
    assert [f.relpath for f in landing.unsettled(items, 2.0)] == ["customers/usage/new.csv"]
    assert landing.unsettled(items, 0) == []  # 0 switches the window off


def test_a_file_modified_within_the_window_is_left_for_a_later_run_and_then_loads(settings):
    put(settings, "market/vendors/v.csv", "vendor_id,vendor_name\nopenai,OpenAI\n", age_seconds=60)
    put(settings, "customers/accounts/a.csv", "account_id,segment\na1,smb\n", age_seconds=60)
    path = put(settings, "customers/usage/u.csv", f"{USAGE_HEADER}\na1,openai,2026-01-01,12.")
    report = ingest(settings, settle_seconds=30)["customers/usage"]
    assert [(f.relpath, f.status) for f in report.files] == [("customers/usage/u.csv", "deferred")]
    assert "customers/usage/u.csv" not in statuses(settings)  # not logged: nothing to retry or forget
    assert statuses(settings)["market/vendors/v.csv"] == "loaded"  # settled files of the same run load
    path.write_text(f"{USAGE_HEADER}\na1,openai,2026-01-01,123.45\n")
    os.utime(path, (time.time() - 60, time.time() - 60))
    ingest(settings, settle_seconds=30)
    assert current_usage(settings)["amount_usd"].cast(pl.Float64).to_list() == [123.45]


def test_waiting_costs_nothing_when_every_file_is_older_than_the_window(settings):
    put(settings, "customers/usage/u.csv", USAGE_HEADER, age_seconds=60)
    said: list[str] = []

    def no_sleep(_seconds: float) -> None:
        raise AssertionError("waited although every file had settled")

    assert landing.wait_until_settled(settings.landing_dir, 2.0, said.append, sleep=no_sleep) == []
    assert said == []


def test_a_refresh_right_after_a_copy_waits_for_it_and_loads_every_row(settings):
    put(settings, "market/vendors/v.csv", "vendor_id,vendor_name\nopenai,OpenAI\n", age_seconds=60)
    put(settings, "customers/accounts/a.csv", "account_id,segment\na1,smb\n", age_seconds=60)
    path = put(settings, "customers/usage/copied.csv", USAGE_HEADER + "\n")
    rows = 20

    def copy_slowly() -> None:  # a copy that writes a row every 50 ms
        with path.open("a") as handle:
            for day in range(1, rows + 1):
                handle.write(f"a1,openai,2026-01-{day:02d},1\n")
                handle.flush()
                time.sleep(0.05)

    writer = threading.Thread(target=copy_slowly)
    writer.start()
    said: list[str] = []
    started = time.monotonic()
    try:
        left = landing.wait_until_settled(settings.landing_dir, 0.5, said.append)
    finally:
        writer.join()
    assert left == [] and time.monotonic() - started >= rows * 0.05
    assert said == ["waiting for 1 file(s) still being written: customers/usage/copied.csv"]
    ingest(settings, settle_seconds=0.5)
    assert current_usage(settings).height == rows


def test_a_file_that_never_stops_changing_is_given_up_after_the_longest_wait(settings):
    path = put(settings, "customers/usage/log.csv", USAGE_HEADER)

    def touch(seconds: float) -> None:
        os.utime(path)  # something keeps writing
        time.sleep(seconds)

    left = landing.wait_until_settled(settings.landing_dir, 5.0, lambda _m: None, max_wait=0.3, sleep=touch)
    assert [f.relpath for f in left] == ["customers/usage/log.csv"]


# --- each file's bytes are read once -------------------------------------------------------------------------
def test_the_rows_loaded_are_the_bytes_hashed(settings):
    path = put(settings, "customers/usage/u.csv", f"{USAGE_HEADER}\na1,openai,2026-01-01,1\n")
    staged = landing.stage(path, settings.staging_dir)
    assert staged.path.read_bytes() == path.read_bytes() and staged.sha256 == landing.sha256_of(path)
    staged.path.unlink()


def test_a_file_rewritten_while_it_is_ingested_is_left_for_the_next_run(settings, monkeypatch):
    put(settings, "market/vendors/v.csv", "vendor_id,vendor_name\nopenai,OpenAI\n")
    put(settings, "customers/accounts/a.csv", "account_id,segment\na1,smb\n")
    ingest(settings, VENDORS, ACCOUNTS)
    put(settings, "customers/usage/u.csv", f"{USAGE_HEADER}\na1,openai,2026-01-01,1\n")
    real_stage = landing.stage

    def stage_while_growing(source: Path, staging_dir: Path) -> landing.Staged:
        with source.open("a") as handle:  # the upload goes on after the file was hashed
            handle.write("a1,openai,2026-01-02,2\n")
        return real_stage(source, staging_dir)

    monkeypatch.setattr(landing, "stage", stage_while_growing)
    report = ingest(settings, USAGE)["customers/usage"]
    assert [f.status for f in report.files] == ["deferred"] and "customers/usage/u.csv" not in statuses(settings)
    monkeypatch.setattr(landing, "stage", real_stage)
    ingest(settings, USAGE)
    assert current_usage(settings).height == 2  # the whole file, once
    assert not any(settings.staging_dir.iterdir())  # private copies are removed


# --- the same bytes under another path ----------------------------------------------------------------------
@pytest.fixture
def base(settings) -> Settings:
    put(settings, "market/vendors/v.csv", "vendor_id,vendor_name\nopenai,OpenAI\n")
    put(settings, "customers/accounts/a.csv", "account_id,segment\na1,smb\n")
    return settings


SPEND = f"{USAGE_HEADER}\na1,openai,2026-01-01,100\n"


def test_a_copy_under_a_second_name_in_a_later_run_is_logged_as_a_duplicate_and_not_loaded(base):
    put(base, "customers/usage/jan.csv", SPEND)
    ingest(base)
    put(base, "customers/usage/jan (copy).csv", SPEND)
    report = ingest(base)["customers/usage"]
    copy = next(f for f in report.files if f.relpath == "customers/usage/jan (copy).csv")
    assert (copy.status, copy.reason) == ("duplicate", "same bytes as customers/usage/jan.csv")
    assert current_usage(base)["amount_usd"].cast(pl.Float64).sum() == 100
    assert ingest(base)["customers/usage"].count("duplicate") == 0  # logged once
    from orchestration.status import collect_status

    assert collect_status(base).duplicates == [
        {"source_file": "customers/usage/jan (copy).csv", "reason": "same bytes as customers/usage/jan.csv"}
    ]


def test_two_new_files_with_the_same_bytes_load_once_the_first_by_path(base):
    put(base, "customers/usage/b.csv", SPEND)
    put(base, "customers/usage/a.csv", SPEND)
    ingest(base)
    assert {k: v for k, v in statuses(base).items() if "usage" in k} == {
        "customers/usage/a.csv": "loaded",
        "customers/usage/b.csv": "duplicate",
    }
    assert current_usage(base).height == 1


def test_a_path_rewritten_with_another_paths_bytes_stops_counting_its_earlier_rows(base):
    put(base, "customers/usage/a.csv", SPEND)
    put(base, "customers/usage/b.csv", f"{USAGE_HEADER}\na1,openai,2026-01-02,5\n")
    ingest(base)
    put(base, "customers/usage/b.csv", SPEND)  # b now holds a's bytes: nothing of its own
    ingest(base)
    assert current_usage(base)["_source_file"].to_list() == ["customers/usage/a.csv"]


def test_a_copy_of_a_file_corrected_in_the_same_run_loads_whatever_the_names(base):
    put(base, "customers/usage/z_original.csv", SPEND)
    ingest(base)
    put(base, "customers/usage/a_copy.csv", SPEND)  # sorts first: the old bytes, under a new name
    put(base, "customers/usage/z_original.csv", f"{USAGE_HEADER}\na1,openai,2026-01-01,90\n")  # corrected
    ingest(base)
    amounts = current_usage(base).select("_source_file", pl.col("amount_usd").cast(pl.Float64)).rows()
    assert sorted(amounts) == [("customers/usage/a_copy.csv", 100.0), ("customers/usage/z_original.csv", 90.0)]


def test_hard_and_symbolic_links_inside_the_landing_zone_load_nothing_twice(base):
    original = put(base, "customers/usage/a.csv", SPEND)
    os.link(original, base.landing_dir / "customers/usage/hard.csv")
    (base.landing_dir / "customers/usage/soft.csv").symlink_to("a.csv")
    ingest(base)
    log = {k: v for k, v in statuses(base).items() if "usage" in k}
    assert log == {
        "customers/usage/a.csv": "loaded",
        "customers/usage/hard.csv": "duplicate",
        "customers/usage/soft.csv": "refused",
    }
    assert current_usage(base).height == 1


def test_the_same_bytes_in_two_datasets_are_not_duplicates(settings):
    content = "vendor_id,vendor_name,account_id\nopenai,OpenAI,a1\n"
    put(settings, "market/vendors/x.csv", content)
    put(settings, "customers/accounts/x.csv", content)
    ingest(settings, VENDORS, ACCOUNTS)
    assert statuses(settings) == {"market/vendors/x.csv": "loaded", "customers/accounts/x.csv": "loaded"}


@pytest.mark.slow
def test_modelmarket_refresh_right_after_a_copy_waits_for_it_and_loads_every_row(tmp_path, monkeypatch):
    import numpy as np

    from orchestration.refresh import run_refresh
    from tests.test_end_to_end import write_third_party_landing

    monkeypatch.setenv("MODELMARKET_SETTLE_SECONDS", "1")  # the refresh's own Dagster resource reads it too
    settings = Settings.from_env({"MODELMARKET_SETTLE_SECONDS": "1", "MODELMARKET_HOME": str(tmp_path / "home")})
    write_third_party_landing(settings.landing_dir, np.random.default_rng(3))
    for path in settings.landing_dir.rglob("*.*"):
        os.utime(path, (time.time() - 60, time.time() - 60))  # delivered earlier: only the copy below is fresh
    copied = settings.landing_dir / "customers/usage/2025-07.csv"
    seen_waiting = threading.Event()
    written: list[float] = []

    def copy_slowly() -> None:  # rows every 0.1 s until the refresh says it waits, then ten more
        deadline = time.monotonic() + 120
        with copied.open("w") as handle:
            handle.write(USAGE_HEADER + "\n")
            tail = 10
            while tail and time.monotonic() < deadline:
                handle.write(f"c1,openai,2025-07-{len(written) % 28 + 1:02d},1.25\n")
                handle.flush()
                written.append(1.25)
                tail -= seen_waiting.is_set()
                time.sleep(0.1)

    def progress(message: str) -> None:
        if message.startswith("waiting for"):
            seen_waiting.set()
            said.append(message)

    said: list[str] = []
    writer = threading.Thread(target=copy_slowly)
    writer.start()
    try:
        outcome = run_refresh(settings, progress=progress, quiet=True)
    finally:
        seen_waiting.set()
        writer.join()
    assert outcome.success, outcome.message
    assert said == ["waiting for 1 file(s) still being written: customers/usage/2025-07.csv"]
    entry = archive.read_load_log(settings, USAGE.relation).filter(
        pl.col("source_file") == str(copied.relative_to(settings.landing_dir))
    )
    assert entry.select("status", "delivered_rows", "loaded_rows").rows() == [("loaded", len(written), len(written))]
    july = archive.scan_raw(settings, USAGE).filter(pl.col("_source_file") == "customers/usage/2025-07.csv")
    assert july.select(pl.col("amount_usd").sum()).collect().item() == pytest.approx(sum(written))

"""A corpus of bad (and awkward but valid) deliveries: each is accepted, quarantined or has rows rejected,
refused, logged as a duplicate or ignored, always with its reason, and delivered rows = loaded + rejected for
every file. All of it lands at once: no delivery stops another."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from ingest import archive
from ingest.contracts import ACCOUNTS, INDICATORS, USAGE, VENDORS
from ingest.run import ingest_dataset
from ingest.settings import Settings

TODAY = date(2026, 11, 23)
USAGE_HEADER = "account_id,vendor_id,usage_date,amount_usd\n"


@dataclass(frozen=True)
class Case:
    name: str
    folder: str  # landing/<folder>/
    filename: str
    content: bytes
    outcome: str  # loaded | quarantined | refused | unrecognised | duplicate | ignored (never logged)
    reason: str | None = None  # part of the quarantine reason, or of a rejected row's reason
    loaded: int | None = None  # rows expected to load
    link_to: str | None = None  # the entry is a symbolic link with this target (relative to its folder)
    fifo: bool = False  # the entry is a named pipe
    name_bytes: bytes | None = None  # the entry's file name as bytes (not UTF-8), instead of `filename`

    @property
    def relpath(self) -> str:
        """The path the load log names the entry by (a name that is not UTF-8 is shown with \\x escapes)."""
        name = self.name_bytes.decode("utf-8", errors="backslashreplace") if self.name_bytes else self.filename
        return f"{self.folder}/{name}".replace("\n", "\\x0a")

    @property
    def is_plain_file(self) -> bool:
        return self.link_to is None and not self.fifo


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def usage_csv(*rows: str) -> bytes:
    return (USAGE_HEADER + "".join(r + "\n" for r in rows)).encode()


def deep_json(depth: int) -> bytes:
    """A usage record whose model_id is nested `depth` arrays deep (beyond Python's recursion limit)."""
    return b'[{"account_id": "a1", "vendor_id": "openai", "usage_date": "2026-01-01", "amount_usd": 1, "model_id": ' + (
        b"[" * depth + b"]" * depth + b"}]"
    )


def one_bad_row(row: str) -> bytes:
    """A usage file with one bad row followed by a good one: the good one must load."""
    return usage_csv(row, "a1,openai,2026-01-02,1")


CORPUS = [
    # --- whole files that cannot be used: quarantined with the reason -------------------------
    Case("empty file", "customers/usage", "empty.csv", b"", "quarantined", "the file is empty"),
    Case(
        "missing required column",
        "customers/usage",
        "nocol.csv",
        b"account_id,vendor_id,usage_date\na1,openai,2026-01-01\n",
        "quarantined",
        "missing required column",
    ),
    Case(
        "wrong delimiter",
        "customers/usage",
        "semi.csv",
        b"account_id;vendor_id;usage_date;amount_usd\na1;openai;2026-01-01;1\n",
        "quarantined",
        "other than ','",
    ),
    Case(
        "non-UTF-8 bytes (Latin-1)",
        "market/vendors",
        "latin1.csv",
        "vendor_id,vendor_name\nzz,Soci\xe9t\xe9\n".encode("latin-1"),
        "quarantined",
        "not valid UTF-8",
    ),
    Case(
        "malformed JSON", "customers/usage", "broken.json", b'[{"account_id": "a1", ', "quarantined", "malformed JSON"
    ),
    Case("JSON that is not records", "customers/usage", "scalar.json", b"[1, 2, 3]", "quarantined", "array of objects"),
    Case(
        "Parquet with a date column of integers",
        "customers/usage",
        "wrongtypes.parquet",
        parquet_bytes(
            pl.DataFrame({"account_id": ["a1"], "vendor_id": ["openai"], "usage_date": [20260101], "amount_usd": [1.0]})
        ),
        "quarantined",
        "usage_date",
    ),
    Case(
        "not a Parquet file",
        "customers/usage",
        "fake.parquet",
        b"PAR1 but not really",
        "quarantined",
        "unreadable Parquet",
    ),
    Case(
        "amount that is not a number",
        "customers/usage",
        "nan.csv",
        usage_csv("a1,openai,2026-01-01,ten"),
        "quarantined",
        "column amount_usd",
    ),
    Case(
        "duplicate column names",
        "customers/usage",
        "dupcols.csv",
        b"account_id,account_id,vendor_id,usage_date,amount_usd\n",
        "quarantined",
        "duplicate column name",
    ),
    # --- rows with problems: the rest loads ----------------------------------------------------
    Case(
        "unparseable date",
        "customers/usage",
        "baddate.csv",
        one_bad_row("a1,openai,2026-13-45,1"),
        "loaded",
        "unparseable usage_date '2026-13-45'",
        1,
    ),
    Case(
        "future date",
        "customers/usage",
        "future.csv",
        one_bad_row("a1,openai,2031-01-01,1"),
        "loaded",
        "usage_date 2031-01-01 is in the future",
        1,
    ),
    Case(
        "negative amount",
        "customers/usage",
        "negative.csv",
        one_bad_row("a1,openai,2026-01-01,-5"),
        "loaded",
        "negative amount_usd -5.000000",
        1,
    ),
    Case(
        "unknown vendor",
        "customers/usage",
        "vendor.csv",
        one_bad_row("a1,nobody,2026-01-01,1"),
        "loaded",
        "unknown vendor_id 'nobody'",
        1,
    ),
    Case(
        "unknown account",
        "customers/usage",
        "account.csv",
        one_bad_row("zz,openai,2026-01-01,1"),
        "loaded",
        "unknown account_id 'zz'",
        1,
    ),
    Case(
        "null key",
        "customers/usage",
        "nullkey.csv",
        one_bad_row(",openai,2026-01-01,1"),
        "loaded",
        "missing account_id",
        1,
    ),
    Case(
        "duplicate vendor ids",
        "market/vendors",
        "dupvendors.csv",
        b"vendor_id,vendor_name\nv-dup,First\nv-dup,Second\n",
        "loaded",
        "duplicate vendor_id 'v-dup' (first at row 1)",
        1,
    ),
    Case(
        "a huge field",
        "market/vendors",
        "huge.csv",
        b"vendor_id,vendor_name\nbig," + b"x" * 2_000_000 + b"\n",
        "loaded",
        None,
        1,
    ),
    Case(
        "SQL-looking id and name",
        "market/vendors",
        "sql.csv",
        b'vendor_id,vendor_name\n"x\'); drop table marts.dim_vendors; --","Robert\'); DROP TABLE x;--"\n',
        "loaded",
        None,
        1,
    ),
    Case(
        "formula-looking names (=, +, @, -)",
        "customers/accounts",
        "formula.csv",
        b"account_id,region\n=cmd|'/c calc'!A1,+1\n@SUM(A1),-2\n",
        "loaded",
        None,
        2,
    ),
    Case(
        "names with spaces and unicode",
        "market/vendors",
        "unicode.csv",
        "vendor_id,vendor_name\nmoonshot ai,月之暗面 Moonshot\nzhipu ai,智谱 AI 🚀\n".encode(),
        "loaded",
        None,
        2,
    ),
    Case(
        "value not in the accepted list",
        "customers/accounts",
        "segment.csv",
        b"account_id,segment\nseg1,mid-market\nseg2,smb\n",
        "loaded",
        "segment 'mid-market' is not one of",
        1,
    ),
    Case(
        "unknown indicator code",
        "market/indicators",
        "indicator.csv",
        b"vendor_id,period,indicator,value\nopenai,2025Q1,vibes,1\nopenai,2025Q1,revenue_usd,2\n",
        "loaded",
        "unknown indicator 'vibes'",
        1,
    ),
    # --- awkward but valid: accepted -------------------------------------------------------------
    Case(
        "UTF-8 BOM",
        "market/vendors",
        "bom.csv",
        "\ufeffvendor_id,vendor_name\nbom-ai,BOM AI\n".encode(),
        "loaded",
        None,
        1,
    ),
    Case(
        "CRLF line endings",
        "customers/usage",
        "crlf.csv",
        b"account_id,vendor_id,usage_date,amount_usd\r\na1,openai,2026-01-01,1\r\n",
        "loaded",
        None,
        1,
    ),
    Case(
        "quoted newlines and commas",
        "market/vendors",
        "quoted.csv",
        b'vendor_id,vendor_name\nq-ai,"Quoted, Inc.\nsecond line"\n',
        "loaded",
        None,
        1,
    ),
    Case(
        "extra columns",
        "customers/usage",
        "extra.csv",
        b"account_id,vendor_id,usage_date,amount_usd,cost_center\na1,openai,2026-01-01,1,R&D\n",
        "loaded",
        None,
        1,
    ),
    Case("header only", "customers/usage", "header.csv", USAGE_HEADER.encode(), "loaded", None, 0),
    Case(
        "upper-case and padded header",
        "customers/usage",
        "case.csv",
        b" Account_ID ,VENDOR_ID,Usage_Date,Amount_USD\na1,openai,2026-01-01,1\n",
        "loaded",
        None,
        1,
    ),
    # --- not for us: reported -----------------------------------------------------------------------
    Case("unknown extension", "customers/usage", "notes.xlsx", b"PK\x03\x04", "unrecognised", "extension"),
    Case(
        "file outside any dataset folder", "misc", "stray.csv", b"a,b\n1,2\n", "unrecognised", "not in a dataset folder"
    ),
    # --- names, links and other entries that are not plain files: refused or ignored, the rest loads ----------
    Case(
        "file name that is not UTF-8",
        "customers/usage",
        "",
        usage_csv("a1,openai,2026-01-01,1"),
        "refused",
        "the name 'customers/usage/caf\\xe9.csv' is not valid UTF-8",
        name_bytes=b"caf\xe9.csv",
    ),
    Case(
        "file name with a newline",
        "customers/usage",
        "two\nlines.csv",
        usage_csv("a1,openai,2026-01-01,1"),
        "refused",
        "the name 'customers/usage/two\\x0alines.csv' holds control characters",
    ),
    Case("symlink loop", "customers/usage", "loop.csv", b"", "refused", "the link loops", link_to="loop.csv"),
    Case("dangling link", "customers/usage", "dangling.csv", b"", "refused", "target is missing", link_to="gone.csv"),
    Case(
        "link to another landing file",
        "customers/usage",
        "alias.csv",
        b"",
        "refused",
        "links are not followed (it leads to customers/usage/crlf.csv in the landing zone)",
        link_to="crlf.csv",
    ),
    Case(
        "link to a landing folder",
        "market/vendors",
        "usage_folder",
        b"",
        "refused",
        "links are not followed (it leads to customers/usage in the landing zone)",
        link_to="../../customers/usage",
    ),
    Case("named pipe", "customers/usage", "pipe.csv", b"", "refused", "not a regular file", fifo=True),
    Case("hidden file", "customers/usage", ".hidden.csv", usage_csv("a1,openai,2026-01-01,1"), "ignored"),
    Case("upload in progress (_)", "customers/usage", "_upload.csv", usage_csv("a1,openai,2026-01-01,1"), "ignored"),
    Case("upload in progress (.tmp)", "customers/usage", "u.csv.tmp", usage_csv("a1,openai,2026-01-01,1"), "ignored"),
    Case("upload in progress (.part)", "customers/usage", "u.csv.part", usage_csv("a1,openai"), "ignored"),
    Case("browser download (.crdownload)", "market/vendors", "v.csv.CRDOWNLOAD", b"vendor_id\n", "ignored"),
    # --- bytes that break a naive reader: this file is quarantined (or its row rejected), the others load ----------
    Case(
        "JSON nested very deep", "customers/usage", "deep.json", deep_json(100_000), "quarantined", "nested too deeply"
    ),
    Case(
        "JSON integer with thousands of digits in a money column",
        "customers/usage",
        "bigint.json",
        b'[{"account_id": "a1", "vendor_id": "openai", "usage_date": "2026-01-01", "amount_usd": 1'
        + b"0" * 5000
        + b"}]",
        "loaded",  # a number no warehouse type holds rejects its row, not the file
        "…' is out of range (|value| < 10^12 for money)",  # the value is shown clipped
        0,
    ),
    Case(
        "JSON integer with thousands of digits in a text column",
        "customers/usage",
        "bigtext.json",
        b'[{"account_id": "a1", "vendor_id": "openai", "usage_date": "2026-01-01", "amount_usd": 1, "model_id": 7'
        + b"7" * 5000
        + b"}]",
        "loaded",
        None,
        1,
    ),
    Case(
        "CSV integer with thousands of digits",
        "customers/usage",
        "bigint.csv",
        usage_csv("a1,openai,2026-01-01,9" + "9" * 5000),
        "loaded",
        "is out of range (|value| < 10^12 for money)",
        0,
    ),
    # --- the same bytes twice: loaded once ------------------------------------------------------------------
    Case(
        "copy of a file, first by path", "customers/usage", "copy_a.csv", usage_csv("a1,openai,2026-02-01,7"), "loaded"
    ),
    Case(
        "copy of a file under a second name",
        "customers/usage",
        "copy_b.csv",
        usage_csv("a1,openai,2026-02-01,7"),
        "duplicate",
        "same bytes as customers/usage/copy_a.csv",
    ),
]
DATASET_OF = {
    "customers/usage": USAGE,
    "market/vendors": VENDORS,
    "customers/accounts": ACCOUNTS,
    "market/indicators": INDICATORS,
}


def deliver(landing: Path, case: Case) -> None:
    folder = landing / case.folder
    folder.mkdir(parents=True, exist_ok=True)
    if case.name_bytes is not None:
        with open(os.fsencode(folder) + b"/" + case.name_bytes, "wb") as handle:
            handle.write(case.content)
    elif case.link_to is not None:
        (folder / case.filename).symlink_to(case.link_to)
    elif case.fifo:
        os.mkfifo(folder / case.filename)
    else:
        (folder / case.filename).write_bytes(case.content)


def test_the_corpus_has_at_least_twenty_bad_kinds_and_some_good_ones():
    bad = [c for c in CORPUS if c.outcome != "loaded" or c.reason]
    good = [c for c in CORPUS if c.outcome == "loaded" and not c.reason]
    assert len(bad) >= 20 and len(good) >= 5


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> tuple[Settings, dict[str, dict]]:
    """Deliver the whole corpus at once (plus the vendors and accounts it refers to) and ingest it."""
    from dataclasses import replace

    from ingest.run import report_unrecognised

    settings = replace(Settings.from_env({}), home=tmp_path_factory.mktemp("corpus") / "home")
    landing = settings.landing_dir
    (landing / "market/vendors").mkdir(parents=True)
    (landing / "market/vendors/base.csv").write_text("vendor_id,vendor_name\nopenai,OpenAI\n")
    (landing / "customers/accounts").mkdir(parents=True)
    (landing / "customers/accounts/base.csv").write_text("account_id,segment\na1,smb\n")
    for case in CORPUS:
        deliver(landing, case)
    for dataset in (VENDORS, ACCOUNTS, INDICATORS, USAGE):
        ingest_dataset(settings, dataset, run_id="corpus", today=TODAY)
    report_unrecognised(settings, run_id="corpus")
    log = archive.read_load_log(settings)
    entries = {row["source_file"]: row for row in log.iter_rows(named=True)}
    return settings, entries


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_each_delivery_gets_its_outcome_and_reason(ingested, case: Case):
    settings, entries = ingested
    if case.outcome == "ignored":
        assert case.relpath not in entries
        return
    entry = entries[case.relpath]
    assert entry["status"] == case.outcome, entry["reason"]
    if case.outcome == "loaded":
        assert entry["delivered_rows"] == entry["loaded_rows"] + entry["rejected_rows"]
        if case.loaded is not None:
            assert entry["loaded_rows"] == case.loaded
        if case.reason:
            rejected = pl.read_parquet(settings.rejected_rows_dir / DATASET_OF[case.folder].relation)
            reasons = rejected.filter(pl.col("source_file") == entry["source_file"])["reason"].to_list()
            assert any(case.reason in r for r in reasons), reasons
        else:
            assert entry["rejected_rows"] == 0
    else:
        assert case.reason in entry["reason"]
        assert entry["loaded_rows"] == 0
    if case.outcome == "quarantined":
        quarantined = entry["quarantine_path"]
        reason = json.loads(Path(quarantined + ".reason.json").read_text())
        assert reason["landing_path"] == entry["source_file"] and case.reason in reason["reason"]
    if case.is_plain_file and case.name_bytes is None:
        assert (settings.landing_dir / case.folder / case.filename).read_bytes() == case.content  # never modified


def test_every_file_keeps_delivered_equal_loaded_plus_rejected_and_raw_holds_the_loaded_rows(ingested):
    settings, entries = ingested
    log = archive.read_load_log(settings)
    assert log.height == len(entries)  # one entry per landing path: nothing logged twice, nothing retried
    for row in log.iter_rows(named=True):
        assert row["delivered_rows"] == row["loaded_rows"] + row["rejected_rows"], row
        if row["status"] != "loaded":
            assert row["loaded_rows"] == 0 and row["raw_path"] is None, row
    for dataset in (VENDORS, ACCOUNTS, INDICATORS, USAGE):
        current = archive.current_versions(archive.read_load_log(settings, dataset.relation))
        assert archive.scan_raw(settings, dataset).collect().height == current["loaded_rows"].sum()
    from tests.test_reliability import record

    by_status = log.group_by("status").len().sort("status")
    record(
        "bad_input_corpus",
        {
            "cases": len(CORPUS),
            "files_by_status": dict(zip(by_status["status"].to_list(), by_status["len"].to_list(), strict=True)),
            "rows_delivered": int(log["delivered_rows"].sum()),
            "rows_loaded": int(log["loaded_rows"].sum()),
            "rows_rejected": int(log["rejected_rows"].sum()),
            "delivered_equals_loaded_plus_rejected": True,  # asserted for every file above
        },
    )


def test_awkward_values_arrive_verbatim(ingested):
    settings, _ = ingested
    vendors = pl.read_parquet(
        pl.read_parquet(settings.manifest_dir / "market__vendors.parquet")["raw_path"].to_list(),
        missing_columns="insert",
    )
    names = dict(zip(vendors["vendor_id"], vendors["vendor_name"], strict=True))
    assert names["x'); drop table marts.dim_vendors; --"] == "Robert'); DROP TABLE x;--"
    assert names["zhipu ai"] == "智谱 AI 🚀"
    assert names["q-ai"] == "Quoted, Inc.\nsecond line"
    assert len(names["big"]) == 2_000_000

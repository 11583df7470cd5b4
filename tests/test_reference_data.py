"""Real public reference data (issue 9): Epoch AI notable models and the FMTI, bundled in ingest/reference/.

Counts and totals are recomputed here straight from the bundled CSV files with the standard library `csv` module,
independently of `ingest.reference_indicators`; only the organisation-name mapping table is shared (it is the
specification, tested on its own below).
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import subprocess
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest import reference_indicators as ref
from ingest.contracts import REFERENCE_INDICATORS, VENDORS, raw_relations
from ingest.run import ingest_dataset
from ingest.settings import DBT_PROJECT_DIR, INDICATOR_CATALOG, Settings
from orchestration.dbt_project import DBT_EXECUTABLE, DBT_TARGET, dbt_env

REFERENCE = Path(ref.__file__).resolve().parent / "reference"
EPOCH_CSV = REFERENCE / "epoch" / "epoch_notable_ai_models_raw.csv"
LAST_QUARTER = "2026Q2"  # the quarter holding the snapshot date 2026-05-02
TODAY = date(2026, 11, 23)


def _quarter(day: str) -> str:
    year, month = int(day[:4]), int(day[5:7])
    return f"{year}Q{(month - 1) // 3 + 1}"


def _quarters() -> list[str]:
    return [f"{y}Q{q}" for y in range(2023, 2027) for q in range(1, 5) if f"{y}Q{q}" <= LAST_QUARTER]


def _epoch_rows() -> list[dict[str, str]]:
    with EPOCH_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _credited(organization: str) -> set[str]:
    return {
        ref.ORGANISATION_VENDORS[o.strip()] for o in organization.split(",") if o.strip() in ref.ORGANISATION_VENDORS
    }


def independent_releases() -> Counter[tuple[str, str]]:
    """(vendor, quarter) → notable-model rows published in the quarter that list the vendor (once per row)."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in _epoch_rows():
        if row["Publication date"]:
            for vendor in _credited(row["Organization"]):
                counts[(vendor, _quarter(row["Publication date"]))] += 1
    return counts


FMTI_EXPECTED = {  # the published totals (out of 100) of our vendors, edition by edition
    "October2023": {"meta": 54, "openai": 48, "google": 40, "anthropic": 36, "cohere": 34},
    "May2024": {"meta": 60, "mistral": 55, "anthropic": 51, "openai": 49, "google": 47},
    "Dec2025": {
        "alibaba": 26, "anthropic": 46, "deepseek": 32, "google": 41,
        "meta": 31, "mistral": 18, "openai": 35, "x-ai": 14,
    },
}  # fmt: skip
FMTI_FIRST_QUARTER = {"October2023": "2023Q4", "May2024": "2024Q2", "Dec2025": "2025Q4"}


def independent_fmti(edition: str) -> dict[str, int]:
    """Vendor → the sum of its 0/1 indicator column (Total rows skipped) of one edition's CSV."""
    with (REFERENCE / "fmti" / f"{edition}_scores.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    totals: dict[str, int] = {}
    for name, vendor in ref.ORGANISATION_VENDORS.items():
        if name in rows[0]:
            totals[vendor] = sum(int(r[name]) for r in rows if r["Indicator"].strip() != "Total")
    return totals


def independent_transparency() -> dict[tuple[str, str], int]:
    editions = sorted(FMTI_FIRST_QUARTER, key=FMTI_FIRST_QUARTER.get)  # type: ignore[arg-type]
    out: dict[tuple[str, str], int] = {}
    for quarter in _quarters():
        published = [e for e in editions if FMTI_FIRST_QUARTER[e] <= quarter]
        if published:
            for vendor, total in independent_fmti(published[-1]).items():
                out[(vendor, quarter)] = total
    return out


# --- the organisation-name mapping -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("organization", "vendors"),
    [
        ("OpenAI", ["openai"]),
        ("Google,Google DeepMind", ["google"]),  # two names of one vendor: credited once
        ("DeepMind", ["google"]),
        ("Google Brain", ["google"]),
        ("Google Research", ["google"]),
        ("Google DeepMind,OpenAI", ["google", "openai"]),  # several vendors: every one is credited
        ("Meta AI,Stanford University", ["meta"]),
        ("Facebook AI Research", ["meta"]),
        ("NVIDIA,Meta AI", ["meta"]),
        ("Mistral AI", ["mistral"]),
        ("DeepSeek", ["deepseek"]),
        ("xAI", ["x-ai"]),
        ("Cohere", ["cohere"]),
        ("Alibaba", ["alibaba"]),
        ("Moonshot", ["moonshotai"]),
        ("Z.ai (Zhipu AI),Tsinghua University", ["zhipuai"]),
        ("MiniMax", ["minimax"]),
        ("MetaMind Inc", []),  # not Meta
        ("Tsinghua University,Microsoft", []),
        (" Anthropic , University of Oxford", ["anthropic"]),
    ],
)
def test_organisation_names_map_to_vendor_ids(organization: str, vendors: list[str]) -> None:
    assert ref.vendors_of(organization) == vendors


def test_multi_organisation_rows_of_the_snapshot_credit_every_vendor() -> None:
    rows = [r for r in _epoch_rows() if "," in r["Organization"] and ref.vendors_of(r["Organization"])]
    assert rows, "the snapshot has multi-organisation rows of our vendors"
    google_pair = [
        r for r in rows if {"Google", "Google DeepMind"} <= {o.strip() for o in r["Organization"].split(",")}
    ]
    assert google_pair and all(ref.vendors_of(r["Organization"]) == ["google"] for r in google_pair)


def test_every_fmti_developer_of_ours_is_mapped() -> None:
    for edition, expected in FMTI_EXPECTED.items():
        with (REFERENCE / "fmti" / f"{edition}_scores.csv").open(encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle))
        mapped = {ref.ORGANISATION_VENDORS[h] for h in header if h in ref.ORGANISATION_VENDORS}
        assert mapped == set(expected), edition


def test_the_bundle_carries_its_attribution() -> None:
    notice = (REFERENCE / "NOTICE.md").read_text(encoding="utf-8")
    assert "Epoch AI" in notice and "Stanford CRFM" in notice and "CC BY 4.0" in notice
    assert (REFERENCE / "fmti" / "FMTI_LICENSE.md").read_text(encoding="utf-8").startswith("Attribution 4.0")
    catalog = {r["code"]: r for r in csv.DictReader(INDICATOR_CATALOG.open(encoding="utf-8"))}
    for code in ref.UNITS:
        assert catalog[code]["origin"] == "reference"
        assert "CC BY 4.0" in catalog[code]["description"]
        assert catalog[code]["unit"] == ref.UNITS[code]
    assert catalog["training_power_draw_kw"]["direction"] == "lower_is_better"


# --- the observations, recomputed from the CSV files ----------------------------------------------------------------
@pytest.fixture(scope="module")
def observations() -> pl.DataFrame:
    return ref.observations()


def _values(frame: pl.DataFrame, indicator: str) -> dict[tuple[str, str], float]:
    rows = frame.filter(pl.col("indicator") == indicator).select("vendor_id", "period", "value").iter_rows()
    return {(v, p): value for v, p, value in rows}


def test_model_releases_equal_the_count_per_vendor_and_quarter(observations: pl.DataFrame) -> None:
    counts = independent_releases()
    got = _values(observations, "model_releases")
    expected = {(v, q): float(counts[(v, q)]) for v in ref.VENDOR_IDS for q in _quarters()}  # 0 is a real count
    assert got == expected
    assert sum(got.values()) > 100 and 0.0 in got.values()
    # spot checks, by hand from the file
    assert got[("openai", "2025Q3")] == sum(
        1
        for r in _epoch_rows()
        if "OpenAI" in r["Organization"] and "2025-07-01" <= r["Publication date"] <= "2025-09-30"
    )


def test_no_value_after_the_snapshot_quarter(observations: pl.DataFrame) -> None:
    assert observations["period"].max() == LAST_QUARTER
    assert observations["period"].min() == "2023Q1"
    assert observations.select("vendor_id", "period", "indicator").is_unique().all()
    assert (observations.filter(pl.col("indicator") == "model_releases")["period"].n_unique()) == len(_quarters())


def test_open_weights_compute_and_power_follow_their_definitions(observations: pl.DataFrame) -> None:
    rows = [r for r in _epoch_rows() if r["Publication date"]]
    index = {q: i for i, q in enumerate(f"{y}Q{n}" for y in range(1950, 2027) for n in range(1, 5))}
    share: dict[tuple[str, str], float] = {}
    compute: dict[tuple[str, str], float] = {}
    power: dict[tuple[str, str], float] = {}
    for vendor in ref.VENDOR_IDS:
        own = [r for r in rows if vendor in _credited(r["Organization"])]
        for quarter in _quarters():
            trailing = [
                r
                for r in own
                if 0 <= index[quarter] - index[_quarter(r["Publication date"])] <= 3
                and r["Open model weights?"] in ("Yes", "No")
            ]
            if trailing:
                share[(vendor, quarter)] = sum(r["Open model weights?"] == "Yes" for r in trailing) / len(trailing)
            released = [r for r in own if _quarter(r["Publication date"]) <= quarter]
            flops = [float(r["Training compute (FLOP)"]) for r in released if r["Training compute (FLOP)"]]
            watts = [float(r["Training power draw (W)"]) for r in released if r["Training power draw (W)"]]
            if flops:
                compute[(vendor, quarter)] = math.log10(max(flops))
            if watts:
                power[(vendor, quarter)] = max(watts) / 1000
    assert _values(observations, "open_weights_share") == pytest.approx(share)
    assert _values(observations, "frontier_training_compute") == pytest.approx(compute)
    assert _values(observations, "training_power_draw_kw") == pytest.approx(power)
    # "open" is exactly the open-weights accessibility classes in this snapshot
    accessibility = {(r["Open model weights?"], r["Model accessibility"]) for r in _epoch_rows()}
    assert {a for o, a in accessibility if o == "Yes"} == {
        "Open weights (unrestricted)", "Open weights (non-commercial)", "Open weights (restricted use)"
    }  # fmt: skip
    assert 0 < len(power) < len(compute)  # power draw only where known


@pytest.mark.parametrize("edition", list(FMTI_EXPECTED))
def test_fmti_totals_per_edition(edition: str) -> None:
    assert independent_fmti(edition) == FMTI_EXPECTED[edition]
    module_edition = next(e for e in ref.FMTI_EDITIONS if e.file.startswith(edition))
    totals = ref.fmti_totals(module_edition)
    assert {ref.ORGANISATION_VENDORS[n]: t for n, t in totals.items() if n in ref.ORGANISATION_VENDORS} == (
        FMTI_EXPECTED[edition]
    )


def test_transparency_score_is_the_latest_edition_per_quarter(observations: pl.DataFrame) -> None:
    got = _values(observations, "transparency_score")
    assert got == {k: float(v) for k, v in independent_transparency().items()}
    assert ("openai", "2023Q3") not in got and got[("openai", "2023Q4")] == 48
    assert got[("openai", "2024Q2")] == 49 and got[("openai", "2025Q3")] == 49 and got[("openai", "2025Q4")] == 35
    assert ("cohere", "2024Q2") not in got  # not scored by the May 2024 edition: no value, not 34 carried on
    sources = observations.filter(pl.col("indicator") == "transparency_score")["source"]
    assert sources.str.starts_with("Stanford CRFM FMTI").all() and sources.str.contains("CC BY 4.0").all()


# --- ingest: same contract, archive and load log as a landing file ------------------------------------------------
def test_reference_rows_pass_the_contract_and_are_loaded_once(settings: Settings, write_csv) -> None:
    write_csv(
        "market/vendors/vendors.csv",
        [{"vendor_id": "openai", "vendor_name": "OpenAI"}, {"vendor_id": "anthropic", "vendor_name": "Anthropic"}],
    )
    ingest_dataset(settings, VENDORS, run_id="r1", today=TODAY)
    first = ref.load_reference_indicators(settings, run_id="r1", today=TODAY)
    [outcome] = first.files
    total = ref.observations().height
    known = ref.observations().filter(pl.col("vendor_id").is_in(["openai", "anthropic"])).height
    # only the warehouse's own vendors are in scope: the others are not delivered, so nothing is "rejected"
    assert known < total
    assert (outcome.status, outcome.delivered, outcome.loaded, outcome.rejected) == ("loaded", known, known, 0)
    assert not (settings.rejected_rows_dir / REFERENCE_INDICATORS.relation).exists()
    raw = pl.read_parquet(settings.raw_dir / "reference" / "indicators")
    assert set(raw.columns) == {name for name, _ in raw_relations()["reference__indicators"]}
    assert raw["_source_file"].unique().to_list() == [ref.SOURCE_FILE]
    openai_q1 = raw.filter((pl.col("vendor_id") == "openai") & (pl.col("period") == "2025Q1"))
    assert set(openai_q1["period_start"]) == {date(2025, 1, 1)}
    # idempotent: the same bundle and the same vendors load nothing new
    assert [f.status for f in ref.load_reference_indicators(settings, run_id="r2", today=TODAY).files] == ["unchanged"]
    # a new vendor delivery reloads the bundle: google's rows now load, the new version replaces the old one
    write_csv("market/vendors/more.csv", [{"vendor_id": "google", "vendor_name": "Google"}])
    ingest_dataset(settings, VENDORS, run_id="r3", today=TODAY)
    third = ref.load_reference_indicators(settings, run_id="r3", today=TODAY)
    assert third.files[0].status == "loaded" and third.current_files == 1
    manifest = pl.read_parquet(settings.manifest_dir / f"{REFERENCE_INDICATORS.relation}.parquet")
    current = pl.read_parquet(manifest["raw_path"].to_list())
    assert set(current["vendor_id"]) == {"openai", "anthropic", "google"}


# --- precedence: a user's landing file > reference data > demo data ---------------------------------------------------
def test_precedence_unit_test_passes(demo_home: Settings, tmp_path: Path) -> None:
    """The dbt unit test int_indicators_deduplicated_precedence_landing_reference_demo, on a copy of the demo build."""
    copy = tmp_path / "warehouse" / demo_home.published_path.name
    copy.parent.mkdir()
    shutil.copy2(demo_home.published_path, copy)
    command = [
        DBT_EXECUTABLE, "test", "--select", "int_indicators_deduplicated,test_type:unit",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--target", DBT_TARGET,
        "--target-path", str(tmp_path / "dbt_target"), "--log-path", str(tmp_path / "dbt_logs"),
        "--vars", json.dumps(demo_home.dbt_vars(warehouse_path=copy)),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=dbt_env(), cwd=tmp_path, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "int_indicators_deduplicated_precedence_landing_reference_demo" in output


# --- the demo warehouse: real values in the marts -------------------------------------------------------------------
def _query(path: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).pl()


def test_marts_equal_the_independent_counts(demo_home: Settings) -> None:
    rows = _query(
        demo_home.published_path,
        "select vendor_id, quarter, indicator, raw_value, origin, source, is_synthetic"
        " from marts.fct_sustainability_indicators"
        " where indicator in ('model_releases', 'transparency_score')",
    ).with_columns(
        period=pl.col("quarter").dt.year().cast(pl.String) + "Q" + pl.col("quarter").dt.quarter().cast(pl.String)
    )
    assert (rows["origin"] == "reference").all() and not rows["is_synthetic"].any()
    assert rows["period"].max() <= LAST_QUARTER  # nothing after the snapshot: missing, never zero
    releases, transparency = independent_releases(), independent_transparency()
    expected = {
        "model_releases": {(v, q): float(releases[(v, q)]) for v in ref.VENDOR_IDS for q in _quarters()},
        "transparency_score": {k: float(v) for k, v in transparency.items()},
    }
    checked: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for vendor, period, indicator, value, source in rows.select(
        "vendor_id", "period", "indicator", "raw_value", "source"
    ).iter_rows():
        assert value == expected[indicator][(vendor, period)], (vendor, period, indicator)
        assert source.endswith("CC BY 4.0)")
        checked[indicator].add((vendor, period))
    demo_vendors = set(_query(demo_home.published_path, "select vendor_id from marts.dim_vendors")["vendor_id"])
    for indicator, cells in checked.items():
        # every expected value of a warehouse vendor is there
        assert cells == {k for k in expected[indicator] if k[0] in demo_vendors}, indicator
        vendors = {v for v, _ in cells}
        quarters = {q for _, q in cells}
        assert len(vendors) >= 6 and len(quarters) >= 8, (indicator, vendors, quarters)
    # the reference source loaded without a rejected row (every mapped vendor is a demo vendor)
    log = _query(
        demo_home.published_path,
        "select loaded_rows, rejected_rows from audit.load_log where source = 'reference' and dataset = 'indicators'",
    )
    assert log.height >= 1 and log["rejected_rows"].sum() == 0 and log["loaded_rows"].sum() == ref.observations().height

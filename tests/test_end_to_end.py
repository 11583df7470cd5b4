"""From landing files to published marts, checked against an independent recomputation (tests/independent.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from ingest.settings import Settings
from orchestration.refresh import run_refresh
from orchestration.timings import latest_timings
from tests import independent

pytestmark = pytest.mark.slow
KEYS = ["period_grain", "period_start", "measure", "segment", "vendor_id"]


def genai_provider_ids() -> set[str]:
    from genai_prices.data import providers

    return {p.id for p in providers}


def known_vendor_ids(landing: Path) -> set[str]:
    return set(independent.read_dataset(landing, "market", "vendors")["vendor_id"]) | genai_provider_ids()


def query(settings: Settings, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        return con.sql(sql).df()


def assert_market_share_matches(settings: Settings) -> int:
    expected = independent.market_share(settings.landing_dir, known_vendor_ids(settings.landing_dir))
    actual = query(settings, "select * from marts.fct_market_share")
    actual["period_start"] = pd.to_datetime(actual["period_start"]).dt.date
    merged = expected.merge(actual, on=KEYS, how="outer", suffixes=("_expected", "_actual"), indicator=True)
    missing = merged[merged["_merge"] != "both"]
    assert missing.empty, f"rows only on one side:\n{missing[KEYS + ['_merge']].head(10)}"
    for column in ("value", "total", "share", "share_change_pp"):
        want = merged[f"{column}_expected"].astype(float).to_numpy()
        got = merged[f"{column}_actual"].astype(float).to_numpy()
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True), column
    assert (merged["rank_expected"] == merged["rank_actual"]).all()
    return len(merged)


def assert_concentration_matches(settings: Settings) -> None:
    expected = independent.concentration(query(settings, "select * from marts.fct_market_share"))
    actual = query(settings, "select * from marts.fct_market_concentration")
    merged = expected.merge(actual, on=KEYS[:-1], suffixes=("_expected", "_actual"), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert np.allclose(merged["hhi_actual"], merged["hhi_expected"], rtol=1e-9)
    assert np.allclose(merged["cr4_actual"], merged["cr4_expected"], rtol=1e-9)
    assert (merged["n_vendors_actual"] == merged["n_vendors_expected"]).all()
    assert (merged["level_actual"] == merged["level_expected"]).all()


def mart_snapshot(settings: Settings) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        return {n: con.sql(f"select * from marts.{n} order by all").df() for n in names}


def test_demo_refresh_publishes_every_mart(demo_home: Settings):
    counts = {name: len(frame) for name, frame in mart_snapshot(demo_home).items()}
    for mart in ("dim_vendors", "dim_accounts", "fct_market_share", "fct_market_concentration"):
        assert counts.get(mart, 0) > 0, counts
    load = query(
        demo_home,
        "select sum(delivered_rows) d, sum(loaded_rows) l, sum(rejected_rows) r "
        "from audit.load_log where status = 'loaded'",
    )
    assert load["d"][0] == load["l"][0] + load["r"][0]
    assert load["r"][0] == 0  # the demo data is valid
    assert query(demo_home, "select bool_and(is_synthetic) s from marts.dim_vendors where source like 'synthetic%'")[
        "s"
    ][0]


def test_demo_market_share_equals_an_independent_computation(demo_home: Settings):
    assert assert_market_share_matches(demo_home) > 1000
    assert_concentration_matches(demo_home)


def test_a_second_refresh_leaves_every_mart_identical(demo_home: Settings):
    before = mart_snapshot(demo_home)
    outcome = run_refresh(demo_home, progress=lambda _m: None, quiet=True)
    assert outcome.success
    after = mart_snapshot(demo_home)
    assert before.keys() == after.keys()
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name], check_exact=True, obj=name)
    assert demo_home.previous_path.exists()
    # the same home, the same project: dbt reused its parse of the first refresh (the per-home target folder)
    dbt_stream = demo_home.refresh_output_path.read_text(encoding="utf-8")
    assert "Unable to do partial parsing" not in dbt_stream
    # and the refresh said where its time went: every step of the job, grouped into the five stages
    timings = latest_timings(demo_home)
    assert timings is not None and timings.run_id == outcome.run_id == outcome.timings.run_id
    assert {"warehouse_dbt", "quality_gate", "warehouse__published", "landing_inventory"} <= timings.steps.keys()
    assert set(timings.stages) == {"startup", "ingest", "dbt", "checks", "publish"}
    assert 0 < sum(timings.steps.values()) <= timings.run_s + 0.5
    assert timings.stages["dbt"] == max(timings.stages.values())


def write_third_party_landing(landing: Path, rng: np.random.Generator) -> None:
    """A landing zone as another tool would write it: pandas CSVs and pyarrow Parquet, several files each."""
    (landing / "market/vendors").mkdir(parents=True)
    (landing / "customers/accounts").mkdir(parents=True)
    (landing / "customers/usage").mkdir(parents=True)
    (landing / "market/indicators").mkdir(parents=True)
    pd.DataFrame({"vendor_id": ["openai", "anthropic"], "vendor_name": ["OpenAI", "Anthropic"]}).to_csv(
        landing / "market/vendors/part1.csv", index=False
    )
    pd.DataFrame({"vendor_id": ["tiny-lab"], "vendor_name": ["Tiny Lab"], "hq_region": ["eu"]}).to_parquet(
        landing / "market/vendors/part2.parquet"
    )
    accounts = pd.DataFrame(
        {
            "account_id": [f"c{i}" for i in range(40)],
            "segment": rng.choice(["enterprise", "smb", "consumer", None], 40),
        }
    )
    accounts.iloc[:25].to_csv(landing / "customers/accounts/a.csv", index=False)
    accounts.iloc[25:].to_parquet(landing / "customers/accounts/b.parquet")
    vendors = ["openai", "anthropic", "tiny-lab", "mistral"]  # mistral: a genai-prices provider, no vendor row
    for month in range(1, 7):
        n = 300
        days = pd.to_datetime([date(2025, month, int(d)) for d in rng.integers(1, 28, n)])
        usage = pd.DataFrame(
            {
                "account_id": rng.choice(accounts["account_id"], n),
                "vendor_id": rng.choice(vendors, n, p=[0.5, 0.3, 0.1, 0.1]),
                "usage_date": days.strftime("%Y-%m-%d"),
                "amount_usd": np.round(rng.gamma(1.0, 40.0, n) * (rng.random(n) > 0.1), 4),
                "tokens_input": rng.integers(0, 10_000, n),
                "tokens_output": rng.integers(0, 5_000, n),
            }
        )
        usage.loc[usage.index[:3], "amount_usd"] = -1.0  # rejected rows: negative amounts
        usage.loc[usage.index[3], "vendor_id"] = "unknown-vendor"  # rejected: unknown vendor
        if month % 2:
            usage.to_csv(landing / f"customers/usage/2025-{month:02}.csv", index=False)
        else:
            usage.to_parquet(landing / f"customers/usage/2025-{month:02}.parquet")
    pd.DataFrame(
        {
            "vendor_id": ["openai", "anthropic", "openai", "openai"],
            "period": ["2025Q1", "2025Q1", "2025-05-20", "2025Q2"],
            "indicator": "revenue_usd",
            "value": [100.0, 50.0, 120.0, 130.0],
            "as_of": ["2025-04-30", "2025-04-30", "2025-07-01", "2025-07-15"],  # the later 2025Q2 figure wins
        }
    ).to_csv(landing / "market/indicators/rev.csv", index=False)


def test_a_third_party_landing_zone_refreshes_with_exact_shares(tmp_path: Path):
    settings = replace(Settings.from_env({}), home=tmp_path / "home")
    write_third_party_landing(settings.landing_dir, np.random.default_rng(3))
    assert run_refresh(settings, progress=lambda _m: None, quiet=True).success
    assert assert_market_share_matches(settings) > 50
    assert_concentration_matches(settings)
    rejected = query(settings, "select reason, count(*) n from audit.rejected_rows group by reason order by reason")
    assert rejected.set_index("reason")["n"].to_dict() == {
        "negative amount_usd -1.000000": 18,
        "unknown vendor_id 'unknown-vendor'": 6,
    }
    revenue = query(
        settings,
        "select vendor_id, value from marts.fct_market_share where measure = 'revenue' and "
        "period_start = date '2025-04-01'",
    )
    assert revenue.set_index("vendor_id")["value"].astype(float).to_dict() == {"openai": 130.0}

    # A correction: the January file is delivered again with other rows; its old rows must disappear.
    january = settings.landing_dir / "customers/usage/2025-01.csv"
    pd.DataFrame(
        {"account_id": ["c1"], "vendor_id": ["anthropic"], "usage_date": ["2025-01-05"], "amount_usd": [7.5]}
    ).to_csv(january, index=False)
    assert run_refresh(settings, progress=lambda _m: None, quiet=True).success
    assert_market_share_matches(settings)
    january_spend = query(
        settings,
        "select sum(value) v from marts.fct_market_share where measure = 'spend' and "
        "period_grain = 'month' and segment = 'all' and period_start = '2025-01-01'",
    )
    assert float(january_spend["v"][0]) == 7.5


def test_a_landing_zone_without_indicators_or_prices_still_refreshes(tmp_path: Path):
    settings = replace(Settings.from_env({}), home=tmp_path / "home")
    write_third_party_landing(settings.landing_dir, np.random.default_rng(5))
    for path in (settings.landing_dir / "market/indicators").iterdir():
        path.unlink()
    outcome = run_refresh(settings, progress=lambda _m: None, quiet=True)
    assert outcome.success
    assert outcome.undelivered == ["market/indicators", "pricing/prices"]  # and the CLI prints a note for each
    measures = query(settings, "select distinct measure from marts.fct_market_share order by 1")["measure"].tolist()
    assert measures == ["customers", "spend", "tokens"]  # no revenue without indicators
    from orchestration.status import collect_status

    freshness = {f["dataset"]: f for f in collect_status(settings).freshness}
    assert freshness["market/indicators"]["current_files"] == 0
    assert freshness["pricing/prices"]["last_loaded_at"] is None

"""Customer marts (DESIGN §4) against an independent recomputation (tests/independent_customers.py), and the
incremental usage rollup: a refresh after a new day file and a re-delivered file equals a from-scratch build."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from ingest.settings import Settings
from orchestration.refresh import run_refresh
from tests import independent_customers
from tests.test_end_to_end import known_vendor_ids

pytestmark = pytest.mark.slow

KEYS = {
    "fct_account_vendor_months": ["account_id", "vendor_id", "month"],
    "fct_revenue_movements": ["vendor_id", "segment", "month"],
    "fct_retention_summary": ["vendor_id", "segment", "month"],
    "fct_cohort_retention": ["vendor_id", "segment", "cohort_month", "months_since"],
    "fct_vendor_switching": ["month", "segment", "from_vendor", "to_vendor"],
}
EXACT = {"segment", "movement", "month", "cohort_month"}


def read_marts(settings: Settings) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        return {name: con.sql(f"select * from marts.{name} order by all").df() for name in KEYS}


def assert_marts_match_independent(settings: Settings) -> dict[str, int]:
    """Every row and every figure of the five marts equals the independent computation (1e-9 relative)."""
    expected = independent_customers.customer_marts(settings.landing_dir, known_vendor_ids(settings.landing_dir))
    actual = read_marts(settings)
    sizes = {}
    for name, keys in KEYS.items():
        want, got = expected[name], actual[name].copy()
        for column in {"month", "cohort_month"} & set(got.columns):
            got[column] = pd.to_datetime(got[column]).dt.date
        assert sorted(got.columns) == sorted(want.columns), name
        merged = want.merge(got, on=keys, how="outer", suffixes=("_expected", "_actual"), indicator=True)
        lonely = merged[merged["_merge"] != "both"]
        assert lonely.empty, f"{name}: rows only on one side:\n{lonely[[*keys, '_merge']].head(10)}"
        for column in set(want.columns) - set(keys):
            left, right = merged[f"{column}_expected"], merged[f"{column}_actual"]
            if column in EXACT:
                assert (left == right).all(), f"{name}.{column}:\n{merged[left != right].head()}"
                continue
            left, right = left.astype(float).to_numpy(), right.astype(float).to_numpy()
            close = np.isclose(right, left, rtol=1e-9, atol=0, equal_nan=True)
            assert close.all(), f"{name}.{column}:\n{merged[~close][[*keys, f'{column}_expected', f'{column}_actual']]}"
        sizes[name] = len(merged)
    return sizes


def test_demo_customer_marts_equal_an_independent_computation(demo_home: Settings):
    sizes = assert_marts_match_independent(demo_home)
    assert sizes["fct_account_vendor_months"] > 1000
    assert min(sizes.values()) > 0, sizes
    movements = read_marts(demo_home)["fct_account_vendor_months"]["movement"].value_counts()
    # random demo amounts are never exactly flat (the dbt unit tests cover flat)
    assert {"new", "reactivation", "expansion", "contraction", "churn"} <= set(movements.index)


def test_demo_segments_cover_all_and_add_up(demo_home: Settings):
    movements = read_marts(demo_home)["fct_revenue_movements"]
    assert {"all", "enterprise", "smb", "consumer"} <= set(movements["segment"])
    by_segment = movements[movements["segment"] != "all"].groupby(["vendor_id", "month"])["mrr_end"].sum()
    overall = movements[movements["segment"] == "all"].set_index(["vendor_id", "month"])["mrr_end"]
    added = by_segment.reindex(overall.index).fillna(0).astype(float).to_numpy()
    assert np.allclose(added, overall.astype(float).to_numpy(), rtol=1e-12, atol=1e-9)


# --- the incremental rollup ----------------------------------------------------------------------------
def _add_a_day_and_redeliver_a_file(landing: Path) -> tuple[str, str]:
    """A new day of usage (the day after the last one) and a corrected re-delivery of the first usage file."""
    usage_dir = landing / "customers" / "usage"
    files = sorted(p for p in usage_dir.iterdir() if p.suffix in (".csv", ".parquet"))
    last = pd.read_parquet(files[-1]) if files[-1].suffix == ".parquet" else pd.read_csv(files[-1], dtype=str)
    last_day = pd.to_datetime(last["usage_date"].astype(str)).max()
    new_day = last.head(40).copy()
    new_day["usage_date"] = (last_day + timedelta(days=1)).strftime("%Y-%m-%d")
    new_day = new_day[["account_id", "vendor_id", "usage_date", "amount_usd"]].astype(str)
    new_day.loc[new_day.index[:3], "amount_usd"] = "0"  # zero-amount line items
    new_day = pd.concat([new_day, new_day.head(5)])  # several rows on one day
    new_day.to_csv(usage_dir / "usage_new_day.csv", index=False)

    first = files[0]
    if first.suffix == ".csv":
        original = pd.read_csv(first, dtype=str, keep_default_na=False)
    else:
        original = pd.read_parquet(first).astype(str)
    corrected = original.iloc[::2].copy()  # half of the rows disappear
    corrected.loc[corrected.index[:10], "amount_usd"] = "1.234567"
    first.unlink()
    corrected.to_csv(first.with_suffix(".csv"), index=False)
    return "customers/usage/usage_new_day.csv", f"customers/usage/{first.with_suffix('.csv').name}"


def test_incremental_refresh_equals_a_fresh_build(demo_home: Settings, tmp_path: Path):
    incremental = replace(demo_home, home=tmp_path / "incremental")
    shutil.copytree(demo_home.home, incremental.home)
    new_file, redelivered = _add_a_day_and_redeliver_a_file(incremental.landing_dir)
    assert run_refresh(incremental, progress=lambda _m: None, quiet=True).success

    fresh = replace(demo_home, home=tmp_path / "fresh")
    shutil.copytree(incremental.landing_dir, fresh.landing_dir)
    assert run_refresh(fresh, progress=lambda _m: None, quiet=True).success

    got, want = read_marts(incremental), read_marts(fresh)
    for name in KEYS:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True, obj=name)
    assert_marts_match_independent(incremental)

    # the per-file aggregates hold exactly one version per file: the current one (no double counting)
    with duckdb.connect(str(incremental.published_path), read_only=True) as con:
        versions = con.sql(
            "select _source_file, count(distinct _file_sha256) n from intermediate.int_usage_files_aggregated"
            " group by 1"
        ).df()
        monthly = con.sql("select * from intermediate.int_usage_monthly order by all").df()
    assert (versions["n"] == 1).all()
    assert {new_file, redelivered} <= set(versions["_source_file"])
    with duckdb.connect(str(fresh.published_path), read_only=True) as con:
        fresh_monthly = con.sql("select * from intermediate.int_usage_monthly order by all").df()
    pd.testing.assert_frame_equal(monthly, fresh_monthly, check_exact=True)


def write_1990s_panel(landing: Path, seed: int = 1997) -> None:
    """Transactions of 1994–1999 in a legal shape unlike the demo: several files, an extra column, several
    line items a day, accounts that churn, come back and move between vendors."""
    rng = np.random.default_rng(seed)
    vendors = ["openai", "anthropic", "acme-ai"]
    (landing / "market/vendors").mkdir(parents=True)
    (landing / "market/vendors/vendors.csv").write_text(
        "vendor_id,vendor_name\nopenai,OpenAI\nanthropic,Anthropic\nacme-ai,Acme AI\n"
    )
    accounts = [f"acct-{i:03d}" for i in range(40)]
    segments = rng.choice(["enterprise", "smb", "consumer"], size=len(accounts))
    (landing / "customers/accounts").mkdir(parents=True)
    (landing / "customers/accounts/accounts.csv").write_text(
        "account_id,segment\n" + "".join(f"{a},{s}\n" for a, s in zip(accounts, segments, strict=True))
    )
    files: dict[int, list[str]] = {}
    for account in accounts:
        for vendor in vendors:
            active = rng.random() < 0.5
            for month in range(72):  # 1994-01 .. 1999-12
                active = active if rng.random() < 0.8 else not active
                if not active:
                    continue
                year, month_of_year = 1994 + month // 12, month % 12 + 1
                for _ in range(int(rng.integers(1, 3))):
                    day = int(rng.integers(1, 29))
                    amount = f"{int(rng.integers(0, 50_000)) / 100:.2f}"
                    invoice = f"inv-{rng.integers(1e9)}"
                    files.setdefault(year, []).append(
                        f"{account},{vendor},{year}-{month_of_year:02d}-{day:02d},{amount},{invoice}"
                    )
    (landing / "customers/usage").mkdir(parents=True)
    for year, rows in files.items():
        text = "account_id,vendor_id,usage_date,amount_usd,invoice_id\n" + "\n".join(rows) + "\n"
        (landing / f"customers/usage/transactions_{year}.csv").write_text(text)


def test_transactions_from_the_1990s_give_the_independent_movements_retention_and_cohorts(tmp_path: Path):
    settings = replace(Settings.from_env({}), home=tmp_path / "home")
    write_1990s_panel(settings.landing_dir)
    outcome = run_refresh(settings, progress=lambda _m: None, quiet=True)
    assert outcome.success, outcome.message
    sizes = assert_marts_match_independent(settings)
    assert sizes["fct_revenue_movements"] > 0 and sizes["fct_cohort_retention"] > 0
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        first, last = con.execute("select min(month), max(month) from marts.fct_revenue_movements").fetchone()
    assert (first.year, last.year) == (1994, 1999)

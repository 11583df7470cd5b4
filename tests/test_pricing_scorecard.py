"""Pricing marts and the sustainability scorecard on the published tiny demo (the session's `demo_home`).

Expectations are computed here without the project's SQL: model and price counts straight from the installed
genai-prices package (its own price-selection semantics), the price index from fct_model_prices with pandas,
and every score of fct_sustainability_scorecard from fct_sustainability_indicators with the formula of
docs/metrics.md ("Sustainability scorecard").
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from ingest.settings import DBT_PROJECT_DIR, Settings
from tests import independent

pytestmark = pytest.mark.slow
DIMENSIONS = ("financial", "technical", "market", "social")
DEFAULT_WEIGHTS = dict.fromkeys(DIMENSIONS, 0.25)


def query(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).df()


# --- genai-prices, read as a third party would ----------------------------------------------------------------------
def _price_type(key: str) -> str:
    stem = key.rsplit("_", 1)[0]
    return "request" if stem == "requests" else stem


def _component_rows(model_price: object) -> list[str]:
    """One price type per row: a tiered price is its base plus one row per tier."""
    rows = []
    for key, value in vars(model_price).items():
        if key.startswith("_") or value is None:
            continue
        tiers = getattr(value, "tiers", None)
        rows.extend([_price_type(key)] * (1 + (len(tiers) if tiers is not None else 0)))
    return rows


def _active(constraint: object, today: date) -> bool:
    start = getattr(constraint, "start_date", None)
    return constraint is None or start is None or start <= today


def package_models() -> dict[tuple[str, str], dict[str, object]]:
    """(provider, model) → every price row's type, the rows in force today (by condition), and 'priced'."""
    from genai_prices.data import providers
    from genai_prices.types import StartDateConstraint, TimeOfDateConstraint

    today = date.today()
    models: dict[tuple[str, str], dict[str, object]] = {}
    for provider in providers:
        for model in provider.models:
            conditionals = model.prices if isinstance(model.prices, list) else None
            standard_sets = [c.prices for c in conditionals] if conditionals else [model.prices]
            all_rows = [t for prices in standard_sets for t in _component_rows(prices)]
            all_rows += [t for v in model.price_variants or [] for t in _component_rows(v.prices)]
            # standard prices: the last dated (or undated) price set active today; time-of-day sets are conditions
            if conditionals:
                dated = [c for c in conditionals if not isinstance(c.constraint, TimeOfDateConstraint)]
                active = [c for c in dated if c.constraint is None or _active(c.constraint, today)]
                current_standard = _component_rows((active or dated)[-1].prices)
                windows = [c for c in conditionals if isinstance(c.constraint, TimeOfDateConstraint)]
                current_windows = [t for c in windows for t in _component_rows(c.prices)]
            else:
                current_standard = _component_rows(model.prices)
                current_windows = []
            # request variants: per price key, the first active variant of the same request context wins
            current_variants: list[str] = []
            chosen: set[tuple[object, str]] = set()
            for variant in model.price_variants or []:
                window = variant.constraint if isinstance(variant.constraint, TimeOfDateConstraint) else None
                context = (tuple(sorted(variant.when.items())), None if window is None else str(window))
                start_ok = not isinstance(variant.constraint, StartDateConstraint) or _active(variant.constraint, today)
                if not start_ok:
                    continue
                for key, value in vars(variant.prices).items():
                    if key.startswith("_") or value is None or (context, key) in chosen:
                        continue
                    chosen.add((context, key))
                    tiers = getattr(value, "tiers", None)
                    current_variants += [_price_type(key)] * (1 + (len(tiers) if tiers is not None else 0))
            models[(provider.id, model.id)] = {
                "rows": all_rows,
                "current_standard": current_standard,
                "current_conditional": current_windows + current_variants,
            }
    return models


def price_list(settings: Settings) -> pd.DataFrame:
    frame = independent.read_dataset(settings.landing_dir, "pricing", "prices")
    frame["effective_from"] = pd.to_datetime(frame["effective_from"])
    return frame


# --- reconciliation with the package --------------------------------------------------------------------------------
def test_models_and_priced_models_match_the_package(demo_home: Settings):
    models = package_models()
    listed = query(demo_home.published_path, "select * from marts.dim_models")
    from_package = listed[listed["source"].str.startswith("genai-prices@")]
    assert len(from_package) == len(models)
    assert set(zip(from_package["vendor_id"], from_package["model_id"], strict=True)) == set(models)
    user_models = set(zip(*(price_list(demo_home)[c] for c in ("vendor_id", "model_id")), strict=True))
    priced = {key for key, model in models.items() if model["rows"]}
    got_priced = set(
        zip(
            from_package.loc[from_package["has_price"], "vendor_id"],
            from_package.loc[from_package["has_price"], "model_id"],
            strict=True,
        )
    )
    assert got_priced == priced | (user_models & set(models))
    assert len(priced) > 1000  # the real package, not a stub
    # models named only by a price list are kept, with the file as source
    only_listed = listed[~listed["source"].str.startswith("genai-prices@")]
    assert set(zip(only_listed["vendor_id"], only_listed["model_id"], strict=True)) == user_models - set(models)
    assert only_listed["has_price"].all()


def test_current_prices_match_the_package(demo_home: Settings):
    models = package_models()
    today = pd.Timestamp(date.today())
    user = price_list(demo_home)
    user_start = user.groupby(["vendor_id", "model_id", "price_type"])["effective_from"].min().to_dict()
    expected: Counter = Counter()
    for (vendor, model), info in models.items():
        for price_type in info["current_standard"]:
            start = user_start.get((vendor, model, price_type))
            if start is None or start > today:  # a price list wins from its first effective_from on
                expected[(vendor, model)] += 1
        for _ in info["current_conditional"]:
            expected[(vendor, model)] += 1
    prices = query(
        demo_home.published_path,
        "select vendor_id, model_id, count(*) as n from marts.fct_model_prices"
        " where is_current and source like 'genai-prices@%' group by all",
    )
    got = Counter({(r.vendor_id, r.model_id): r.n for r in prices.itertuples()})
    assert got == expected
    assert sum(got.values()) > 5000


def test_every_package_price_row_is_kept_unless_a_price_list_replaces_it(demo_home: Settings):
    total = sum(len(m["rows"]) for m in package_models().values())
    rows = query(
        demo_home.published_path,
        "select count(*) as n from marts.fct_model_prices where source like 'genai-prices@%'",
    )["n"][0]
    raw = query(
        demo_home.published_path,
        "select count(*) as n from staging.stg_pricing__genai_prices where price_type is not null",
    )["n"][0]
    assert raw == total
    # demo price lists start before any dated package change of their models: nothing is dropped here
    assert rows == total


def test_price_lists_win_from_their_effective_date(demo_home: Settings):
    user = price_list(demo_home)
    prices = query(demo_home.published_path, "select * from marts.fct_model_prices")
    for (vendor, model, price_type), group in user.groupby(["vendor_id", "model_id", "price_type"]):
        start = group["effective_from"].min()
        mine = prices[
            (prices["vendor_id"] == vendor) & (prices["model_id"] == model) & (prices["price_type"] == price_type)
        ]
        listed = mine[~mine["source"].str.startswith("genai-prices@")].sort_values("valid_from")
        assert list(listed["valid_from"]) == sorted(group["effective_from"])
        assert list(listed["valid_to"].iloc[:-1]) == list(listed["valid_from"].iloc[1:])
        assert pd.isna(listed["valid_to"].iloc[-1])
        package = mine[mine["source"].str.startswith("genai-prices@") & mine["condition"].isna()]
        assert (package["valid_to"].notna() & (package["valid_to"] <= start)).all()


# --- the price index ----------------------------------------------------------------------------------------------
def test_price_index_recomputed_from_model_prices(demo_home: Settings):
    warehouse = demo_home.published_path
    prices = query(
        warehouse,
        "select vendor_id, model_id, price_type, cast(usd_per_unit as double) as usd, valid_from, valid_to"
        " from marts.fct_model_prices where tier_start is null and condition is null and unit = 'mtok'"
        " and price_type in ('input', 'output')",
    )
    months = query(warehouse, "select distinct month from intermediate.int_usage_monthly order by 1")["month"]
    months = pd.date_range(months.min(), months.max(), freq="MS")
    frames = []
    for month in months:
        end = month + pd.offsets.MonthEnd(0)
        valid = prices[
            (prices["valid_from"].isna() | (prices["valid_from"] <= end))
            & (prices["valid_to"].isna() | (prices["valid_to"] > end))
        ]
        both = pd.concat([valid, valid.assign(vendor_id="all", model_id=valid["vendor_id"] + "/" + valid["model_id"])])
        stats = both.groupby(["vendor_id", "price_type"]).agg(
            median=("usd", "median"), min=("usd", "min"), n=("model_id", "nunique")
        )
        frames.append(stats.reset_index().assign(month=month))
    expected = pd.concat(frames).sort_values("month")
    base = expected.groupby(["vendor_id", "price_type"])["median"].transform("first")
    expected["index"] = np.where(base == 0, np.nan, expected["median"] / base * 100)
    got = query(warehouse, "select * from marts.fct_price_index where price_type in ('input', 'output')")
    merged = expected.merge(got, on=["month", "vendor_id", "price_type"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert np.allclose(merged["median_usd_per_mtok"], merged["median"], rtol=1e-9)
    assert np.allclose(merged["min_usd_per_mtok"], merged["min"], rtol=1e-9)
    assert (merged["n_models"] == merged["n"]).all()
    assert np.allclose(merged["index_x"], merged["index_y"], rtol=1e-9, equal_nan=True)


def test_price_index_base_month_is_100(demo_home: Settings):
    index = query(demo_home.published_path, "select * from marts.fct_price_index order by month")
    first = index.groupby(["vendor_id", "price_type"]).head(1)
    # the overall series start with the data window (the first usage month)
    window_start = query(demo_home.published_path, "select min(month) as m from intermediate.int_usage_monthly")["m"][0]
    assert (first.loc[first["vendor_id"] == "all", "month"] == window_start).all()
    assert (first.loc[first["median_usd_per_mtok"] != 0, "index"] == 100.0).all()
    assert {"all", "openai", "anthropic"} <= set(index["vendor_id"])
    assert {"input", "output"} <= set(index["price_type"])


# --- the scorecard, recomputed from its indicator rows --------------------------------------------------------------
def recompute_scorecard(indicators: pd.DataFrame, catalog: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """docs/metrics.md: normalise, weighted mean per dimension, weighted mean of dimensions, rank, coverage."""
    frame = indicators.merge(catalog[["indicator", "direction"]], on="indicator")
    groups = frame.groupby(["quarter", "indicator"])["raw_value"]
    low, high = groups.transform("min"), groups.transform("max")
    span = high - low
    up = (frame["raw_value"] - low) / span * 100
    down = (high - frame["raw_value"]) / span * 100
    inverted = frame["direction"] == "lower_is_better"
    frame["expected_normalized"] = np.where(span == 0, 50.0, np.where(inverted, down, up))
    frame["wx"] = frame["weight"] * frame["expected_normalized"]
    dims = frame.groupby(["vendor_id", "quarter", "dimension"]).agg(wx=("wx", "sum"), w=("weight", "sum"))
    dims["score"] = dims["wx"] / dims["w"]
    scores = dims["score"].unstack("dimension").reindex(columns=list(DIMENSIONS))
    present = scores.notna()
    dimension_weights = pd.Series(weights)[list(DIMENSIONS)]
    composite = (scores.fillna(0) * dimension_weights).sum(axis=1) / (present * dimension_weights).sum(axis=1)
    out = scores.assign(composite=composite).reset_index()
    out["rank"] = out.groupby("quarter")["composite"].rank(method="min", ascending=False).astype(int)
    weight_with_data = frame.groupby(["vendor_id", "quarter"])["weight"].sum()
    out = out.merge(weight_with_data.rename("w").reset_index(), on=["vendor_id", "quarter"])
    out["coverage"] = out["w"] / catalog["weight"].sum()
    return out, frame


def test_scorecard_is_reproducible_from_its_indicator_rows(demo_home: Settings):
    warehouse = demo_home.published_path
    indicators = query(warehouse, "select * from marts.fct_sustainability_indicators")
    catalog = query(warehouse, "select * from marts.dim_indicators")
    expected, normalised = recompute_scorecard(indicators, catalog, DEFAULT_WEIGHTS)
    assert np.allclose(normalised["normalized"], normalised["expected_normalized"], rtol=0, atol=1e-9)
    got = query(warehouse, "select * from marts.fct_sustainability_scorecard")
    merged = expected.merge(got, on=["vendor_id", "quarter"], how="outer", suffixes=("_want", ""), indicator=True)
    assert (merged["_merge"] == "both").all()
    for column in (*DIMENSIONS, "composite", "coverage"):
        assert np.allclose(merged[column], merged[f"{column}_want"], rtol=0, atol=1e-9, equal_nan=True), column
    assert (merged["rank"] == merged["rank_want"]).all()
    # the demo covers every indicator of the catalog, reported and derived, in some quarter
    assert set(indicators["indicator"]) == set(catalog["indicator"])
    vendors = independent.read_dataset(demo_home.landing_dir, "market", "vendors")
    assert set(indicators["vendor_id"]) == set(vendors["vendor_id"])


def test_every_reported_indicator_row_traces_to_its_landing_file(demo_home: Settings):
    rows = query(
        demo_home.published_path,
        "select i.*, d.value from marts.fct_sustainability_indicators i"
        " join intermediate.int_indicators_deduplicated d"
        " on d.vendor_id = i.vendor_id and d.period_start = i.quarter and d.indicator = i.indicator"
        " where i.origin = 'reported'",
    )
    assert len(rows) > 0
    assert (rows["raw_value"] == rows["value"]).all()
    assert rows["source"].str.startswith("market/indicators/").all()


def _dbt_run_scorecard(settings: Settings, warehouse: Path, weights: dict[str, float], tmp_path: Path) -> None:
    dbt = str(Path(sys.executable).with_name("dbt"))
    dbt_vars = settings.dbt_vars(warehouse_path=warehouse) | {"dimension_weights": weights}
    command = [
        dbt, "run", "--select", "fct_sustainability_scorecard",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(tmp_path / "dbt_target"), "--log-path", str(tmp_path / "dbt_logs"),
        "--vars", json.dumps(dbt_vars),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=DBT_PROJECT_DIR, check=False)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]


def test_changing_dimension_weights_changes_the_ranking(demo_home: Settings, tmp_path: Path):
    copy = tmp_path / "warehouse" / demo_home.published_path.name  # same file name: same catalog name
    copy.parent.mkdir()
    shutil.copy2(demo_home.published_path, copy)
    weights = {"financial": 0.7, "technical": 0.1, "market": 0.1, "social": 0.1}
    _dbt_run_scorecard(demo_home, copy, weights, tmp_path)
    before = query(demo_home.published_path, "select vendor_id, quarter, rank from marts.fct_sustainability_scorecard")
    after = query(copy, "select * from marts.fct_sustainability_scorecard")
    merged = before.merge(after, on=["vendor_id", "quarter"], suffixes=("_default", ""))
    assert len(merged) == len(before) == len(after)
    assert (merged["rank_default"] != merged["rank"]).any()
    # and the new scores follow the same formula with the new weights
    indicators = query(copy, "select * from marts.fct_sustainability_indicators")
    catalog = query(copy, "select * from marts.dim_indicators")
    expected, _ = recompute_scorecard(indicators, catalog, weights)
    check = expected.merge(after, on=["vendor_id", "quarter"], suffixes=("_want", ""))
    assert len(check) == len(after)
    assert np.allclose(check["composite"], check["composite_want"], rtol=0, atol=1e-9)
    assert (check["rank"] == check["rank_want"]).all()
    # the published warehouse is untouched
    assert query(demo_home.published_path, "select count(*) as n from marts.fct_sustainability_scorecard")["n"][0] > 0


def test_catalog_holds_the_design_indicators(demo_home: Settings):
    catalog = query(demo_home.published_path, "select * from marts.dim_indicators")
    design = {
        "financial": {"revenue_usd", "revenue_growth_qoq", "gross_margin_pct", "operating_cash_flow_usd",
                      "revenue_diversity", "net_revenue_retention", "cost_to_budget_ratio"},
        "technical": {"benchmark_score", "blended_price_per_mtok", "p95_latency_ms", "uptime_pct",
                      "rd_intensity_pct", "model_releases"},
        "market": {"market_share_spend", "market_share_revenue", "customer_growth_qoq", "new_customer_rate",
                   "regions_served"},
        "social": {"privacy_certifications", "data_retention_days", "transparency_score", "energy_wh_per_mtok",
                   "open_weights", "csr_spend_pct"},
    }  # fmt: skip
    assert len(catalog) >= 20
    for dimension, codes in design.items():
        assert codes <= set(catalog.loc[catalog["dimension"] == dimension, "indicator"]), dimension
    lower = set(catalog.loc[catalog["direction"] == "lower_is_better", "indicator"])
    assert {"blended_price_per_mtok", "data_retention_days", "energy_wh_per_mtok"} <= lower
    derived = set(catalog.loc[catalog["origin"] == "derived", "indicator"])
    assert derived == {
        "revenue_growth_qoq", "revenue_diversity", "net_revenue_retention", "blended_price_per_mtok",
        "market_share_spend", "market_share_revenue", "customer_growth_qoq", "new_customer_rate",
    }  # fmt: skip

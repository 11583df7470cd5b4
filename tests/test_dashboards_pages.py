"""The customer, switching, pricing, sustainability and data-quality pages, run through AppTest.

They run against the session's real tiny demo warehouse (`demo_home` in conftest.py, only read here). Expected
figures are computed in the test straight from the warehouse's base rows (account months, indicator rows,
price rows) with pandas, not by calling the dashboards' queries. The data-quality page is also run against the
hand-made warehouse of tests/dashboard_fixtures.py, which has quarantined files, failed checks and a failed
refresh.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import components, formatting, scoring
from dashboards.navigation import DASHBOARDS_DIR
from ingest.settings import Settings
from tests import dashboard_fixtures as fx

APP = DASHBOARDS_DIR / "app.py"
NEW_PAGES = (
    "views/customers.py",
    "views/switching.py",
    "views/pricing.py",
    "views/sustainability.py",
    "views/quality.py",
)
TITLES = {
    "views/customers.py": "Customers & retention",
    "views/switching.py": "Switching between vendors",
    "views/pricing.py": "Model prices",
    "views/sustainability.py": "Sustainability scorecard",
    "views/quality.py": "Data quality",
}


# --- helpers --------------------------------------------------------------------------------------------

OpenApp = Callable[..., AppTest]


@pytest.fixture
def demo(demo_home: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    """MODELMARKET_HOME → the shared demo home; returns its published warehouse."""
    monkeypatch.setenv("MODELMARKET_HOME", str(demo_home.home))
    return demo_home.published_path


@pytest.fixture
def open_app() -> OpenApp:
    """open_app(page, **query_params): run the app as a browser opening that URL would."""

    def _open(page: str, **query_params: str | list[str]) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params = dict(query_params)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open


def read(path: Path, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).df()


def metric(at: AppTest, label_start: str) -> str:
    found = [m for m in at.metric if m.label.startswith(label_start)]
    assert len(found) == 1, [m.label for m in at.metric]
    return found[0].value


def infos(at: AppTest) -> list[str]:
    return [element.value for element in at.info]


def charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


# --- every new page -------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", NEW_PAGES)
def test_page_renders_title_chart_banner_freshness_and_downloads(demo: Path, open_app: OpenApp, page: str) -> None:
    at = open_app(page)
    assert at.title[0].value == TITLES[page]
    assert charts(at), "at least one chart"
    assert any(components.SYNTHETIC_MESSAGE in w.value for w in at.warning)
    assert any(c.value.startswith("Last refresh ") for c in at.sidebar.caption)
    assert len(at.get("download_button")) == len(at.dataframe) > 0


EMPTIED = {
    "views/customers.py": ("marts.fct_revenue_movements",),
    "views/switching.py": ("marts.fct_vendor_switching",),
    "views/pricing.py": ("marts.fct_model_prices", "marts.fct_price_index"),
    "views/sustainability.py": ("marts.fct_sustainability_scorecard",),
}


@pytest.mark.parametrize("page", sorted(EMPTIED))
def test_an_empty_mart_shows_the_empty_state(
    demo: Path, open_app: OpenApp, page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "home" / "warehouse" / "market.duckdb"
    copy.parent.mkdir(parents=True)
    shutil.copyfile(demo, copy)
    with duckdb.connect(str(copy)) as con:
        for table in EMPTIED[page]:
            con.execute(f"delete from {table}")  # constant table names of this test
    monkeypatch.setenv("MODELMARKET_HOME", str(copy.parent.parent))
    at = open_app(page)
    assert any(components.EMPTY_MESSAGE in text for text in infos(at))


# --- customers & retention ------------------------------------------------------------------------------


def test_customers_waterfall_and_retention_match_the_account_months(demo: Path, open_app: OpenApp) -> None:
    at = open_app("views/customers.py", customer_vendor="openai")
    assert at.selectbox(key="customer_vendor").value == "openai"
    months = read(demo, "select * from marts.fct_account_vendor_months where vendor_id = 'openai'")
    last = months["month"].max()
    in_last = months[months["month"] == last]
    mrr_end = float(in_last["mrr"].astype(float).sum())
    mrr_start = float(in_last["previous_mrr"].astype(float).sum())
    assert metric(at, "MRR end (USD)") == formatting.usd(mrr_end)
    assert metric(at, "MRR start (USD)") == formatting.usd(mrr_start)
    assert metric(at, "Customers at the end") == formatting.count((in_last["mrr"] > 0).sum())

    waterfall = next(c for c in charts(at) if c["data"][0]["type"] == "waterfall")["data"][0]
    assert waterfall["y"][0] == pytest.approx(mrr_start) and waterfall["measure"][-1] == "total"
    assert sum(waterfall["y"][:-1]) == pytest.approx(mrr_end)  # start + movements = end

    # NRR 1-month of the last month: accounts active the month before, their MRR now ÷ their MRR then
    base = in_last[in_last["previous_mrr"] > 0]
    nrr = float(base["mrr"].astype(float).sum() / base["previous_mrr"].astype(float).sum())
    table = next(df.value for df in at.dataframe if "nrr_1m" in df.value.columns)
    shown = table[(table["vendor_id"] == "openai") & (table["month"] == last)]["nrr_1m"]
    assert float(shown.iloc[0]) == pytest.approx(nrr, rel=1e-9)


def test_customers_cohort_toggle_and_12_month_empty_state(demo: Path, open_app: OpenApp) -> None:
    first_months = read(demo, "select distinct month from marts.fct_revenue_movements order by month")["month"]
    early = [m.date().isoformat() for m in first_months[:3]]
    params = {"period": [early[0], early[-1]], "horizon": "12m", "cohort_measure": "revenue_retention"}
    at = open_app("views/customers.py", **params)
    assert any("12-month retention needs 13 months" in text for text in infos(at))
    assert not any(c["data"][0]["type"] == "heatmap" for c in charts(at))  # the cohort tab is closed: not drawn
    at = open_app("views/customers.py", **params, section="Cohort retention")  # a link to the cohort tab
    assert not any("12-month retention needs 13 months" in text for text in infos(at))
    heatmap = next(c for c in charts(at) if c["data"][0]["type"] == "heatmap")
    assert "Revenue (MRR) retention" in heatmap["layout"]["title"]["text"]
    assert len(heatmap["data"][0]["y"]) == 3  # the three cohorts of the period


# --- switching ------------------------------------------------------------------------------------------


def switches(path: Path) -> pd.DataFrame:
    """Switches recomputed from fct_account_vendor_months: churn in m, new/reactivation elsewhere in m or m+1."""
    rows = read(
        path, "select account_id, vendor_id, month, previous_mrr, movement from marts.fct_account_vendor_months"
    )
    churns = rows[rows["movement"] == "churn"]
    starts = rows[rows["movement"].isin(["new", "reactivation"])]
    pairs = churns.merge(starts, on="account_id", suffixes=("_from", "_to"))
    lag = (pairs["month_to"].dt.year - pairs["month_from"].dt.year) * 12 + (
        pairs["month_to"].dt.month - pairs["month_from"].dt.month
    )
    pairs = pairs[lag.isin([0, 1]) & (pairs["vendor_id_from"] != pairs["vendor_id_to"])]
    return pairs.drop_duplicates(["account_id", "month_from", "vendor_id_from", "vendor_id_to"])


def test_switching_totals_match_an_independent_count(demo: Path, open_app: OpenApp) -> None:
    expected = switches(demo)
    assert len(expected) > 0
    at = open_app("views/switching.py")
    assert metric(at, "Switches (accounts)") == formatting.count(len(expected))
    assert metric(at, "MRR moved (USD)") == formatting.usd(float(expected["previous_mrr_from"].astype(float).sum()))
    sankey = charts(at)[0]["data"][0]
    assert sankey["type"] == "sankey" and sum(sankey["link"]["value"]) == len(expected)
    table = at.dataframe[0].value
    pairs = expected.groupby(["vendor_id_from", "vendor_id_to"]).size()
    assert dict(zip(zip(table["from_vendor"], table["to_vendor"], strict=True), table["accounts"], strict=True)) == (
        pytest.approx(pairs.to_dict())
    )

    at.segmented_control(key="flow_width").set_value("mrr_moved").run()
    assert sum(charts(at)[0]["data"][0]["link"]["value"]) == pytest.approx(expected["previous_mrr_from"].sum())


def test_switching_period_without_switches_shows_the_empty_state(demo: Path, open_app: OpenApp) -> None:
    first = read(demo, "select min(month) as m from marts.fct_revenue_movements")["m"].iloc[0].date().isoformat()
    at = open_app("views/switching.py", period=[first, first])  # nobody can churn in the first month of data
    assert any(components.EMPTY_MESSAGE in text for text in infos(at))
    assert not at.dataframe


# --- pricing --------------------------------------------------------------------------------------------


def test_pricing_current_prices_search_and_index(demo: Path, open_app: OpenApp) -> None:
    at = open_app("views/pricing.py", price_vendor="openai")
    index = next(df.value for df in at.dataframe if "index" in df.value.columns)
    overall = index[index["vendor_id"] == "all"].sort_values("month")
    assert overall["index"].iloc[0] == pytest.approx(100.0)  # the full period starts at the base month

    history = charts(at)[0]
    assert history["layout"]["yaxis"]["type"] == "log" and history["data"][0]["line"]["shape"] == "hv"

    at.text_input(key="price_search").input("GPT-4O").run()
    current = at.dataframe[-1].value
    assert len(current) > 0 and current["model_id"].str.contains("gpt-4o", case=False).all()
    expected = read(
        demo,
        "select cast(usd_per_unit as double) as price from marts.fct_model_prices where vendor_id = 'openai' "
        "and model_id = 'gpt-4o' and price_type = 'input' and is_current and tier_start is null "
        "and condition is null and unit = 'mtok'",
    )["price"]
    row = current[(current["vendor_id"] == "openai") & (current["model_id"] == "gpt-4o")]
    assert float(row["input"].iloc[0]) == pytest.approx(float(expected.iloc[0]))

    at.text_input(key="price_search").input("%' or 1=1 --").run()
    assert not at.exception
    assert any("No current price matches" in text for text in infos(at))


# --- sustainability -------------------------------------------------------------------------------------


def composites_from_indicators(path: Path, quarter: date, weights: dict[str, float]) -> pd.Series:
    """Composite per vendor recomputed from fct_sustainability_indicators (docs/metrics.md steps 3–4)."""
    rows = read(path, "select * from marts.fct_sustainability_indicators where quarter = ?", [quarter])
    rows["weighted"] = rows["weight"] * rows["normalized"]
    sums = rows.groupby(["vendor_id", "dimension"])[["weighted", "weight"]].sum()
    dimension = (sums["weighted"] / sums["weight"]).rename("score").reset_index()
    dimension["w"] = dimension["dimension"].map(weights)
    dimension["ws"] = dimension["w"] * dimension["score"]
    totals = dimension.groupby("vendor_id")[["ws", "w"]].sum()
    return totals["ws"] / totals["w"]


def test_scoring_reproduces_the_warehouse_composite_and_rank(demo: Path) -> None:
    card = read(demo, "select * from marts.fct_sustainability_scorecard")
    assert len(card) > 0
    for _quarter, rows in card.groupby("quarter"):
        rescored = scoring.rescore(rows)
        assert (rescored["new_composite"] - rescored["composite"]).abs().max() <= 1e-9
        assert (rescored["rank_change"] == 0).all()


def test_scoring_formula_on_the_documented_example() -> None:
    weights = {"financial": 0.5, "technical": 0.25, "market": 0.125, "social": 0.125}
    frame = pd.DataFrame(
        {
            "vendor_id": ["a", "b", "c", "d"],
            "financial": [60.0, 90.0, None, None],
            "technical": [80.0, 30.0, None, None],
            "market": [50.0, None, 60.0, 60.0],
            "social": [20.0, None, None, None],
            "rank": [4, 1, 2, 2],
        }
    )
    rescored = scoring.rescore(frame, weights)
    assert rescored["new_composite"].tolist() == pytest.approx([58.75, 70.0, 60.0, 60.0])
    assert rescored["new_rank"].tolist() == [4, 1, 2, 2]
    assert scoring.composite({"financial": 60, "technical": 80}) == pytest.approx(70.0)
    assert scoring.composite({"financial": None}) is None
    assert scoring.composite({"financial": 10.0}, {"financial": 0.0}) is None


def test_sustainability_scores_sliders_and_drill_down(demo: Path, open_app: OpenApp) -> None:
    at = open_app("views/sustainability.py")
    quarter = date.fromisoformat(at.selectbox(key="quarter").value)
    expected = composites_from_indicators(demo, quarter, dict(scoring.DEFAULT_WEIGHTS))
    table = at.dataframe[0].value.set_index("vendor_id")
    assert table["new_composite"].to_dict() == pytest.approx(expected.to_dict(), rel=1e-9)
    assert (table["rank_change"] == 0).all()
    leader = expected.idxmax()
    assert at.selectbox(key="score_vendor").value == leader
    assert metric(at, "Composite (0–100)") == f"{expected[leader]:.1f}"
    drill = at.dataframe[1].value
    count = read(
        demo,
        "select count(*) as n from marts.fct_sustainability_indicators where vendor_id = ? and quarter = ?",
        [leader, quarter],
    )["n"].iloc[0]
    assert len(drill) == count
    assert {"raw_value", "normalized", "weight", "origin", "source"} <= set(drill.columns)
    assert any(c["data"][0]["type"] == "scatterpolar" for c in charts(at))

    # all weight on the financial dimension: the ranking follows the financial score (of those that have one)
    for dimension in ("technical", "market", "social"):
        at.slider(key=f"weight_{dimension}").set_value(0)
    at.slider(key="weight_financial").set_value(100).run()
    assert not at.exception
    financial = composites_from_indicators(demo, quarter, {"financial": 1, "technical": 0, "market": 0, "social": 0})
    table = at.dataframe[0].value.set_index("vendor_id")
    assert table["new_composite"].dropna().to_dict() == pytest.approx(financial.dropna().to_dict(), rel=1e-9)
    assert table["new_rank"].tolist() == sorted(table["new_rank"].tolist())
    assert (table["rank_change"] == table["rank"] - table["new_rank"]).all()


# --- data quality ---------------------------------------------------------------------------------------


def test_quality_page_on_the_demo_warehouse(demo: Path, demo_home: Settings, open_app: OpenApp) -> None:
    at = open_app("views/quality.py")
    results = read(demo, "select * from audit.quality_results")
    latest = results[results["run_id"] == results.sort_values("checked_at")["run_id"].iloc[-1]]
    assert metric(at, "Checks, run of") == formatting.count((latest["severity"] != "info").sum())
    assert metric(at, "Last attempt") == "published"
    freshness = next(df.value for df in at.dataframe if "hours_since_load" in df.value.columns)
    expected = read(
        demo, "select source, dataset, count(*) as n from audit.load_log where status = 'loaded' group by all"
    )  # per source and dataset: bundled reference indicators load as source 'reference', dataset 'indicators'
    shown = freshness.set_index(["source", "dataset"])["files_loaded"].to_dict()
    assert shown == expected.set_index(["source", "dataset"])["n"].to_dict()
    assert metric(at, "Newest usage day")  # read from the archived usage files
    docs_index = formatting.md_escape(demo_home.quality_reports_dir / "index.html")  # shown as text, not markup
    assert docs_index in " ".join(m.value for m in at.markdown)


@pytest.fixture
def fixture_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The hand-made warehouse and a refresh log with a failed attempt after the publish."""
    home = tmp_path / "home"
    fx.build_warehouse(home / "warehouse" / "market.duckdb")
    attempts = [
        {"run_id": "run-1", "started_at": "2025-04-02T02:59:55", "finished_at": "2025-04-02T03:00:00",
         "status": "published", "message": "", "duration_s": 5.0},
        {"run_id": "run-2", "started_at": "2025-04-03T03:00:00", "finished_at": "2025-04-03T03:00:09",
         "status": "failed", "message": "gx_usage failed: amount_usd between 0 and 1e9", "duration_s": 9.0},
    ]  # fmt: skip
    (home / "warehouse" / "refresh_log.jsonl").write_text("".join(json.dumps(a) + "\n" for a in attempts) + "{oops\n")
    monkeypatch.setenv("MODELMARKET_HOME", str(home))
    return home


def test_quality_page_shows_failures_quarantine_and_rejections(fixture_home: Path, open_app: OpenApp) -> None:
    at = open_app("views/quality.py")
    assert metric(at, "Last attempt") == "failed"
    assert metric(at, "Failed attempts since") == "1"
    assert any(formatting.md_escape("gx_usage failed") in e.value for e in at.error)

    failed = [row for row in fx.QUALITY_RESULTS if not row[5] and row[4] in ("error", "warning")]
    assert metric(at, "Failed (error)") == str(sum(row[4] == "error" for row in failed))
    assert metric(at, "Failed (warning)") == str(sum(row[4] == "warning" for row in failed))
    failures = next(df.value for df in at.dataframe if "expectation" in df.value.columns)
    assert failures["severity"].tolist() == ["error", "warning"]
    assert at.get("json")  # the chosen failure's sample

    quarantined = next(df.value for df in at.dataframe if "quarantine_path" in df.value.columns)
    assert quarantined["source_file"].tolist() == ["market/vendors/v.csv"]  # a.csv was loaded later
    assert quarantined["reason"].tolist() == ["missing required column vendor_id"]

    by_reason = next(df.value for df in at.dataframe if {"reason", "rows_rejected"} <= set(df.value.columns))
    assert by_reason[["reason", "rows_rejected"]].values.tolist() == [["negative amount_usd", 1]]
    assert any(c["data"][0]["type"] == "bar" for c in charts(at))


# --- overview: the headline KPIs of the business brief ----------------------------------------------------


def test_overview_retention_new_customers_prices_and_movers(demo: Path, open_app: OpenApp) -> None:
    at = open_app("views/overview.py")
    months = read(demo, "select * from marts.fct_account_vendor_months where segment <> 'all'")
    heading = at.subheader[0].value  # "Latest complete month: Oct 2026"
    month = next(m for m in months["month"].unique() if heading.endswith(formatting.period_label(m.date(), "month")))

    # market-wide retention of the month: every account–vendor pair active the month before
    in_month = months[months["month"] == month]
    base = in_month[in_month["previous_mrr"] > 0]
    previous_mrr = base["previous_mrr"].astype(float)
    nrr = base["mrr"].astype(float).sum() / previous_mrr.sum()
    grr = base["mrr"].astype(float).clip(upper=previous_mrr).sum() / previous_mrr.sum()
    new_rate = (in_month["movement"] == "new").sum() / (in_month["mrr"] > 0).sum()
    assert metric(at, "NRR, 1 month") == formatting.pct(nrr)
    assert metric(at, "GRR, 1 month") == formatting.pct(grr)
    assert metric(at, "New-customer rate") == formatting.pct(new_rate)

    revenue = read(
        demo,
        "select period_start, sum(value) as total from marts.fct_market_share where measure = 'revenue' "
        "and period_grain = 'quarter' and segment = 'all' group by all order by period_start desc limit 1",
    )
    assert metric(at, "Revenue, ") == formatting.usd(float(revenue["total"].iloc[0]))
    assert metric(at, "Annualised growth").startswith(("+", "-"))
    assert metric(at, "Median input price").startswith("$")

    # movers: the latest quarter whose median coverage is at least 50% (the Sustainability page's default) vs
    # the quarter before it
    card = read(demo, "select vendor_id, quarter, composite, coverage from marts.fct_sustainability_scorecard")
    coverage = card.groupby("quarter")["coverage"].median()
    last = coverage[coverage >= 0.5].index.max()
    before = last - pd.DateOffset(months=3)
    change = (
        card[card["quarter"] == last].set_index("vendor_id")["composite"]
        - card[card["quarter"] == before].set_index("vendor_id")["composite"]
    ).dropna()
    best = next(m for m in at.metric if m.label.startswith("Sustainability, best mover"))
    worst = next(m for m in at.metric if m.label.startswith("Sustainability, worst mover"))
    assert best.proto.delta == f"{change.max():+.1f} points" and worst.proto.delta == f"{change.min():+.1f} points"
    names = read(demo, "select vendor_id, vendor_name from marts.dim_vendors").set_index("vendor_id")["vendor_name"]
    expected = (formatting.md_escape(names[change.idxmax()]), formatting.md_escape(names[change.idxmin()]))
    assert (best.value, worst.value) == expected

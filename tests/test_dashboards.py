"""The Streamlit dashboards, run through AppTest against a hand-made published warehouse.

Every expected figure is computed here from the fixture's raw values (tests/dashboard_fixtures.py), not
from the warehouse, so the pages are checked against an independent calculation.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import charts, components, filters, queries, url_state
from dashboards.navigation import DASHBOARDS_DIR, PAGES
from tests import dashboard_fixtures as fx

APP = DASHBOARDS_DIR / "app.py"
MARCH, FEBRUARY, JANUARY = fx.MONTHS[2], fx.MONTHS[1], fx.MONTHS[0]
PAGE_SCRIPTS = [spec.script for spec in PAGES]


# --- helpers --------------------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """MODELMARKET_HOME pointing at an empty home (no warehouse yet)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("MODELMARKET_HOME", str(home))
    return home


@pytest.fixture
def warehouse(home: Path) -> Path:
    """The fixture warehouse, published in the home."""
    return fx.build_warehouse(home / "warehouse" / "market.duckdb")


OpenApp = Callable[..., AppTest]


@pytest.fixture
def open_app() -> OpenApp:
    """open_app(page, **query_params): run the app as a browser opening that URL would."""

    def _open(page: str = "views/overview.py", **query_params: str | list[str]) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params = dict(query_params)
        at.run()
        if page != "views/overview.py":
            at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open


def spend(month: date, segment: str = "all") -> dict[str, float]:
    """Panel spend per vendor from the fixture's raw values ('all' = every segment)."""
    totals: dict[str, float] = {}
    for (period, seg), vendors in fx.SPEND.items():
        if period == month and segment in ("all", seg):
            for vendor, value in vendors.items():
                totals[vendor] = totals.get(vendor, 0) + value
    return totals


def customers(month: date, segment: str = "all") -> float:
    return sum(sum(v.values()) for (p, s), v in fx.CUSTOMERS.items() if p == month and segment in ("all", s))


def hhi(values: dict[str, float]) -> float:
    total = sum(values.values())
    return sum((value / total * 100) ** 2 for value in values.values())


def metric(at: AppTest, label_start: str) -> tuple[str, str]:
    """(value, delta) of the one metric whose label starts with label_start."""
    found = [m for m in at.metric if m.label.startswith(label_start)]
    assert len(found) == 1, [m.label for m in at.metric]
    return found[0].value, found[0].delta


def infos(at: AppTest) -> list[str]:
    return [element.value for element in at.info]


# --- no warehouse ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGE_SCRIPTS)
def test_every_page_says_there_is_no_warehouse_yet(home: Path, open_app: OpenApp, page: str) -> None:
    at = open_app(page)
    assert any(components.NO_WAREHOUSE_MESSAGE in text for text in infos(at))
    assert not at.metric and not at.dataframe
    assert not any(components.SYNTHETIC_MESSAGE in w.value for w in at.warning)


# --- every page: banner, freshness, downloads -----------------------------------------------------------


# pages that read marts the hand-made warehouse does not have (tests/test_dashboards_pages.py runs them on demo data)
PAGES_WITHOUT_FIXTURE_MARTS = {
    "views/customers.py",
    "views/switching.py",
    "views/pricing.py",
    "views/sustainability.py",
}


def test_every_page_shows_the_demo_banner_freshness_and_csv_downloads(warehouse: Path, open_app: OpenApp) -> None:
    at = open_app()
    for spec in PAGES:
        page = spec.script
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert any(components.SYNTHETIC_MESSAGE in w.value for w in at.warning), page
        captions = [c.value for c in at.caption] + [c.value for c in at.sidebar.caption]
        assert any("Last refresh 2025-04-02 03:00 UTC" in c for c in captions), page
        expected_sidebar = ["Customer segment"] if filters.SEGMENT_KEY in spec.filters else []
        assert [w.label for w in at.sidebar.selectbox] == expected_sidebar, page
        if page in PAGES_WITHOUT_FIXTURE_MARTS:  # a missing mart is explained, not an error
            assert any("The published warehouse has no `marts." in text for text in infos(at)), page
            assert not at.dataframe, page
        else:
            assert len(at.get("download_button")) == len(at.dataframe) > 0, page


def test_real_vendor_data_has_no_demo_banner(home: Path, open_app: OpenApp) -> None:
    fx.build_warehouse(home / "warehouse" / "market.duckdb", synthetic=False)
    at = open_app()
    assert not any(components.SYNTHETIC_MESSAGE in w.value for w in at.warning)


# --- overview -------------------------------------------------------------------------------------------


def test_overview_kpis_are_the_latest_complete_month(warehouse: Path, open_app: OpenApp) -> None:
    at = open_app()
    march, february, january = spend(MARCH), spend(FEBRUARY), spend(JANUARY)
    total, previous, before = sum(march.values()), sum(february.values()), sum(january.values())
    growth, previous_growth = total / previous - 1, previous / before - 1

    assert at.subheader[0].value == "Latest complete month: Mar 2025"
    assert metric(at, "Panel spend") == (f"${total:,.0f}", f"+${total - previous:,.0f}")
    assert metric(at, "Spend growth (MoM)") == (f"{growth:+.1%}", f"{(growth - previous_growth) * 100:+.1f} pp")
    assert metric(at, "Active customers") == (
        f"{customers(MARCH):,.0f}",
        f"{customers(MARCH) - customers(FEBRUARY):+,.0f}",
    )
    assert metric(at, "Spend concentration (HHI)") == (f"{hhi(march):,.0f}", f"{hhi(march) - hhi(february):+,.0f}")
    assert "Highly concentrated (above 1,800)" in [c.value for c in at.caption]
    leader = max(march, key=march.__getitem__)
    share, previous_share = march[leader] / total, february[leader] / previous
    assert leader == "openai"
    assert metric(at, "Spend leader: OpenAI") == (f"{share:.1%}", f"{(share - previous_share) * 100:+.1f} pp")
    annualised, previous_annualised = (1 + growth) ** 12 - 1, (1 + previous_growth) ** 12 - 1
    assert metric(at, "Annualised growth") == (
        f"{annualised:+.1%}",
        f"{(annualised - previous_annualised) * 100:+.1f} pp",
    )
    assert metric(at, "Vendors with spend") == (str(len(march)), "")

    revenue, revenue_before = fx.REVENUE[fx.QUARTERS[1]], fx.REVENUE[fx.QUARTERS[0]]
    revenue_share = revenue["openai"] / sum(revenue.values())
    revenue_change = (revenue_share - revenue_before["openai"] / sum(revenue_before.values())) * 100
    assert metric(at, "Revenue leader, 2025 Q1: OpenAI") == (f"{revenue_share:.1%}", f"{revenue_change:+.1f} pp")
    total_revenue, total_before = sum(revenue.values()), sum(revenue_before.values())
    assert metric(at, "Revenue, 2025 Q1 (USD)") == (
        f"${total_revenue / 1e9:.2f}B",
        f"+${(total_revenue - total_before) / 1e9:.2f}B",
    )
    # the hand-made warehouse has no customer, price or scorecard marts: those cards say so instead of failing
    assert metric(at, "NRR, 1 month") == ("–", "")
    assert metric(at, "Sustainability movers") == ("–", "")


def test_segment_query_param_changes_the_overview(warehouse: Path, open_app: OpenApp) -> None:
    at = open_app(segment="enterprise")
    march = spend(MARCH, "enterprise")
    total = sum(march.values())
    assert at.sidebar.selectbox(key="segment").value == "enterprise"
    assert metric(at, "Panel spend")[0] == f"${total:,.0f}"
    assert metric(at, "Active customers")[0] == f"{customers(MARCH, 'enterprise'):,.0f}"
    assert metric(at, "Spend leader: Anthropic")[0] == f"{march['anthropic'] / total:.1%}"
    assert at.query_params == {"segment": "enterprise"}


def test_period_and_grain_query_params_choose_the_headline_period(warehouse: Path, open_app: OpenApp) -> None:
    at = open_app(period=[JANUARY.isoformat(), FEBRUARY.isoformat()])
    assert at.subheader[0].value == "Latest complete month: Feb 2025"
    assert metric(at, "Panel spend")[0] == f"${sum(spend(FEBRUARY).values()):,.0f}"

    quarterly = open_app(grain="quarter")
    quarter_total = sum(sum(spend(month).values()) for month in fx.MONTHS)
    assert quarterly.subheader[0].value == "Latest complete quarter: 2025 Q1"
    assert metric(quarterly, "Panel spend") == (f"${quarter_total:,.0f}", "")
    assert metric(quarterly, "Spend growth (QoQ)")[0] == "–"


def test_vendor_filter_narrows_the_chart_data(warehouse: Path, open_app: OpenApp) -> None:
    at = open_app(vendors="mistral")
    table = at.dataframe[0].value
    assert set(table["vendor_id"]) == {"mistral"}
    assert list(table["spend_usd"]) == [spend(month).get("mistral") for month in fx.MONTHS if "mistral" in spend(month)]
    assert at.query_params == {"vendors": "mistral"}


def test_widget_changes_are_written_to_the_url(warehouse: Path, open_app: OpenApp) -> None:
    at = open_app()
    assert at.query_params == {}
    at.sidebar.selectbox(key="segment").set_value("smb").run()
    at.sidebar.multiselect(key="vendors").set_value(["openai", "mistral"]).run()
    assert at.query_params == {"segment": "smb", "vendors": ["openai", "mistral"]}
    assert metric(at, "Panel spend")[0] == f"${sum(spend(MARCH, 'smb').values()):,.0f}"
    at.switch_page("views/market_share.py").run()
    assert at.query_params["segment"] == "smb"
    assert at.sidebar.selectbox(key="segment").value == "smb"  # the filters persist across pages

    at.sidebar.select_slider(key="period").set_range(FEBRUARY.isoformat(), FEBRUARY.isoformat()).run()
    assert at.query_params["period"] == [FEBRUARY.isoformat(), FEBRUARY.isoformat()]
    assert at.subheader[0].value == "Ranking, Feb 2025"
    at.sidebar.button_group(key="grain").set_value("quarter").run()  # the month range does not fit quarters
    assert at.sidebar.select_slider(key="period").value == tuple(q.isoformat() for q in fx.QUARTERS)
    assert "period" not in at.query_params and at.query_params["grain"] == "quarter"


# --- market share ---------------------------------------------------------------------------------------


def test_market_share_ranking_and_concentration(warehouse: Path, open_app: OpenApp) -> None:
    at = open_app("views/market_share.py", measure="revenue", grain="quarter")
    assert at.title[0].value == "Market share & concentration"
    revenue = fx.REVENUE[fx.QUARTERS[1]]
    total = sum(revenue.values())
    ranking = at.dataframe[0].value
    assert list(ranking["vendor_id"]) == ["openai", "anthropic", "mistral"]
    assert list(ranking["rank"]) == [1, 2, 3]
    assert list(ranking["share"]) == pytest.approx([revenue[v] / total for v in ranking["vendor_id"]])
    assert at.subheader[0].value == "Ranking, 2025 Q1"

    expected_hhi = hhi(revenue)
    sentence = at.markdown[0].value
    assert "**2025 Q1**" in sentence and "**highly concentrated**" in sentence
    assert f"HHI {expected_hhi:,.0f} (above 1,800)" in sentence
    concentration = at.dataframe[1].value
    assert list(concentration["hhi"]) == pytest.approx([hhi(fx.REVENUE[q]) for q in fx.QUARTERS])


def test_market_share_of_customers_per_segment(warehouse: Path, open_app: OpenApp) -> None:
    at = open_app("views/market_share.py", measure="customers", segment="smb")
    smb = fx.CUSTOMERS[(MARCH, "smb")]
    ranking = at.dataframe[0].value.set_index("vendor_id")
    assert ranking["value"].to_dict() == smb
    assert ranking["total"].unique().tolist() == [sum(smb.values())]


def test_filter_matching_nothing_shows_the_empty_state(warehouse: Path, open_app: OpenApp) -> None:
    at = open_app("views/market_share.py", measure="revenue", segment="enterprise")
    assert sum("No data for these filters" in text for text in infos(at)) == 2
    assert not at.dataframe


def test_sql_looking_query_params_are_harmless(warehouse: Path, open_app: OpenApp) -> None:
    attack = {"vendors": "openai' or 1=1 --", "segment": "all'; drop table marts.fct_market_share; --"}
    at = open_app("views/market_share.py", **attack)
    assert at.sidebar.multiselect(key="vendors").value == []
    assert at.sidebar.selectbox(key="segment").value == "all"
    assert at.query_params == {}  # invalid values are dropped from the URL
    assert len(at.dataframe[0].value) == 3

    # and the values are never SQL: as parameters they simply match nothing
    assert queries.market_share(warehouse, "month", "spend", "all", vendors=[attack["vendors"]]).empty
    assert queries.market_share(warehouse, "month", "spend", attack["segment"]).empty
    assert len(queries.market_share(warehouse, "month", "spend", "all")) == 9


def test_a_warehouse_without_rows_shows_the_empty_state(warehouse: Path, open_app: OpenApp) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from marts.fct_market_share")
        con.execute("delete from marts.fct_market_concentration")
    at = open_app()
    assert any("No data for these filters" in text for text in infos(at))
    at.switch_page("views/market_share.py").run()
    assert not at.exception
    assert sum("No data for these filters" in text for text in infos(at)) == 2


def test_a_warehouse_without_the_marts_says_so(warehouse: Path, open_app: OpenApp) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table marts.fct_market_concentration")
    at = open_app()
    assert any("has no `marts.fct_market_concentration` yet" in text for text in infos(at))


# --- query module ---------------------------------------------------------------------------------------


def test_a_new_publish_shows_without_restart(warehouse: Path, open_app: OpenApp, tmp_path: Path) -> None:
    at = open_app()
    assert any("Last refresh 2025-04-02" in c.value for c in at.caption)
    replacement = fx.build_warehouse(tmp_path / "build" / "market.duckdb", published_at=datetime(2025, 5, 1, 2, 0))
    os.replace(replacement, warehouse)  # as `publish` does
    at.run()
    assert any("Last refresh 2025-05-01 02:00 UTC" in c.value for c in at.caption)


def test_a_second_visit_of_every_page_opens_no_connection(
    warehouse: Path, open_app: OpenApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_app()
    for script in PAGE_SCRIPTS:  # the first visits fill the caches of this warehouse version
        at.switch_page(script).run()
    opened: list[object] = []
    connect = duckdb.connect

    def counting_connect(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        opened.append(args[0] if args else kwargs.get("database"))
        return connect(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(duckdb, "connect", counting_connect)
    for script in PAGE_SCRIPTS:
        at.switch_page(script).run()
        assert not at.exception, (script, [e.value for e in at.exception])
    assert opened == []  # every query of every page came from the cache
    os.utime(warehouse)  # a new version of the file (as a publish makes): the next run queries it again
    at.switch_page(PAGE_SCRIPTS[0]).run()
    assert opened and all(str(path) == str(warehouse) for path in opened)


def test_headline_skips_a_month_that_has_not_ended(warehouse: Path) -> None:
    head = queries.headline(warehouse, "month", "all", data_as_of=date(2025, 3, 20))
    assert (head.period_start, head.is_complete) == (FEBRUARY, True)
    assert head.spend == sum(spend(FEBRUARY).values())
    early = queries.headline(warehouse, "month", "all", data_as_of=date(2025, 1, 15))
    assert (early.period_start, early.is_complete) == (MARCH, False)


def test_connections_are_read_only_without_file_access(warehouse: Path, tmp_path: Path) -> None:
    other_file = tmp_path / "secret.csv"
    other_file.write_text("a,b\n1,2\n")
    with queries._connect(str(warehouse)) as con:
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table marts.x as select 1")
        with pytest.raises(duckdb.PermissionException):
            con.execute("select * from read_csv(?)", [str(other_file)])


def test_warehouse_info(warehouse: Path, home: Path) -> None:
    info = queries.warehouse_info(warehouse)
    assert info.exists and info.is_synthetic and info.error is None
    assert info.has("marts.fct_market_share", "audit.refresh_runs", "audit.rejected_rows")
    assert info.last_refresh is not None and info.last_refresh.rows_loaded == 3456
    assert info.data_as_of == fx.PUBLISHED_AT.date()
    assert not queries.warehouse_info(home / "nowhere.duckdb").exists
    broken = home / "broken.duckdb"
    broken.write_text("not a database")
    assert queries.warehouse_info(broken).error


# --- small pure parts -----------------------------------------------------------------------------------


def test_vendor_colours_are_stable_and_follow_sorted_order() -> None:
    colours = charts.vendor_colors(["openai", "anthropic", "mistral", "openai"])
    assert colours == charts.vendor_colors(["mistral", "anthropic", "openai"])
    assert list(colours.values()) == list(charts.PALETTE[:3])
    assert colours["anthropic"] == charts.PALETTE[0]


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        (["b"], "one", "b"),
        (["zz"], "one", None),
        (["c", "a"], "range", ("a", "c")),
        (["b"], "range", ("b", "b")),
        (["a' or 1=1 --"], "range", None),
        (["c", "a", "c", "x"], "many", ("c", "a")),
        (["x' or 1=1 --"], "many", None),
        ([""], "many", ()),
    ],
)
def test_url_values_are_checked_against_the_options(raw: list[str], kind: url_state.Kind, expected: object) -> None:
    assert url_state.parse(raw, ["a", "b", "c"], kind) == expected


def test_page_registry() -> None:
    assert PAGES[0].default and sum(spec.default for spec in PAGES) == 1
    for spec in PAGES:
        assert spec.path.is_file(), spec.script
    assert sorted(p.name for p in (DASHBOARDS_DIR / "views").glob("*.py")) == sorted(spec.path.name for spec in PAGES)
    assert not (DASHBOARDS_DIR / "pages").exists(), "Streamlit runs a pages/ folder as a legacy multipage app"


def test_the_served_dashboard_skips_the_post_run_gc_and_the_file_watcher() -> None:
    from dashboards.server import APP, streamlit_command

    command = streamlit_command(8123, "127.0.0.1")
    assert command[:5] == [sys.executable, "-m", "streamlit", "run", str(APP)]
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert options["--server.port"] == "8123" and options["--server.address"] == "127.0.0.1"
    assert options["--runner.postScriptGC"] == "false"  # a full gc.collect per run delayed every page
    assert options["--server.fileWatcherType"] == "none"

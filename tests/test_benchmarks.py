"""Smoke tests of the benchmark harness (benchmarks/): fast, no refresh."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks import baseline_pandas, baseline_sql, report
from benchmarks.landing import NEW_DAY_FILE, add_new_day
from benchmarks.measure import run_measured
from ingest.demo import write_demo_landing
from orchestration.timings import RefreshTimings, stage_of


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "landing"
    write_demo_landing(path, scale=5_000, seed=1)
    return path


def test_sql_and_pandas_baselines_compute_the_same_marts(landing: Path, tmp_path: Path) -> None:
    sql = baseline_sql.run(landing, tmp_path / "sql")
    pandas = baseline_pandas.run(landing, tmp_path / "pandas")
    assert sql["rows"] == pandas["rows"]
    assert sql["check"] == pandas["check"]
    keys = ["vendor_id", "segment", "month"]
    left = pd.read_parquet(tmp_path / "sql" / "revenue_movements.parquet").sort_values(keys, ignore_index=True)
    right = pd.read_parquet(tmp_path / "pandas" / "revenue_movements.parquet").sort_values(keys, ignore_index=True)
    for column in ("mrr_start", "new_mrr", "reactivation_mrr", "expansion_mrr", "churned_mrr", "mrr_end", "nrr_1m"):
        expected, actual = left[column].astype(float), right[column].astype(float)
        assert np.allclose(expected, actual, rtol=1e-9, atol=1e-4, equal_nan=True), column
    for column in ("new_customers", "reactivated_customers", "churned_customers", "customers_end"):
        assert left[column].astype(int).tolist() == right[column].astype(int).tolist(), column


def test_new_day_is_the_last_day_shifted(landing: Path) -> None:
    day, rows = add_new_day(landing)
    try:
        assert str(day) == "2026-11-01" and rows > 0
        assert len(pd.read_parquet(landing / NEW_DAY_FILE)) == rows
    finally:
        (landing / NEW_DAY_FILE).unlink()


def test_measure_reports_wall_time_and_memory(tmp_path: Path) -> None:
    code = "import time; b = bytearray(64 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.3); print('ok')"
    measured = run_measured([sys.executable, "-c", code], log=tmp_path / "log")
    assert measured.returncode == 0 and measured.stdout_tail == "ok"
    assert measured.wall_s >= 0.3 and measured.peak_rss_mib >= 64 and measured.maxrss_mib >= 64


def test_stages_and_targets() -> None:
    steps = {"raw__customers__usage": 2.0, "landing_inventory": 0.5, "warehouse_dbt": 10.0, "quality_gate": 3.0}
    steps |= {"raw__customers__usage_usage_is_fresh": 0.25, "warehouse__published": 0.5}
    assert stage_of("warehouse_dbt") == "dbt"
    timings = RefreshTimings("run", startup_s=4.0, run_s=16.25, steps=steps)
    assert timings.stages == {"startup": 4.0, "ingest": 2.5, "dbt": 10.0, "checks": 3.25, "publish": 0.5}
    sizes = {
        "1": {"full_refresh": {"wall_s": 10.0, "peak_rss_mib": 100.0}, "sql": {"wall_s": 1.0}},
        "2": {
            "full_refresh": {"wall_s": 20.0, "peak_rss_mib": 300.0},
            "new_day_refresh": {"wall_s": 5.0},
            "sql": {"wall_s": 6.0, "peak_rss_mib": 100.0},
            "pandas": {"wall_s": 30.0},
        },
    }
    result = {"started_at": "now", "machine": "test", "sizes": sizes, "tiny_refresh": {"wall_s": 9.0}}
    status = {t["name"]: t["status"] for t in report.targets(result, 1, 2)}
    assert status == {
        "per_row_cost": "miss",  # 10 s vs 1.5 × 5 s
        "end_to_end_vs_pandas": "pass",
        "incremental": "miss",  # 25%
        "memory_vs_sql": "miss",  # 3×
        "tiny_refresh_s": "pass",
        "dashboard_max_ms": "n/a",
    }
    result["targets"] = report.targets(result, 1, 2)
    assert "| per_row_cost" not in report.markdown(result) and "**miss**" in report.markdown(result)


def test_render_benchmark_visits_every_page_once_from_another_page() -> None:
    from benchmarks.browser import HEADINGS
    from benchmarks.dashboard_render import navigation_order, page_url
    from dashboards.navigation import PAGES

    order = navigation_order()
    assert sorted(spec.url_path for spec in order) == sorted(spec.url_path for spec in PAGES) == sorted(HEADINGS)
    assert order[-1].default  # the default page is reached last, from another page, and each round ends there
    assert [page_url("http://h", spec) for spec in order][-2:] == ["http://h/data-quality", "http://h/"]


def test_render_report_flags_the_pages_over_budget() -> None:
    from benchmarks.dashboard_render import markdown
    from dashboards.navigation import PAGES

    pages = [spec.url_path for spec in PAGES]
    medians = {
        "cold_first_load": 5.0,
        "first_visit": dict.fromkeys(pages, 1.5),
        "navigation": {page: (1.4 if page == "customers-retention" else 0.5) for page in pages},
        "cold_load_warm_server": dict.fromkeys(pages, 3.0),
    }
    result = {
        "home": "/tmp/medium",
        "measured_at": "now",
        "machine": {"cpus": 2, "load_average": (1.0, 1.0, 1.0)},
        "restarts": 3,
        "rounds": 5,
        "window": [1400, 1800],
        "budget_s": 1.0,
        "medians_s": medians,
        "script_s": {"warm_s": dict.fromkeys(pages, 0.1), "first_s": dict.fromkeys(pages, 0.2)},
        "within_budget": False,
        "over_budget_s": {"customers-retention": 1.4},
    }
    text = markdown(result)
    assert "| customers-retention | 1.40 | 1.50 | 3.00 | 0.10 | 0.20 |" in text
    assert "over: {'customers-retention': 1.4}" in text
    assert text.count("\n| ") == len(pages) + 1  # header + one row per page

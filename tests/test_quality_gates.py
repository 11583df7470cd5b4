"""Quality gates: GX suites block a bad build, warnings report, results and data docs are kept."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import great_expectations.expectations as gxe
import pytest

from ingest.settings import Settings
from quality.runner import QualityGateFailed, validate_warehouse
from quality.suites import Suite, SuiteContext

pytestmark = pytest.mark.slow


def copy_home(source: Settings, target: Path) -> Settings:
    """A private copy of a refreshed home, so a test can refresh it without touching the shared one."""
    shutil.copytree(source.home, target, symlinks=True, ignore=shutil.ignore_patterns(".refresh.lock", ".build"))
    return replace(source, home=target)


def test_the_demo_build_passes_every_blocking_check_and_keeps_results(demo_home: Settings):
    with duckdb.connect(str(demo_home.published_path), read_only=True) as con:
        rows = con.execute(
            "select severity, success, count(*) from audit.quality_results where severity <> 'info' "
            "group by all order by all"
        ).fetchall()
    assert rows and all(success for severity, success, _ in rows if severity == "error"), rows
    assert (demo_home.quality_reports_dir / "index.html").exists()  # GX data docs


def test_a_failing_expectation_blocks_publish_and_names_the_check(demo_home: Settings, tmp_path, monkeypatch):
    from orchestration.defs.warehouse import checks
    from orchestration.refresh import run_refresh

    home = copy_home(demo_home, tmp_path / "home")
    before = home.published_path.read_bytes()
    real = checks.validate_warehouse

    def with_an_impossible_rule(warehouse, docs, run_id, suites=None, today=None):
        suites = [
            replace(s, expectations=lambda ctx: [gxe.ExpectColumnValuesToBeInSet(column="vendor_id", value_set=["x"])])
            if s.name == "dim_vendors" else s
            for s in checks.SUITES
        ]  # fmt: skip
        return real(warehouse, docs, run_id, suites=suites, today=today)

    monkeypatch.setattr(checks, "validate_warehouse", with_an_impossible_rule)
    outcome = run_refresh(home, progress=lambda _m: None, quiet=True)
    assert not outcome.success
    assert home.published_path.read_bytes() == before  # byte-for-byte unchanged
    details = " ".join(outcome.failed_steps)
    assert "gx_dim_vendors" in details and "expect_column_values_to_be_in_set" in details
    assert '"vendor_id": "' in details  # a sample of the failing rows
    assert not home.build_dir.exists() or not (home.build_dir / "market.duckdb").samefile(home.published_path)


def _fixture_warehouse(path: Path, rows: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.t as select i as id, i % 3 as v from range(?) r(i)", [rows])


def _suite(expectations) -> Suite:
    return Suite("t", "marts.t", ("marts", "t"), expectations, index_columns=("id",))


def test_a_row_count_drop_against_the_trailing_median_warns(tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    _fixture_warehouse(warehouse, rows=40)
    suite = _suite(lambda ctx: replace(ctx, trailing_rows={"t": [100, 90, 110]}).row_count_expectations("t"))
    report = validate_warehouse(warehouse, tmp_path / "docs", "r1", suites=[suite])
    warnings = report.failed("warning")
    assert [w.expectation for w in warnings] == ["expect_table_row_count_to_be_between"]
    assert "trailing median 100" in warnings[0].description
    report.raise_for_errors()  # a warning never blocks


def test_error_failures_raise_with_sample_rows(tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    _fixture_warehouse(warehouse, rows=10)
    suite = _suite(lambda ctx: [gxe.ExpectColumnValuesToBeBetween(column="v", min_value=0, max_value=1)])
    report = validate_warehouse(warehouse, tmp_path / "docs", "r1", suites=[suite])
    with pytest.raises(QualityGateFailed) as failure:
        report.raise_for_errors()
    message = str(failure.value)
    assert "3 of 10 rows failed" in message and '"id": 2' in message


def test_trailing_median_of_an_even_history():
    expectations = SuiteContext(trailing_rows={"t": [10, 30, 20, 40]}).row_count_expectations("t")
    assert expectations[0].min_value == 12  # half of the median 25


def test_a_sampled_table_is_validated_on_a_stable_sample_and_counted_whole(tmp_path: Path):
    """Above `sample_above` rows the columns are checked on a hash sample, the row count on the whole table."""
    warehouse = tmp_path / "w.duckdb"
    _fixture_warehouse(warehouse, rows=1000)

    def rules(ctx: SuiteContext) -> list:
        history = replace(ctx, trailing_rows={"t": [1000, 990, 1010]})
        return [
            gxe.ExpectColumnValuesToBeBetween(column="v", min_value=0, max_value=2)
        ] + history.row_count_expectations("t")

    suite = replace(_suite(rules), sample_above=100, sample_key=("id",))
    reports = [validate_warehouse(warehouse, tmp_path / "docs", f"r{i}", suites=[suite]) for i in (1, 2)]
    for report in reports:
        assert not report.failed("warning") and not report.failed("error")  # 1,000 rows is no drop against 1,000
        by_rule = {r.expectation: r for r in report.results}
        assert 50 <= by_rule["expect_column_values_to_be_between"].element_count <= 200  # ~1 in 10 rows
        assert by_rule["expect_table_row_count_to_be_between"].element_count == 1000
    first, second = ({r.expectation: r.element_count for r in report.results} for report in reports)
    assert first == second  # the same sample every time


def test_frames_hold_only_the_checked_columns_with_decimals_as_doubles(tmp_path: Path):
    from quality.runner import columns_used, read_frame

    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.t as select i as id, cast(i / 8 as decimal(18,6)) as amount, 'x' as unused"
            " from range(5) r(i)"
        )
        expectations = [gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0)]
        suite = _suite(lambda ctx: expectations)
        frame = read_frame(con, suite, 5, columns_used(expectations, suite.index_columns))
    assert list(frame.columns) == ["amount", "id"]
    assert str(frame["amount"].dtype) == "float64" and frame["amount"].tolist() == [0, 0.125, 0.25, 0.375, 0.5]


def test_bounds_on_the_extremes_of_a_column_without_values_do_not_block(tmp_path: Path):
    """An optional date never delivered, or an empty table, has no min or max: nothing the contract refuses."""
    from datetime import datetime

    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.t as select i as id, cast(null as date) as d from range(3) r(i)")
    bounds = [
        gxe.ExpectColumnMinToBeBetween(column="d", min_value=datetime(1900, 1, 1)),
        gxe.ExpectColumnMaxToBeBetween(column="d", max_value=datetime(2026, 1, 1)),
        gxe.ExpectColumnMinToBeBetween(column="id", min_value=1),  # a column with values is still checked
    ]
    report = validate_warehouse(warehouse, tmp_path / "docs", "r1", suites=[_suite(lambda ctx: bounds)])
    assert [(r.column, r.success) for r in report.results if r.severity == "error"] == [("id", False)]

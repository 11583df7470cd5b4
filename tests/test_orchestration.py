"""Dagster wiring, the command line and the publish/rollback file operations."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey

from ingest.settings import Settings
from orchestration import cli
from orchestration.warehouse import refresh_lock


@pytest.fixture
def home_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MODELMARKET_HOME", str(settings.home))
    return settings


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_definitions_load_with_the_job_schedule_and_lineage(settings: Settings):
    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    job = defs.resolve_job_def("nightly_refresh")
    schedule = defs.resolve_schedule_def("nightly_refresh_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "UTC")
    assert schedule.job_name == job.name
    graph = defs.resolve_asset_graph()
    keys = {"/".join(k.path) for k in graph.get_all_asset_keys()}
    for expected in (
        "raw/market/vendors", "raw/market/indicators", "raw/pricing/prices", "raw/pricing/genai_prices",
        "raw/customers/accounts", "raw/customers/usage", "raw/audit/load_log", "staging/stg_customers__usage",
        "marts/fct_market_share", "marts/fct_market_concentration", "marts/dim_vendors", "warehouse/published",
    ):  # fmt: skip
        assert expected in keys, expected
    # lineage runs unbroken from the landing dataset to the mart and on to publish
    usage_children = graph.get(AssetKey(["raw", "customers", "usage"])).child_keys
    assert AssetKey(["staging", "stg_customers__usage"]) in usage_children
    published_parents = graph.get(AssetKey(["warehouse", "published"])).parent_keys
    assert AssetKey(["marts", "fct_market_share"]) in published_parents
    checks = {c.name for c in graph.asset_check_keys}
    assert "assert_hhi_matches_shares" in checks


@pytest.mark.parametrize("command", ["demo-data", "refresh", "status", "sql", "dashboard", "rollback"])
def test_every_subcommand_has_help(command: str, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: modelmarket" in capsys.readouterr().out


def test_user_errors_are_one_line_and_non_zero(home_env: Settings, capsys, monkeypatch):
    code, _, err = run_cli(capsys, "sql", "select 1")
    assert code == 2 and err.count("\n") == 1 and "run `modelmarket refresh` first" in err
    code, _, err = run_cli(capsys, "demo-data", "--scale", "huge")
    assert code == 2 and err.startswith("modelmarket: ") and err.count("\n") == 1
    code, _, err = run_cli(capsys, "rollback")
    assert code == 2 and "no previous warehouse" in err
    monkeypatch.setenv("MODELMARKET_PORT", "not-a-port")
    code, _, err = run_cli(capsys, "status")
    assert code == 2 and "MODELMARKET_PORT" in err


def test_a_second_refresh_while_one_runs_exits_at_once(home_env: Settings, capsys):
    with refresh_lock(home_env):
        code, _, err = run_cli(capsys, "refresh", "--quiet")
    assert code == 2 and "another refresh is running" in err


def test_dashboard_refuses_a_port_in_use(home_env: Settings, capsys):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        code, _, err = run_cli(capsys, "dashboard", "--port", str(port))
    assert code == 2 and f"port {port} is in use" in err


def test_demo_data_refuses_a_non_empty_landing_zone(home_env: Settings, capsys):
    (home_env.landing_dir / "market/vendors").mkdir(parents=True)
    (home_env.landing_dir / "market/vendors/mine.csv").write_text("vendor_id,vendor_name\nx,X\n")
    code, _, err = run_cli(capsys, "demo-data", "--scale", "tiny")
    assert code == 2 and "--force" in err


@pytest.mark.slow
def test_sql_and_status_on_the_demo_warehouse(demo_home: Settings, capsys, monkeypatch):
    monkeypatch.setenv("MODELMARKET_HOME", str(demo_home.home))
    code, out, _ = run_cli(capsys, "sql", "select * from marts.fct_market_share limit 5")
    assert code == 0 and "vendor_id" in out and "share" in out
    code, out, _ = run_cli(capsys, "sql", "--csv", "select vendor_id, share from marts.fct_market_share limit 3")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0] == ["vendor_id", "share"] and len(rows) == 4
    code, _, err = run_cli(capsys, "sql", "select * from no_such_table")
    assert code == 2 and err.startswith("modelmarket: SQL error")
    code, _, err = run_cli(capsys, "sql", "create table marts.x as select 1")
    assert code == 2 and "read-only" in err.lower()
    code, _, err = run_cli(capsys, "sql", "select * from read_csv('/etc/passwd')")
    assert code == 2 and "SQL error" in err  # no file access from the analysts' prompt
    code, _, err = run_cli(capsys, "sql", "set enable_external_access = true")
    assert code == 2 and "SQL error" in err  # and it cannot be switched back on
    code, out, _ = run_cli(capsys, "status", "--json")
    status = json.loads(out)
    assert code == 0 and status["published"] and status["last_run"]["status"] == "published"
    assert status["mart_rows"]["fct_market_share"] > 0
    assert {f["dataset"] for f in status["freshness"]} >= {"customers/usage", "market/vendors"}
    code, out, _ = run_cli(capsys, "status")
    assert code == 0 and "rows per mart" in out and "fct_market_share" in out


def _tiny_warehouse(path: Path, marker: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select ? as marker", [marker])


def _marker(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select marker from t").fetchone()[0]


def test_rollback_swaps_published_and_previous(home_env: Settings, capsys):
    _tiny_warehouse(home_env.published_path, 2)
    _tiny_warehouse(home_env.previous_path, 1)
    code, out, _ = run_cli(capsys, "rollback")
    assert code == 0 and "restored" in out
    assert (_marker(home_env.published_path), _marker(home_env.previous_path)) == (1, 2)
    run_cli(capsys, "rollback")
    assert (_marker(home_env.published_path), _marker(home_env.previous_path)) == (2, 1)


def test_publish_keeps_the_previous_file_and_readers_keep_their_snapshot(home_env: Settings):
    from orchestration.warehouse import RefreshRun, prepare_build, publish, utcnow

    _tiny_warehouse(home_env.published_path, 1)
    reader = duckdb.connect(str(home_env.published_path), read_only=True)
    build = prepare_build(home_env)
    with duckdb.connect(str(build)) as con:
        con.execute("update t set marker = 2")
    publish(home_env, RefreshRun("r1", utcnow(), utcnow(), "published"))
    assert reader.execute("select marker from t").fetchone()[0] == 1  # the open snapshot is untouched
    reader.close()
    assert (_marker(home_env.published_path), _marker(home_env.previous_path)) == (2, 1)
    assert not home_env.build_dir.exists()


def test_the_landing_sensor_is_off_by_default_and_fires_once_per_change(settings: Settings):
    import os
    import time

    from dagster import DagsterInstance, DefaultSensorStatus, RunRequest, SkipReason, build_sensor_context

    from orchestration.defs.warehouse.sensors import landing_zone_sensor
    from orchestration.resources import ModelmarketResource
    from orchestration.warehouse import refresh_lock

    def written_a_minute_ago(path):
        os.utime(path, (time.time() - 60, time.time() - 60))

    assert landing_zone_sensor.default_status == DefaultSensorStatus.STOPPED
    resources = {"modelmarket": ModelmarketResource(home=str(settings.home))}
    with (
        DagsterInstance.ephemeral() as instance,
        build_sensor_context(instance=instance, resources=resources) as context,
    ):
        assert isinstance(landing_zone_sensor(context), SkipReason)  # empty: nothing to refresh
        folder = settings.landing_dir / "customers/usage"
        folder.mkdir(parents=True)
        (folder / "new.csv").write_text("account_id,vendor_id,usage_date,amount_usd\n")
        writing = landing_zone_sensor(context)  # just written: it may still be growing
        assert (
            isinstance(writing, SkipReason) and "still being written: customers/usage/new.csv" in writing.skip_message
        )
        written_a_minute_ago(folder / "new.csv")
        with refresh_lock(settings):  # a CLI refresh is running: its run is not in this instance, its lock is
            assert isinstance(landing_zone_sensor(context), SkipReason)
        fired = landing_zone_sensor(context)
        assert isinstance(fired, RunRequest)
        assert isinstance(landing_zone_sensor(context), SkipReason)  # the same files never trigger twice
        (folder / "new.csv").write_text("account_id,vendor_id,usage_date,amount_usd\na1,openai,2026-01-01,1\n")
        written_a_minute_ago(folder / "new.csv")
        again = landing_zone_sensor(context)
        assert isinstance(again, RunRequest) and again.run_key != fired.run_key  # a re-delivery does


def test_the_dbt_resource_knows_the_dbt_version_without_running_dbt():
    """Our resource skips dagster-dbt's `dbt --version` subprocess: its answer must equal that command's."""
    import subprocess

    from orchestration.dbt_project import DBT_EXECUTABLE, dbt_resource

    printed = subprocess.run([DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True).stdout
    assert f"installed: {dbt_resource()._cli_version}" in printed


@pytest.mark.parametrize(
    "status, problems, exit_code, first_line",
    [
        ("published", [], 0, "refresh done in 2.0 s: published"),
        ("published_with_warnings", ["usage_is_fresh: OSError"], 3, "refresh done in 2.0 s: published, with warnings"),
        ("failed", ["raw__customers__usage: bad file u.csv", "check c: 3 rows"], 1, "refresh FAILED after 2.0 s"),
    ],
)
def test_refresh_exit_codes_tell_the_outcome(
    home_env: Settings, capsys, monkeypatch, status: str, problems: list[str], exit_code: int, first_line: str
):
    from orchestration import outcome, refresh

    def finished(settings, progress, quiet, full=False):
        verdict = outcome.Verdict(status != "failed", problems)
        message = outcome.describe(verdict, settings.published_path, str(settings.refresh_output_path))
        return refresh.RefreshOutcome(verdict.status, "r1", 2.0, problems, message)

    monkeypatch.setattr(refresh, "run_refresh", finished)
    code, out, err = run_cli(capsys, "refresh", "--quiet")
    assert code == exit_code
    lines = (out + err).splitlines()
    assert lines[0].startswith(first_line), lines
    assert all(problem in out + err for problem in problems)
    if status == "failed":  # one line naming the first cause, that nothing changed and where the output is
        assert "unchanged" in lines[0] and str(home_env.refresh_output_path) in lines[0] and problems[0] in lines[0]
        assert lines[1:] == [f"  {p}" for p in problems[1:]]

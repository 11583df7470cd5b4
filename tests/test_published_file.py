"""The published file belongs to the analysts and nobody can break it: it is published read-only without a
write-ahead log; a read-write session that locks it, writes to it (checkpointed, or killed with its `.wal` left
behind) or a file cut short never gives a reader a traceback, and the next refresh repairs what it finds.

Refreshes are slow, so the refreshing test walks one private copy of the demo home through every fault.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import queries
from dashboards.navigation import DASHBOARDS_DIR
from ingest.settings import Settings
from orchestration import cli
from orchestration.published import (
    PublishedUnavailable,
    open_published,
    request_full_rebuild,
    verify_published,
    wal_path,
)
from orchestration.refresh import run_refresh
from orchestration.warehouse import prepare_build
from tests.test_quality_gates import copy_home

ROLLUP_SQL = "select * from intermediate.int_usage_files_aggregated order by all"
MONTHLY_SQL = "select account_id, vendor_id, month, mrr, line_count from intermediate.int_usage_monthly order by all"
# An analyst's slip: a few line items of one file version vanish from the incremental rollup.
DELETE_SQL = """
    delete from intermediate.int_usage_files_aggregated
    where _source_file = (select min(_source_file) from intermediate.int_usage_files_aggregated)
      and account_id = (select min(account_id) from intermediate.int_usage_files_aggregated)
"""
ANALYST_SESSION = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])  # read-write, as the DuckDB CLI opens a file by default
con.execute(sys.argv[2])
print("wrote", flush=True)
time.sleep(600)
"""


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def read(path: Path, sql: str) -> list[tuple]:
    """What any DuckDB reader sees (a plain read-only connection)."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def analysts_edit(path: Path, sql: str) -> None:
    """An analyst makes the file writable and changes it in a read-write session that closes normally."""
    os.chmod(path, 0o644)
    with duckdb.connect(str(path)) as con:
        con.execute(sql)


@pytest.fixture
def analyst_session() -> Iterator:
    """analyst_session(path, sql): a read-write session in another process that has written and holds the lock."""
    started: list[subprocess.Popen[str]] = []

    def _start(path: Path, sql: str) -> subprocess.Popen[str]:
        os.chmod(path, 0o644)
        process = subprocess.Popen(
            [sys.executable, "-c", ANALYST_SESSION, str(path), sql], stdout=subprocess.PIPE, text=True
        )
        started.append(process)
        assert process.stdout is not None and process.stdout.readline().strip() == "wrote"
        return process

    yield _start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


# --- publish ------------------------------------------------------------------------------------------


def test_the_published_file_is_read_only_checkpointed_and_whole(demo_home: Settings) -> None:
    path = demo_home.published_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert not wal_path(path).exists()
    assert not demo_home.build_dir.exists()
    verify_published(path)  # every block its tables use is in the file


def test_publish_sets_a_killed_sessions_wal_aside_and_readers_open_the_new_file(
    settings: Settings, analyst_session
) -> None:
    from orchestration.warehouse import RefreshRun, publish, utcnow

    path = settings.published_path
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select 1 as marker")
    kill(analyst_session(path, "insert into t values (99)"))  # its log stays, valid only for this file
    assert wal_path(path).exists()
    with duckdb.connect(str(prepare_build(settings))) as con:
        con.execute("update t set marker = 2")
    publish(settings, RefreshRun("r1", utcnow(), utcnow(), "published"))
    assert not wal_path(path).exists() and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert read(path, "select marker from t") == [(2,)]  # the old file's log was not replayed onto it
    (kept,) = (settings.warehouse_dir / "stale-wal").iterdir()
    assert kept.name.startswith("market.duckdb.wal.")


def test_the_dashboard_keeps_the_results_of_the_last_readable_file(tmp_path: Path) -> None:
    from tests import dashboard_fixtures as fx

    path = fx.build_warehouse(tmp_path / "warehouse" / "market.duckdb")
    assert queries.warehouse_info(path).notice is None
    vendors = queries.vendors(path)
    path.write_bytes(b"overwritten" * 1000)  # a new version of the file, and it cannot be read
    info = queries.warehouse_info(path)
    assert info.error is None and info.notice is not None and "damaged" in info.notice
    assert info.has("marts.fct_market_share") and info.last_refresh is not None
    assert queries.vendors(path).equals(vendors)


# --- readers ------------------------------------------------------------------------------------------


def test_a_locked_file_is_one_line_for_every_reader_and_the_dashboard_keeps_its_results(
    demo_home: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, analyst_session
) -> None:
    home = copy_home(demo_home, tmp_path / "home")
    monkeypatch.setenv("MODELMARKET_HOME", str(home.home))
    path = home.published_path
    app = AppTest.from_file(DASHBOARDS_DIR / "app.py", default_timeout=60)
    app.run()  # the overview, read before the lock
    assert not app.exception
    vendors = queries.vendors(path)

    session = analyst_session(path, "create table main.analyst_notes as select 42 as answer")
    assert wal_path(path).exists()
    for args in (["sql", "select 1"], ["status"], ["export", "--out", str(tmp_path / "out")], ["docs", "--no-serve"]):
        code, _out, err = run_cli(capsys, *args)
        assert code != 0, args
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "is locked" in lines[0] and f"process {session.pid}" in lines[0], (args, err)
    assert not (tmp_path / "out").exists()

    # the dashboard: what it had read stays on screen; what it had not is a notice, not a traceback
    assert queries.vendors(path).equals(vendors)
    with pytest.raises(PublishedUnavailable, match="is locked"):
        queries.market_share(path, "year", "tokens", "smb")
    app.switch_page("views/pricing.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("is locked" in warning.value for warning in app.warning)
    linked = home.warehouse_dir / "linked.duckdb"  # the same locked file, never read by this dashboard
    os.link(path, linked)
    info = queries.warehouse_info(linked)
    assert info.error is not None and "is locked" in info.error and not info.tables

    kill(session)
    assert wal_path(path).exists()  # the killed session's log stays beside the file
    code, _out, _err = run_cli(capsys, "sql", "select answer from main.analyst_notes")
    assert code == 0  # its own log belongs to this file: readers replay it


def test_a_damaged_or_foreign_file_is_one_line_naming_it(demo_home: Settings, tmp_path: Path, capsys, monkeypatch):
    home = copy_home(demo_home, tmp_path / "home")
    monkeypatch.setenv("MODELMARKET_HOME", str(home.home))
    path = home.published_path
    other = tmp_path / "other.duckdb"  # a write-ahead log of another database, left beside the published file
    with duckdb.connect(str(other)) as con:
        con.execute("pragma disable_checkpoint_on_shutdown")
        con.execute("create table t as select 1 as x")
    shutil.copyfile(wal_path(other), wal_path(path))
    with pytest.raises(PublishedUnavailable, match="write-ahead log") as foreign:
        open_published(path)
    assert foreign.value.problem == "damaged"
    wal_path(path).unlink()

    path.write_bytes(b"this is not a database" * 500)
    for args in (["sql", "select 1"], ["export", "--out", str(tmp_path / "out")], ["status"]):
        code, out, err = run_cli(capsys, *args)
        lines = err.strip().splitlines()
        assert code != 0 and len(lines) == 1 and "damaged or not a DuckDB database" in lines[0], (args, err)
        assert str(path) in lines[0] and "modelmarket refresh" in lines[0]
    assert "is DAMAGED" in out  # status, the last command: the warehouse is not healthy
    info = queries.warehouse_info(path)
    assert info.error is not None and "not a DuckDB database" in info.error


def test_refresh_full_asks_for_a_build_from_raw(monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path) -> None:
    from orchestration import refresh
    from orchestration.refresh import RefreshOutcome

    asked: list[bool] = []

    def fake_refresh(settings: Settings, progress, quiet: bool = False, full: bool = False) -> RefreshOutcome:
        asked.append(full)
        return RefreshOutcome("published", "r1", 0.1, [], "published")

    monkeypatch.setenv("MODELMARKET_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(refresh, "run_refresh", fake_refresh)
    assert run_cli(capsys, "refresh", "--full", "--quiet")[0] == 0
    assert run_cli(capsys, "refresh", "--quiet")[0] == 0
    assert asked == [True, False]


# --- what a build builds on ---------------------------------------------------------------------------


def test_a_build_starts_on_the_published_copy_only_when_it_is_sound(demo_home: Settings, tmp_path: Path) -> None:
    home = copy_home(demo_home, tmp_path / "home")
    said: list[str] = []

    build = prepare_build(home, log=said.append)
    assert said == [] and build.read_bytes() == home.published_path.read_bytes()  # sound: built on
    assert stat.S_IMODE(build.stat().st_mode) & stat.S_IWUSR  # the private copy is writable

    request_full_rebuild(home)
    prepare_build(home, log=said.append)
    assert said == ["building from raw/: a full rebuild was requested"] and not home.build_path.exists()
    said.clear()
    prepare_build(home, log=said.append)
    assert said == [] and home.build_path.exists()  # the request was used up

    analysts_edit(home.published_path, DELETE_SQL)
    prepare_build(home, log=said.append)
    assert not home.build_path.exists()
    assert len(said) == 1 and "usage rollup disagrees with the load log for 1 file version(s)" in said[0], said

    shutil.copyfile(demo_home.published_path, home.published_path)
    with home.published_path.open("r+b") as handle:  # cut short by a little more than one block
        handle.truncate(home.published_path.stat().st_size - 300_000)
    said.clear()
    prepare_build(home, log=said.append)
    assert not home.build_path.exists()
    assert len(said) == 1 and said[0].startswith("building from raw/: the published warehouse is damaged"), said


# --- a refresh repairs what it finds --------------------------------------------------------------------


def test_refreshes_repair_a_delete_a_killed_session_a_foreign_wal_and_a_truncated_file(
    demo_home: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, analyst_session
) -> None:
    home = copy_home(demo_home, tmp_path / "home")
    monkeypatch.setenv("MODELMARKET_HOME", str(home.home))
    path = home.published_path
    expected_rollup, expected_monthly = read(demo_home.published_path, ROLLUP_SQL), read(path, MONTHLY_SQL)

    # 1. a delete, checkpointed into the file; then a session that deletes everything and is killed
    analysts_edit(path, DELETE_SQL)
    assert read(path, ROLLUP_SQL) != expected_rollup
    session = analyst_session(path, "delete from intermediate.int_usage_files_aggregated")
    kill(session)
    assert wal_path(path).exists()
    old_wal = tmp_path / "old.wal"
    shutil.copyfile(wal_path(path), old_wal)

    outcome = run_refresh(home, progress=lambda _message: None, quiet=True)
    assert outcome.success, outcome.message
    assert not wal_path(path).exists() and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert len(list((home.warehouse_dir / "stale-wal").iterdir())) == 1  # set aside, not deleted
    assert read(path, ROLLUP_SQL) == expected_rollup  # the delete was not carried into the build
    assert read(path, MONTHLY_SQL) == expected_monthly
    verify_published(path)

    # 2. the old file's log beside the new file (the worst a killed session can leave) and a file cut short
    shutil.copyfile(old_wal, wal_path(path))
    with pytest.raises(PublishedUnavailable, match="write-ahead log"):
        open_published(path)
    wal_path(path).unlink()
    os.chmod(path, 0o644)
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size - 300_000)
    shutil.copyfile(old_wal, wal_path(path))
    code, out, err = run_cli(capsys, "status")
    assert code == 1 and "is DAMAGED" in out and len(err.strip().splitlines()) == 1, (out, err)

    outcome = run_refresh(home, progress=lambda _message: None, quiet=True)
    assert outcome.success, outcome.message
    assert not wal_path(path).exists() and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert read(path, ROLLUP_SQL) == expected_rollup and read(path, MONTHLY_SQL) == expected_monthly
    code, out, err = run_cli(capsys, "status")
    assert code == 0 and "DAMAGED" not in out and err == "", (out, err)

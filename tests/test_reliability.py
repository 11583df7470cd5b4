"""Crashes and concurrency: kill -9 at many points never corrupts the published warehouse, and readers are
never blocked or shown a mixed state while refreshes publish."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from ingest.settings import Settings
from tests.test_quality_gates import copy_home

pytestmark = pytest.mark.slow
CONSISTENCY_SQL = """
    select
        (select count(*) from audit.refresh_runs) as runs,
        (select sum(value) from marts.fct_market_share
          where measure = 'spend' and period_grain = 'month' and segment = 'all') as spend,
        (select max(abs(total_share - 1)) from (
            select sum(share) as total_share from marts.fct_market_share group by period_grain, period_start,
            measure, segment)) as worst_share_sum
"""


ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def record(name: str, figures: dict) -> None:
    """Keep the measured figures beside the screenshots (test-artifacts/reliability.json)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "reliability.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(data | {name: figures}, indent=2))


def deliver_a_new_day(home: Settings, day: int) -> None:
    """One more usage file, so the next refresh has real work and changes the marts."""
    with duckdb.connect() as con:
        accounts = [
            r[0]
            for r in con.execute(
                "select account_id from read_csv(?) limit 20",
                [str(home.landing_dir / "customers/accounts/accounts.csv")],
            ).fetchall()
        ]
    lines = ["account_id,vendor_id,usage_date,amount_usd"]
    lines += [f"{a},openai,2026-10-{day:02},{10 + i}.25" for i, a in enumerate(accounts)]
    (home.landing_dir / f"customers/usage/extra_{day:02}.csv").write_text("\n".join(lines) + "\n")


def refresh_command(home: Settings) -> tuple[list[str], dict[str, str]]:
    env = os.environ | {"MODELMARKET_HOME": str(home.home)}
    return [sys.executable, "-m", "orchestration.cli", "refresh", "--quiet"], env


def published_state(home: Settings) -> tuple[str, int, float]:
    """(sha256 of the file, refresh runs recorded, worst share sum error): opening it must always work."""
    digest = hashlib.sha256(home.published_path.read_bytes()).hexdigest()
    with duckdb.connect(str(home.published_path), read_only=True) as con:
        runs, _spend, worst = con.execute(CONSISTENCY_SQL).fetchall()[0]
    return digest, runs, worst


def test_kill_9_at_any_point_leaves_the_published_file_intact(demo_home: Settings, tmp_path: Path):
    home = copy_home(demo_home, tmp_path / "home")
    deliver_a_new_day(home, 1)
    command, env = refresh_command(home)
    digest, runs, _ = published_state(home)
    outcomes = []
    for delay in (0.5, 3.0, 6.0, 10.0, 15.0, 21.0, 28.0):
        process = subprocess.Popen(
            command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(delay)
        killed = process.poll() is None
        if killed:
            os.killpg(process.pid, signal.SIGKILL)  # the refresh and its dbt child, mid-flight
        process.wait()
        new_digest, new_runs, worst = published_state(home)
        assert worst < 1e-9
        # either exactly the state before (byte-identical) or a complete new publish
        assert (new_digest == digest and new_runs == runs) or (new_runs == runs + 1), (delay, killed)
        outcomes.append((delay, killed, new_runs > runs))
        digest, runs = new_digest, new_runs
        if not killed:
            deliver_a_new_day(home, len(outcomes) + 1)  # keep giving the next refresh work to interrupt
    assert sum(killed for _, killed, _ in outcomes) >= 4, outcomes
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert published_state(home)[1] == runs + 1
    assert not home.builds_dir.exists() or not any(home.builds_dir.iterdir())  # leftovers of crashed builds are gone
    from orchestration.runlog import STATUSES, read_runs

    records = read_runs(home)
    assert len({r["run_id"] for r in records}) == len(records)  # one record per run, never two
    assert all(r["status"] in STATUSES for r in records)
    interrupted = [r for r in records if str(r["message"]).startswith("interrupted")]
    assert interrupted, "a refresh killed while it held the lock is recorded by the next one"
    record(
        "kill_9",
        {
            "attempts": [{"delay_s": d, "killed": k, "published": p} for d, k, p in outcomes],
            "final_refresh_ok": True,
            "interrupted_attempts_recorded": len(interrupted),
        },
    )


READER = """
import duckdb, json, sys, time
path, stop, out = sys.argv[1], sys.argv[2], sys.argv[3]
sql = sys.stdin.read()
seen, errors, queries = {}, [], 0
import os
while not os.path.exists(stop):
    try:
        with duckdb.connect(path, read_only=True, config={"threads": 1}) as con:
            runs, spend, worst = con.execute(sql).fetchall()[0]
        queries += 1
        seen.setdefault(str(runs), set()).add(str(spend))
        if worst >= 1e-9:
            errors.append(f"share sums off by {worst}")
    except Exception as err:
        errors.append(repr(err))
    time.sleep(0.2)
json.dump({"queries": queries, "errors": errors, "seen": {k: sorted(v) for k, v in seen.items()}}, open(out, "w"))
"""


def test_four_readers_through_three_refreshes_see_consistent_snapshots(demo_home: Settings, tmp_path: Path):
    from orchestration.refresh import run_refresh

    home = copy_home(demo_home, tmp_path / "home")
    stop = tmp_path / "stop"
    readers = []
    for i in range(4):
        out = tmp_path / f"reader{i}.json"
        process = subprocess.Popen(
            [sys.executable, "-c", READER, str(home.published_path), str(stop), str(out)],
            stdin=subprocess.PIPE,
            text=True,
        )
        process.stdin.write(CONSISTENCY_SQL)
        process.stdin.close()
        readers.append((process, out))
    runs_before = published_state(home)[1]
    for day in (11, 12, 13):
        deliver_a_new_day(home, day)
        assert run_refresh(home, progress=lambda _m: None, quiet=True).success
    time.sleep(0.5)
    stop.write_text("stop")
    reports = []
    for process, out in readers:
        assert process.wait(timeout=60) == 0
        reports.append(json.loads(out.read_text()))
    assert all(r["errors"] == [] for r in reports), [r["errors"][:3] for r in reports]
    assert all(r["queries"] > 20 for r in reports)  # about 5 a second each, through every publish
    # one snapshot per published state: for a given number of runs, every reader saw the same spend
    by_runs: dict[str, set[str]] = {}
    for report in reports:
        for runs, spends in report["seen"].items():
            by_runs.setdefault(runs, set()).update(spends)
    assert all(len(spends) == 1 for spends in by_runs.values()), by_runs
    assert {int(r) for r in by_runs} >= {runs_before, runs_before + 3}
    record(
        "readers",
        {
            "readers": len(reports),
            "refreshes": 3,
            "queries": [r["queries"] for r in reports],
            "errors": sum(len(r["errors"]) for r in reports),
            "states_seen": sorted(by_runs),
        },
    )


# --- kill -9 inside publish and rollback, at every file operation ------------------------------------------------
CRASHER = """
import os, signal, sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from ingest.settings import Settings
from orchestration import warehouse

home, operation, kill_after = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
calls = 0

def counted(function):
    def call(*args, **kwargs):
        global calls
        result = function(*args, **kwargs)
        calls += 1
        if calls == kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    return call

def count_every_file_operation():
    for name in ("link", "replace", "rename", "unlink", "rmdir", "fsync", "write", "ftruncate"):
        setattr(os, name, counted(getattr(os, name)))

settings = replace(Settings.from_env({}), home=home, build_id="run-3")
if operation == "publish":
    with warehouse.refresh_lock(settings):
        count_every_file_operation()
        run = warehouse.RefreshRun("run-3", warehouse.utcnow(), warehouse.utcnow(), "published")
        warehouse.publish(settings, run)
        warehouse.record_run(settings, run)  # as a refresh does, before it releases the lock
else:
    count_every_file_operation()
    warehouse.rollback(settings)
print(calls)
"""


def tiny_generation(path: Path, generation: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select ? as generation", [generation])


def generation_of(path: Path) -> int | None:
    """The generation of a warehouse file (None if absent); opening it must always work."""
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select generation from t").fetchone()[0]


SCENARIOS = {
    # name: (operation, published, previous, build) generations before; 0 = no such file
    "publish": ("publish", 2, 1, 3),
    "first_publish": ("publish", 0, 0, 1),
    "rollback": ("rollback", 2, 1, 0),
}


def set_up(home: Settings, scenario: str) -> None:
    import shutil

    shutil.rmtree(home.home, ignore_errors=True)
    _, published, previous, build = SCENARIOS[scenario]
    for path, generation in (
        (home.published_path, published),
        (home.previous_path, previous),
        (replace(home, build_id="run-3").build_path, build),
    ):
        if generation:
            tiny_generation(path, generation)


def crash(home: Settings, scenario: str, kill_after: int) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"MODELMARKET_HOME": str(home.home)}
    command = [sys.executable, "-c", CRASHER, str(home.home), SCENARIOS[scenario][0], str(kill_after)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def assert_valid(home: Settings, scenario: str) -> tuple[int | None, int | None]:
    """Published opens and is the old or the new generation; previous, if any, is a different generation, and
    the older one of the two unless a rollback has just made the older one published."""
    _, old_published, old_previous, build = SCENARIOS[scenario]
    published, previous = generation_of(home.published_path), generation_of(home.previous_path)
    if SCENARIOS[scenario][0] == "publish":
        assert published in {old_published or None, build}
        assert previous is None or previous < published
    else:
        assert published in {old_published, old_previous}
        assert previous is None or previous != published
    return published, previous


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_kill_9_at_every_step_of_publish_and_rollback_leaves_a_consistent_warehouse(tmp_path: Path, scenario: str):
    from orchestration.runlog import read_runs
    from orchestration.warehouse import refresh_lock

    home = replace(Settings.from_env({}), home=tmp_path / "home")
    set_up(home, scenario)
    clean = crash(home, scenario, kill_after=0)  # an uninterrupted run counts its file operations
    assert clean.returncode == 0, clean.stderr[-2000:]
    steps = int(clean.stdout.split()[-1])
    expected_after = {"publish": (3, 2), "first_publish": (1, None), "rollback": (1, 2)}[scenario]
    assert assert_valid(home, scenario) == expected_after
    assert steps >= 4
    outcomes = []
    for kill_after in range(1, steps + 1):
        set_up(home, scenario)
        killed = crash(home, scenario, kill_after)
        assert killed.returncode == -signal.SIGKILL, (kill_after, killed.stderr[-2000:])
        assert_valid(home, scenario)  # readers, before anyone tidies up
        with refresh_lock(replace(home, build_id="next-run")):  # the next refresh or rollback
            pass
        published, previous = assert_valid(home, scenario)
        if scenario == "rollback":
            assert {published, previous} == {1, 2}  # both generations kept, one each
        elif scenario == "publish":
            assert previous == published - 1  # the one published before, never the one before that
        leftovers = sorted(p.name for p in home.warehouse_dir.iterdir())
        assert set(leftovers) <= {
            "market.duckdb",
            "market.previous.duckdb",
            ".refresh.lock",
            "refresh_log.jsonl",
            ".build",
        }
        assert not home.builds_dir.exists() or not any(home.builds_dir.iterdir()), leftovers
        runs = [r for r in read_runs(home) if r["run_id"] == "run-3"]
        if scenario != "rollback":  # the killed refresh gets exactly one record, true to what was published
            assert len(runs) == 1, (kill_after, runs)
            new = published == SCENARIOS[scenario][3]
            assert runs[0]["status"] in (("published", "published_with_warnings") if new else ("failed",)), runs
        outcomes.append({"kill_after_step": kill_after, "published": published, "previous": previous})
    record(
        f"kill_9_{scenario}",
        {
            "file_operations": steps,
            "kill_points_tested": len(outcomes),
            "completed": sum(o["published"] == expected_after[0] for o in outcomes),
            "left_as_before": sum(o["published"] != expected_after[0] for o in outcomes),
            "outcomes": outcomes,
        },
    )


# --- faults: disk full and friends, each one line, one record, the build cleaned ---------------------------------
def disk_full(path: object = None) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path) if path is not None else None)


def fill_the_raw_zone(monkeypatch: pytest.MonkeyPatch, home: Settings) -> None:
    """Ingest writes half a raw file, then the disk is full."""
    import polars as pl

    def sink_parquet(self, path, **kwargs):
        Path(path).write_bytes(b"PAR1 half a file")
        raise disk_full(path)

    monkeypatch.setattr(pl.LazyFrame, "sink_parquet", sink_parquet)


def fill_the_build(monkeypatch: pytest.MonkeyPatch, home: Settings) -> None:
    """Copying the published warehouse into the run's build folder stops half way: the disk is full."""
    import shutil

    real = shutil.copyfile

    def copyfile(src, dst, **kwargs):
        if home.builds_dir in Path(dst).parents:
            Path(dst).write_bytes(Path(src).read_bytes()[:4096])
            raise disk_full(dst)
        return real(src, dst, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", copyfile)


def fill_the_warehouse_folder(monkeypatch: pytest.MonkeyPatch, home: Settings) -> None:
    """Publish cannot add a directory entry (ENOSPC from link): after every check passed."""
    monkeypatch.setattr(os, "link", lambda src, dst, **kwargs: (_ for _ in ()).throw(disk_full(dst)))


def fill_before_the_run(monkeypatch: pytest.MonkeyPatch, home: Settings) -> None:
    """The refresh's own output file cannot be written: nothing of the Dagster run has started."""
    real = Path.open

    def open_(self, *args, **kwargs):
        if self == home.refresh_output_path:
            raise disk_full(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)


def fill_everything(monkeypatch: pytest.MonkeyPatch, home: Settings) -> None:
    """The raw zone and the run log are both full: the attempt cannot even be recorded, and the line says so."""
    from orchestration import runlog

    fill_the_raw_zone(monkeypatch, home)
    real = runlog.append_line

    def append_line(path, doc):
        if path == home.refresh_log_path:
            raise disk_full(path)
        return real(path, doc)

    monkeypatch.setattr(runlog, "append_line", append_line)


def fail_after_publishing(monkeypatch: pytest.MonkeyPatch, home: Settings) -> None:
    """Steps publish does not wait for: the freshness check breaks, and the timings cannot be written."""
    from orchestration import refresh
    from orchestration.defs.warehouse import checks

    def broken(settings):
        raise disk_full(settings.raw_dir / "customers" / "usage")

    monkeypatch.setattr(checks, "usage_freshness", broken)
    monkeypatch.setattr(refresh, "record_timings", lambda settings, timings: (_ for _ in ()).throw(disk_full("t")))


FAULTS = {
    # name: (inject, exit code, record status, words the outcome names)
    "raw_write_disk_full": (fill_the_raw_zone, 1, "failed", ["raw__customers__", "No space left on device"]),
    "build_copy_disk_full": (fill_the_build, 1, "failed", ["warehouse_dbt", "No space left on device"]),
    "publish_disk_full": (fill_the_warehouse_folder, 1, "failed", ["warehouse__published", "previous.tmp"]),
    "output_disk_full": (fill_before_the_run, 1, "failed", ["last_refresh.log", "No space left on device"]),
    "log_disk_full": (fill_everything, 1, None, ["No space left on device", "could not be recorded"]),
    "post_publish_failure": (
        fail_after_publishing,
        3,
        "published_with_warnings",
        ["published, with warnings", "usage_is_fresh", "timings could not be written"],
    ),
}


def record_fault(name: str, figures: dict) -> None:
    path = ARTIFACTS / "reliability.json"
    faults = (json.loads(path.read_text()) if path.exists() else {}).get("faults", {})
    record("faults", faults | {name: figures})


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_fault_is_one_line_one_record_and_a_clean_build(
    demo_home: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fault: str
):
    from orchestration import cli
    from orchestration.runlog import read_runs

    inject, exit_code, status, words = FAULTS[fault]
    home = copy_home(demo_home, tmp_path / "home")
    deliver_a_new_day(home, 2)  # real work for ingest, dbt and publish
    runs_before = read_runs(home)
    published_before, previous_before = home.published_path.read_bytes(), home.previous_path.exists()
    monkeypatch.setenv("MODELMARKET_HOME", str(home.home))
    inject(monkeypatch, home)
    code = cli.main(["refresh", "--quiet"])
    monkeypatch.undo()
    out, err = capsys.readouterr()
    said = " ".join(out.splitlines() + err.splitlines())
    assert code == exit_code, (out, err)
    assert "Traceback" not in said and all(word in said for word in words), said
    first, *details = err.splitlines() or [out]
    assert all(line.startswith("  ") for line in details), err  # one line, then one indented line per problem
    if exit_code == 1:
        assert first.startswith("refresh FAILED") and "unchanged" in first and "full output:" in first, first
        assert home.published_path.read_bytes() == published_before  # the published warehouse is unchanged
        assert home.previous_path.exists() == previous_before
    else:
        assert published_state(home)[1] == runs_before_in_warehouse(demo_home) + 1  # and it was published
    new_runs = read_runs(home)[len(runs_before) :]
    if status is None:
        assert new_runs == []
    else:
        (run,) = new_runs  # one record for the run, whatever failed
        assert run["status"] == status and all(word in run["message"] for word in words[-2:]), run
    assert not home.builds_dir.exists() or not any(home.builds_dir.iterdir())  # the build is cleaned
    assert {p.name for p in home.warehouse_dir.iterdir()}.isdisjoint({"market.previous.tmp", ".rollback.tmp"})
    record_fault(fault, {"exit_code": code, "status": status or "unrecorded", "said": said[:300]})


def runs_before_in_warehouse(home: Settings) -> int:
    return published_state(home)[1]


# --- one refresh at a time, whoever starts it ---------------------------------------------------------------------
def test_a_dagster_run_started_during_a_cli_refresh_waits_for_it_and_both_publish(demo_home: Settings, tmp_path: Path):
    """The nightly job executed the way the UI, the schedule and the sensor execute it (no CLI wrapper)."""
    from dagster import DagsterEventType, DagsterInstance

    from orchestration.definitions import build_definitions
    from orchestration.locking import holder_of
    from orchestration.runlog import read_runs

    home = copy_home(demo_home, tmp_path / "home")
    deliver_a_new_day(home, 4)
    runs_before, published_before = len(read_runs(home)), published_state(home)[1]
    job = build_definitions(home).resolve_job_def("nightly_refresh")
    command, env = refresh_command(home)
    cli_refresh = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while (holder := holder_of(home.lock_path)) is None or holder.by != "cli":
        assert time.monotonic() < deadline and cli_refresh.poll() is None, "the CLI refresh never took the lock"
        time.sleep(0.1)
    started = time.time()
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        first_step = min(
            entry.timestamp
            for entry in instance.all_logs(result.run_id)
            if entry.dagster_event is not None and entry.dagster_event.event_type == DagsterEventType.STEP_START
        )
    out, err = cli_refresh.communicate(timeout=600)
    assert cli_refresh.returncode == 0, err[-2000:]
    assert result.success
    records = read_runs(home)[runs_before:]
    assert [r["status"] for r in records] == ["published", "published"]
    assert records[1]["run_id"] == result.run_id != records[0]["run_id"]  # the CLI's first, then the Dagster run's
    cli_finished = datetime.fromisoformat(records[0]["finished_at"]).replace(tzinfo=UTC).timestamp()
    assert first_step >= cli_finished - 1.0  # no step of the Dagster run ran while the CLI refresh held the lock
    assert published_state(home)[1] == published_before + 2  # two complete publishes, one after the other
    assert not home.builds_dir.exists() or not any(home.builds_dir.iterdir())
    assert holder_of(home.lock_path) is None
    record(
        "cli_and_dagster_run_at_once",
        {"dagster_run_waited_s": round(first_step - started, 1), "both_published": True, "records": len(records)},
    )

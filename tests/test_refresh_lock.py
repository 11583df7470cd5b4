"""One refresh at a time, whoever starts it: Dagster runs hold the same lock as `modelmarket refresh`, wait for it
within a bound, never touch another run's build folder, and the next holder tidies up after one that died."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from dagster import AssetExecutionContext, DagsterEventType, DagsterInstance, Definitions, asset, define_asset_job

from ingest.settings import Settings
from orchestration.locking import holder_of, is_locked
from orchestration.resources import ModelmarketResource
from orchestration.runlog import read_runs
from orchestration.warehouse import refresh_lock

HOLDER = """
import os, signal, sys, time
from dataclasses import replace
from pathlib import Path
from ingest.settings import Settings
from orchestration.warehouse import refresh_lock

home, build_id, hold_s, how = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
settings = replace(Settings.from_env({}), home=home, build_id=build_id)
with refresh_lock(settings, by="cli"):
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    (settings.build_dir / "market.duckdb").write_bytes(b"the holder's build")
    print("holding", flush=True)
    if how == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(hold_s)
"""


def hold_the_lock(home: Path, build_id: str, hold_s: float, how: str = "release") -> subprocess.Popen[str]:
    """Another process holds the refresh lock (as a CLI refresh would), with a build of its own."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home), build_id, str(hold_s), how], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "holding"
    return process


def error_messages(result) -> str:
    texts = []
    for event in result.all_events:
        data = event.event_specific_data
        error = getattr(data, "error", None)
        while error is not None:
            texts.append(error.message)
            error = error.cause
    return " ".join(texts)


def test_a_dagster_run_waits_for_a_running_refresh_then_gives_up_without_touching_its_build(settings: Settings):
    """The nightly job executed the way the UI and the schedule execute it (no CLI wrapper)."""
    from orchestration.definitions import build_definitions

    job = build_definitions(settings).resolve_job_def("nightly_refresh")
    holder = hold_the_lock(settings.home, "holder-run", hold_s=60)
    try:
        build = replace(settings, build_id="holder-run").build_path
        resource = ModelmarketResource(home=str(settings.home), lock_wait_seconds=1.5)
        started = time.monotonic()
        with DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(
                instance=instance, raise_on_error=False, resources={"modelmarket": resource}
            )
        waited = time.monotonic() - started
        assert not result.success
        assert not [e for e in result.all_events if e.event_type == DagsterEventType.STEP_START]  # nothing ran
        message = error_messages(result)
        assert f"another refresh is running (pid {holder.pid}, run holder-run" in message and "waited 2 s" in message
        assert waited >= 1.5
        assert build.read_bytes() == b"the holder's build"  # its build folder is untouched
        assert not settings.raw_dir.exists()
        assert holder_of(settings.lock_path).run_id == "holder-run"
    finally:
        holder.kill()
        holder.wait()


def lock_probe_defs(settings: Settings, seen: list[dict[str, object]]) -> Definitions:
    """A one-asset job with the real resource: what does a step see of the lock and its build folder?"""

    @asset
    def probe(context: AssetExecutionContext, modelmarket: ModelmarketResource) -> None:
        run_settings = modelmarket.settings()
        holder = holder_of(run_settings.lock_path)
        seen.append(
            {
                "at": time.monotonic(),
                "locked": is_locked(run_settings.lock_path),
                "holder_pid": holder.pid if holder else None,
                "holder_run": holder.run_id if holder else None,
                "build_dir": run_settings.build_dir,
                "run_id": context.run_id,
            }
        )
        run_settings.build_dir.mkdir(parents=True)

    return Definitions(
        assets=[probe],
        jobs=[define_asset_job("probe_job", selection=[probe])],
        resources={"modelmarket": ModelmarketResource(home=str(settings.home), lock_wait_seconds=30)},
    )


def test_a_run_waits_while_the_lock_is_held_then_holds_it_for_itself_in_its_own_build_folder(settings: Settings):
    seen: list[dict[str, object]] = []
    job = lock_probe_defs(settings, seen).resolve_job_def("probe_job")
    stale = replace(settings, build_id="long-gone-run").build_dir
    stale.mkdir(parents=True)
    holder = hold_the_lock(settings.home, "holder-run", hold_s=2.0)
    released_after = time.monotonic() + 1.5
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    holder.wait()
    assert result.success
    (probe,) = seen
    assert probe["at"] >= released_after  # it waited for the holder to finish
    assert probe["locked"] and probe["holder_pid"] == os.getpid() and probe["holder_run"] == result.run_id
    assert probe["build_dir"] == settings.builds_dir / result.run_id
    assert not stale.exists()  # a build folder no refresh was using, removed once the lock was held
    assert not (settings.builds_dir / result.run_id).exists()  # and its own, when the run ended
    assert not is_locked(settings.lock_path)
    assert read_runs(settings) == []  # a run that does not publish is not a refresh: no record


def test_lock_held_by_caller_is_refused_unless_this_process_holds_the_lock(settings: Settings):
    seen: list[dict[str, object]] = []
    job = lock_probe_defs(settings, seen).resolve_job_def("probe_job")
    claims = {"modelmarket": ModelmarketResource(home=str(settings.home), lock_held_by_caller=True)}
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False, resources=claims)
    assert not result.success and seen == []
    assert "this process does not hold the refresh lock" in error_messages(result)
    with refresh_lock(replace(settings, build_id="caller-run")), DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False, resources=claims)
    assert result.success and len(seen) == 1  # the CLI's case: no deadlock on its own lock


def test_a_holder_that_died_is_recorded_once_as_interrupted(settings: Settings):
    holder = hold_the_lock(settings.home, "killed-run", hold_s=0, how="die")
    assert holder.wait() == -signal.SIGKILL
    assert holder_of(settings.lock_path).run_id == "killed-run"  # its name is still in the lock file
    with refresh_lock(replace(settings, build_id="next-run")):
        pass
    with refresh_lock(replace(settings, build_id="after-that")):
        pass
    (record,) = read_runs(settings)
    assert record["run_id"] == "killed-run" and record["status"] == "failed"
    assert "interrupted" in record["message"] and "unchanged" in record["message"]
    assert not (settings.builds_dir / "killed-run").exists()  # its build folder went with it
    assert holder_of(settings.lock_path) is None  # a clean release leaves no name behind


@pytest.mark.parametrize("wait_s", [0.0, 0.8])
def test_a_second_holder_is_told_who_holds_the_lock(settings: Settings, wait_s: float):
    from orchestration.locking import RefreshBusy

    holder = hold_the_lock(settings.home, "holder-run", hold_s=30)
    told: list[str] = []
    try:
        started = time.monotonic()
        second = refresh_lock(replace(settings, build_id="second"), wait_s=wait_s, on_wait=told.append)
        with pytest.raises(RefreshBusy, match=rf"pid {holder.pid}, run holder-run, started by cli"), second:
            pytest.fail("two holders at once")
        assert time.monotonic() - started >= wait_s
        assert bool(told) == bool(wait_s)  # a waiting run says what it waits for
        assert (settings.builds_dir / "holder-run" / "market.duckdb").exists()
    finally:
        holder.kill()
        holder.wait()

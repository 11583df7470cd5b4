"""The refresh log and the timings log survive torn and garbage lines; every record is one write, on its own line."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta

import pytest

from ingest.settings import Settings
from orchestration import cli
from orchestration.runlog import RefreshRun, append_line, read_runs, record_run
from orchestration.status import collect_status
from orchestration.timings import RefreshTimings, latest_timings, record_timings

T0 = datetime(2026, 11, 30, 2, 0, 0)


def a_run(run_id: str, status: str = "published") -> RefreshRun:
    return RefreshRun(run_id, T0, T0 + timedelta(seconds=40), status, files_loaded=3, message="")


GARBAGE = [
    pytest.param(b'{"run_id": "torn", "status": "publ', id="torn-last-line"),
    pytest.param(b"\xff\xfe\x00 not utf-8", id="not-utf-8"),
    pytest.param(b"[1, 2, 3]", id="json-not-an-object"),
    pytest.param(b'{"run_id": "r0"}', id="object-missing-fields"),
    pytest.param(b"\x00" * 64, id="zeros-from-a-crash"),
    pytest.param(b"   ", id="blank"),
]


@pytest.mark.parametrize("garbage", GARBAGE)
def test_a_damaged_line_is_skipped_and_the_next_record_starts_a_line_of_its_own(settings: Settings, garbage: bytes):
    record_run(settings, a_run("r1"))
    with settings.refresh_log_path.open("ab") as handle:
        handle.write(garbage)  # no newline: what a crash in the middle of a write leaves
    record_run(settings, a_run("r2", "failed"))
    runs = read_runs(settings)
    assert [(r["run_id"], r["status"]) for r in runs] == [("r1", "published"), ("r2", "failed")]
    assert runs[0]["files_loaded"] == 3 and runs[0]["duration_s"] == 40.0


@pytest.mark.parametrize("garbage", GARBAGE)
def test_status_reports_the_last_good_record_through_damaged_lines(
    settings: Settings, garbage: bytes, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    record_run(settings, a_run("r1", "failed"))
    with settings.refresh_log_path.open("ab") as handle:
        handle.write(b"\n" + garbage + b"\n" + garbage)
    status = collect_status(settings)
    assert status.last_run is not None and status.last_run["run_id"] == "r1"
    monkeypatch.setenv("MODELMARKET_HOME", str(settings.home))
    assert cli.main(["status"]) == 0
    assert "last refresh: failed" in capsys.readouterr().out


def test_a_record_is_one_write_followed_by_fsync(settings: Settings, monkeypatch: pytest.MonkeyPatch):
    calls: list[tuple[str, int]] = []
    real_write, real_fsync = os.write, os.fsync
    monkeypatch.setattr(os, "write", lambda fd, data: calls.append(("write", len(data))) or real_write(fd, data))
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(("fsync", fd)) or real_fsync(fd))
    record_run(settings, a_run("r1"))
    assert [name for name, _ in calls] == ["write", "fsync"]
    assert calls[0][1] == settings.refresh_log_path.stat().st_size  # the whole line in that one write


def test_a_short_write_is_an_error_not_a_silent_half_record(settings: Settings, monkeypatch: pytest.MonkeyPatch):
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[:10]))
    with pytest.raises(OSError, match="only 10 of"):
        append_line(settings.refresh_log_path, {"run_id": "r1"})


def test_the_latest_timings_skip_a_torn_line(settings: Settings):
    record_timings(settings, RefreshTimings("r1", 1.0, 30.0, {"warehouse_dbt": 20.0}))
    with settings.refresh_timings_path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"run_id": "r2", "startup_s": 1.0})[:20])
    latest = latest_timings(settings)
    assert latest is not None and latest.run_id == "r1" and latest.steps == {"warehouse_dbt": 20.0}
    record_timings(settings, RefreshTimings("r3", 2.0, 31.0, {}))
    assert latest_timings(settings).run_id == "r3"

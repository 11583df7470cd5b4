"""Write–audit–publish for the DuckDB warehouse (DESIGN §5).

A refresh builds into a private copy (warehouse/.build/market.duckdb), and only a build whose checks all
passed replaces the published file, atomically with `os.replace`, keeping the one before as
market.previous.duckdb. Readers open the published file read-only and keep their snapshot while it is
replaced. One refresh at a time: an exclusive lock file, released by the OS if the process dies.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest.settings import Settings
from orchestration import published

STORAGE_COMPATIBILITY = "v1.5.0"  # so DuckDB clients from 1.5 on (e.g. the duckdb-cli on PyPI) can open it


class RefreshBusy(RuntimeError):
    """Another refresh holds the lock."""


class NothingToRollBack(RuntimeError):
    """There is no previous warehouse to restore."""


@contextmanager
def refresh_lock(settings: Settings) -> Iterator[None]:
    """Hold the refresh lock for the duration; raise RefreshBusy at once if another process has it."""
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    handle = settings.lock_path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RefreshBusy(f"another refresh is running (pid {holder}); try again when it has finished") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def refresh_running(settings: Settings) -> bool:
    """Whether a refresh (CLI or otherwise) holds the refresh lock right now; takes no lock itself."""
    if not settings.lock_path.exists():
        return False
    with settings.lock_path.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def prepare_build(settings: Settings, log: Callable[[str], None] = lambda _message: None) -> Path:
    """Start a build from a copy of the published warehouse (so incremental models keep their state).

    Leftovers of a crashed build are removed first; the published file is only ever read here. The copy is
    used only when it reads and its incremental state agrees with the load log; otherwise, and when a full
    rebuild was requested (`modelmarket refresh --full`), the build starts empty, so dbt builds every model
    from raw/, and `log` gets one line saying why.
    """
    if settings.build_dir.exists():
        shutil.rmtree(settings.build_dir)
    settings.build_dir.mkdir(parents=True)
    if published.take_full_rebuild_request(settings):
        log("building from raw/: a full rebuild was requested")
        return settings.build_path
    if settings.published_path.exists():
        tmp = settings.build_path.with_suffix(".copying")
        shutil.copyfile(settings.published_path, tmp)  # the file only: a `.wal` beside it is never carried over
        reason = published.reason_not_to_build_on(settings, tmp)
        if reason is not None:
            tmp.unlink()
            log(f"building from raw/: {reason}")
            return settings.build_path
        os.replace(tmp, settings.build_path)
    return settings.build_path


@dataclass
class RefreshRun:
    run_id: str
    started_at: datetime
    finished_at: datetime
    status: str  # published | failed
    files_loaded: int = 0
    files_quarantined: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str = ""

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


def record_run(settings: Settings, run: RefreshRun) -> None:
    """Append one line to warehouse/refresh_log.jsonl (published or failed; read by `modelmarket status`)."""
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    doc = asdict(run) | {"duration_s": round(run.duration_s, 3)}
    doc["started_at"] = run.started_at.isoformat()
    doc["finished_at"] = run.finished_at.isoformat()
    with settings.refresh_log_path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(doc) + "\n")


def read_runs(settings: Settings) -> list[dict[str, object]]:
    if not settings.refresh_log_path.exists():
        return []
    lines = settings.refresh_log_path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _stamp_refresh_run(build: Path, run: RefreshRun, quality_results: list[Path]) -> None:
    """Record this run in audit.refresh_runs and every run's quality results in audit.quality_results."""
    with duckdb.connect(str(build)) as con:
        con.execute("create schema if not exists audit")
        con.execute(
            """
            create table if not exists audit.refresh_runs (
                run_id varchar, started_at timestamp, published_at timestamp, status varchar,
                files_loaded bigint, files_quarantined bigint, rows_loaded bigint, rows_rejected bigint,
                duration_s double
            )
            """
        )
        con.execute(
            "insert into audit.refresh_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run.run_id,
                run.started_at,
                run.finished_at,
                run.status,
                run.files_loaded,
                run.files_quarantined,
                run.rows_loaded,
                run.rows_rejected,
                run.duration_s,
            ],
        )
        if quality_results:
            con.execute(
                "create or replace table audit.quality_results as "
                "select * from read_parquet(?, union_by_name = true) order by checked_at, suite",
                [[str(p) for p in quality_results]],
            )
        con.execute("checkpoint")


def publish(settings: Settings, run: RefreshRun) -> Path:
    """Replace the published warehouse with the audited build; keep the old one as previous."""
    build = settings.build_path
    if not build.exists():
        raise FileNotFoundError(f"no build to publish at {build}")
    results_dir = settings.quality_results_dir
    _stamp_refresh_run(build, run, sorted(results_dir.glob("*.parquet")) if results_dir.is_dir() else [])
    published.seal_build(settings)  # checkpointed, no .wal, mode 0444; the old file's stale .wal set aside
    if settings.published_path.exists():
        # A hard link is instant and leaves the published path in place until the replace below.
        tmp_prev = settings.previous_path.with_suffix(".tmp")
        tmp_prev.unlink(missing_ok=True)
        os.link(settings.published_path, tmp_prev)
        os.replace(tmp_prev, settings.previous_path)
    os.replace(build, settings.published_path)
    _fsync_dir(settings.warehouse_dir)
    shutil.rmtree(settings.build_dir, ignore_errors=True)
    return settings.published_path


def rollback(settings: Settings) -> Path:
    """Make the previous warehouse the published one again (the current one becomes previous)."""
    with refresh_lock(settings):
        if not settings.previous_path.exists():
            raise NothingToRollBack(f"there is no previous warehouse at {settings.previous_path}")
        tmp = settings.warehouse_dir / ".rollback.tmp"
        tmp.unlink(missing_ok=True)
        if settings.published_path.exists():
            os.link(settings.published_path, tmp)
        os.replace(settings.previous_path, settings.published_path)
        if tmp.exists():
            os.replace(tmp, settings.previous_path)
        _fsync_dir(settings.warehouse_dir)
    return settings.published_path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)

"""Write–audit–publish for the DuckDB warehouse.

A refresh builds into a private copy (warehouse/.build/<run id>/market.duckdb), and only a build whose checks all
passed replaces the published file, atomically with `os.replace`, keeping the one before as
market.previous.duckdb. Readers open the published file read-only and keep their snapshot while it is
replaced. One refresh at a time, whoever starts it: an exclusive lock file, released by the OS if the process dies.

Publish and rollback are ordered so that a kill at any point leaves a valid state: the published file is always a
complete warehouse, and the previous one a different, older generation (or, inside a rollback, absent for a moment).
At worst one hard link is left in a temporary name; the next holder of the lock finishes or discards it by comparing
inodes, records the run of a holder that died, and removes the build folders no refresh is using.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb

from ingest.settings import Settings
from orchestration import published
from orchestration.locking import Holder, RefreshBusy, hold, is_locked
from orchestration.runlog import RefreshRun, read_runs, record_run, recorded, run_counts, utcnow

BUILD_ALIAS = "current"  # warehouse/.build/current: the build folder of the run holding the lock, as dbt sees it
STORAGE_COMPATIBILITY = "v1.5.0"  # so DuckDB clients from 1.5 on (e.g. the duckdb-cli on PyPI) can open it
__all__ = [  # RefreshBusy, RefreshRun and the run log's functions are imported from here by their readers
    "NothingToRollBack",
    "build_alias",
    "RefreshBusy",
    "RefreshRun",
    "prepare_build",
    "publish",
    "read_runs",
    "record_run",
    "refresh_lock",
    "refresh_running",
    "remove_build",
    "rollback",
    "utcnow",
]


class NothingToRollBack(RuntimeError):
    """There is no previous warehouse to restore."""


@contextmanager
def refresh_lock(
    settings: Settings, by: str = "cli", wait_s: float = 0.0, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the refresh lock for the duration (waiting up to `wait_s`, else RefreshBusy), on behalf of the run
    `settings.build_id`. Once acquired: tidy up after an interrupted publish or rollback, record the run of a
    holder that died, and remove every build folder but this run's (no other refresh can be using one)."""
    holder = Holder(os.getpid(), settings.build_id, by, utcnow().isoformat(timespec="seconds"))
    with hold(settings.lock_path, holder, wait_s, on_wait) as died:
        _finish_interrupted_swap(settings)
        if died is not None and died.run_id:
            _record_interrupted(settings, died)
        _remove_stale_builds(settings)
        yield


def refresh_running(settings: Settings) -> bool:
    """Whether a refresh (CLI or otherwise) holds the refresh lock right now; takes no lock itself."""
    return is_locked(settings.lock_path)


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
    # 1. a hard link keeps the published file as previous-to-be; 2. the build replaces it (the commit);
    # 3. the link becomes previous. Killed after 1 or 2, the next lock holder discards or finishes the link.
    _swap(settings, build, _previous_tmp(settings))
    shutil.rmtree(settings.build_dir, ignore_errors=True)
    return settings.published_path


def rollback(settings: Settings) -> Path:
    """Make the previous warehouse the published one again (the current one becomes previous)."""
    with refresh_lock(settings, by="rollback"):
        if not settings.previous_path.exists():
            raise NothingToRollBack(f"there is no previous warehouse at {settings.previous_path}")
        for database in (settings.published_path, settings.previous_path):  # an analyst's session left a .wal
            published.set_aside_wal(settings, database)
        # the same three steps as publish, with the previous file as the one coming in
        _swap(settings, settings.previous_path, _rollback_tmp(settings))
    return settings.published_path


def _previous_tmp(settings: Settings) -> Path:
    return settings.previous_path.with_suffix(".tmp")


def _rollback_tmp(settings: Settings) -> Path:
    return settings.warehouse_dir / ".rollback.tmp"


def _swap(settings: Settings, incoming: Path, link: Path) -> None:
    """Make `incoming` the published file and the published one previous, through the hard link `link`."""
    target = settings.published_path
    link.unlink(missing_ok=True)
    if target.exists():
        os.link(target, link)
    try:
        os.replace(incoming, target)
    except BaseException:
        link.unlink(missing_ok=True)  # nothing was published: the link goes, published and previous are as before
        raise
    _fsync_dir(settings.warehouse_dir)
    if link.exists():
        os.replace(link, settings.previous_path)
        _fsync_dir(settings.warehouse_dir)


def _finish_interrupted_swap(settings: Settings) -> None:
    """A link left by a killed publish or rollback: discard it if the swap had not committed, else finish it."""
    target = settings.published_path
    for link in (_previous_tmp(settings), _rollback_tmp(settings)):
        if not link.exists():
            continue
        if target.exists() and os.path.samefile(target, link):
            link.unlink()  # still the published file: the swap never happened
        else:
            os.replace(link, settings.previous_path if target.exists() else target)
        _fsync_dir(settings.warehouse_dir)


def _record_interrupted(settings: Settings, died: Holder) -> None:
    """The one record of a run whose process died holding the lock (unless it recorded itself before dying)."""
    if recorded(settings, died.run_id):
        return
    published = _published_has_run(settings, died.run_id)
    if published:
        status, outcome = "published_with_warnings", "after publishing; its later steps may not have run"
    else:
        status, outcome = "failed", "before publishing; the published warehouse is unchanged"
    now = utcnow()
    try:
        started = datetime.fromisoformat(died.since)
    except ValueError:
        started = now
    message = f"interrupted: the refresh ({died.describe()}) was killed or crashed {outcome}"
    counts = run_counts(settings, died.run_id)
    record_run(settings, RefreshRun(died.run_id, started, now, status, **counts, message=message))


def _published_has_run(settings: Settings, run_id: str) -> bool:
    try:
        with duckdb.connect(str(settings.published_path), read_only=True) as con:
            found = con.execute("select count(*) from audit.refresh_runs where run_id = ?", [run_id]).fetchone()
    except (duckdb.Error, OSError):
        return False
    return bool(found and found[0])


def _remove_stale_builds(settings: Settings) -> None:
    """Build folders of runs that no longer run (the lock is held: no other refresh is building)."""
    if not settings.builds_dir.is_dir():
        return
    for child in settings.builds_dir.iterdir():
        if child == settings.build_dir:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def build_alias(settings: Settings) -> Settings:
    """Point warehouse/.build/current at this run's build folder and return settings that name it so.

    dbt gets the build's paths in its vars, and vars that change every night would cost a full parse every night
    (dbt's partial parsing keys on them): so dbt always sees the same name, a link to the folder of the run that
    holds the lock.
    """
    alias = settings.builds_dir / BUILD_ALIAS
    tmp = settings.builds_dir / f".{BUILD_ALIAS}.{settings.build_id}"
    tmp.unlink(missing_ok=True)
    os.symlink(settings.build_dir.name, tmp)
    os.replace(tmp, alias)
    return replace(settings, build_id=BUILD_ALIAS)


def remove_build(settings: Settings) -> None:
    """This run's build folder, whatever state it is in (after a failure, nothing of it is worth keeping)."""
    shutil.rmtree(settings.build_dir, ignore_errors=True)
    alias = settings.builds_dir / BUILD_ALIAS
    if alias.is_symlink() and os.readlink(alias) == settings.build_dir.name:
        alias.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

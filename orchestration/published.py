"""The published warehouse file: how every reader opens it, how a build is sealed before it replaces it, and how
a refresh checks the copy it builds on.

The published file belongs to the analysts: they may open it with any DuckDB client, read-write included (the
DuckDB CLI's default). So:
- every reader (dashboard, `sql`, `status`, `export`, `docs`) opens it with `open_published`, which answers a
  locked, damaged or foreign file with one `PublishedUnavailable` line saying what is wrong and what to do;
- a build is published checkpointed, without a write-ahead log, and read-only (mode 0444); a `.wal` left beside
  the published file by a read-write session belongs to the old file and is set aside (kept, not deleted) before
  the new file takes its place, because DuckDB refuses to open a database with another file's log;
- a refresh builds on a copy of the published file only when the copy reads and its incremental state (the usage
  rollup, rows per file version) agrees with the load log; otherwise it builds from raw/, and says why.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb

from ingest.settings import Settings

PUBLISHED_MODE = 0o444
HEADER_BYTES = 3 * 4096  # DuckDB's file header and two database headers precede the blocks
INCREMENTAL_TABLE = ("intermediate", "int_usage_files_aggregated")  # the only state a build carries over
INCREMENTAL_RELATION = "customers__usage"  # the raw relation (and load-log folder) it rolls up
DBT_SCHEMAS = frozenset({"marts", "intermediate", "staging"})
FULL_REBUILD_MARKER = ".full-rebuild-requested"
STALE_WAL_DIR = "stale-wal"

Problem = Literal["missing", "locked", "damaged"]


class PublishedUnavailable(RuntimeError):
    """The published warehouse cannot be read right now; the message is one line: what is wrong, what to do."""

    def __init__(self, message: str, problem: Problem, detail: str = "") -> None:
        super().__init__(message)
        self.problem = problem
        self.detail = detail  # what DuckDB or the length check said, without the path


def wal_path(database: Path) -> Path:
    """Where DuckDB keeps the write-ahead log of a database file."""
    return database.with_name(database.name + ".wal")


# --- readers ------------------------------------------------------------------------------------------


def open_published(path: Path, config: Mapping[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse, checked to be readable; the caller closes it.

    Raises PublishedUnavailable when the file is missing, locked by a read-write session, truncated, damaged or
    not a DuckDB database.
    """
    if not path.exists():
        raise PublishedUnavailable(f"no published warehouse at {path}; run `modelmarket refresh` first", "missing")
    try:
        con = duckdb.connect(str(path), read_only=True, config=dict(config or {}))
    except duckdb.Error as err:
        raise unavailable(path, err) from None
    try:
        _check_readable(con, path)
    except BaseException:
        con.close()
        raise
    return con


def verify_published(path: Path) -> None:
    """Raise PublishedUnavailable unless the published warehouse opens and holds every block its tables use.

    Reading the catalog (what every reader does on opening) misses a file cut short after its metadata; this
    also compares the file's length with the last block of every table (~50 ms for the tiny demo).
    """
    with open_published(path) as con:
        try:
            last_block = _last_block(con)
            block_size = con.execute("select block_size from pragma_database_size() limit 1").fetchone()
        except duckdb.Error as err:
            raise unavailable(path, err) from None
    if last_block is None or block_size is None:
        return
    expected = HEADER_BYTES + (last_block + 1) * int(block_size[0])
    actual = path.stat().st_size
    if actual < expected:
        raise PublishedUnavailable(
            f"the published warehouse {path} is damaged (truncated: {actual:,} bytes of at least {expected:,}); "
            "run `modelmarket refresh` to rebuild it from raw/ (or `modelmarket rollback`)",
            "damaged",
            f"truncated: {actual:,} bytes of at least {expected:,}",
        )


def _last_block(con: duckdb.DuckDBPyConnection) -> int | None:
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
    ).fetchall()
    last: int | None = None
    for schema, table in tables:
        name = f'"{schema.replace(chr(34), chr(34) * 2)}"."{table.replace(chr(34), chr(34) * 2)}"'
        row = con.execute("select max(block_id) from pragma_storage_info(?) where persistent", [name]).fetchone()
        if row is not None and row[0] is not None:
            last = int(row[0]) if last is None else max(last, int(row[0]))
    return last


def unavailable(path: Path, err: BaseException) -> PublishedUnavailable:
    """The one-line explanation of a DuckDB error raised while opening or reading the published file."""
    text = (str(err).strip().splitlines() or [type(err).__name__])[0]
    if "Could not set lock" in text:
        holder = re.search(r"\(PID (\d+)\)", text)
        who = f"process {holder.group(1)}" if holder else "another process"
        return PublishedUnavailable(
            f"the published warehouse {path} is locked: {who} has it open for writing; close that session "
            f"(analysts open it read-only: `duckdb -readonly {path.name}` or `modelmarket sql`) and try again",
            "locked",
            f"held by {who}",
        )
    if "WAL" in text:
        return PublishedUnavailable(
            f"the published warehouse {path} has a write-ahead log ({wal_path(path).name}) that does not belong to "
            "it, left by a read-write session; run `modelmarket refresh` to set it aside and publish again",
            "damaged",
            "a write-ahead log of another file beside it",
        )
    return PublishedUnavailable(
        f"the published warehouse {path} is damaged or not a DuckDB database ({text}); "
        "run `modelmarket refresh` to rebuild it from raw/ (or `modelmarket rollback`)",
        "damaged",
        text.replace(str(path), path.name),
    )


def _check_readable(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read the catalog: a file that is not DuckDB's, or cut short in its metadata, fails here."""
    try:
        con.execute("select count(*) from information_schema.tables").fetchall()
    except duckdb.Error as err:
        raise unavailable(path, err) from None


# --- publishing ---------------------------------------------------------------------------------------


def seal_build(settings: Settings) -> Path | None:
    """Make the audited build publishable: checkpointed, no `.wal`, mode 0444; set the old file's `.wal` aside.

    Returns where a stale write-ahead log of the published file was moved, if there was one.
    """
    build = settings.build_path
    if wal_path(build).exists():
        with duckdb.connect(str(build)) as con:
            con.execute("checkpoint")
    if wal_path(build).exists():
        raise RuntimeError(f"the build {build} still has a write-ahead log after a checkpoint; not publishing it")
    os.chmod(build, PUBLISHED_MODE)
    return set_aside_wal(settings, settings.published_path)


def set_aside_wal(settings: Settings, database: Path) -> Path | None:
    """Move a `.wal` beside `database` to warehouse/stale-wal/ (kept for whoever wrote it); returns its new path."""
    wal = wal_path(database)
    if not wal.exists():
        return None
    folder = settings.warehouse_dir / STALE_WAL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{wal.name}.{stamp}"
    try:
        os.replace(wal, target)
    except FileNotFoundError:  # its session checkpointed and removed it meanwhile
        return None
    return target


# --- what a refresh builds on -------------------------------------------------------------------------


def request_full_rebuild(settings: Settings) -> None:
    """Make the next build start from raw/ instead of the published copy (`modelmarket refresh --full`).

    The request is a file, so it stands until a build has used it (a refresh that fails before building
    leaves it for the next one).
    """
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    (settings.warehouse_dir / FULL_REBUILD_MARKER).write_text("requested\n", encoding="utf-8")


def take_full_rebuild_request(settings: Settings) -> bool:
    """Whether a full rebuild was requested; the request is used up."""
    marker = settings.warehouse_dir / FULL_REBUILD_MARKER
    if not marker.exists():
        return False
    marker.unlink(missing_ok=True)
    return True


def reason_not_to_build_on(settings: Settings, copy: Path) -> str | None:
    """Why a copy of the published warehouse must not be built on (None: it is sound).

    It must open and read; a warehouse built by dbt must have its incremental usage rollup, and the rollup's
    rows per file version must equal the load log's loaded rows for that version (an analyst's delete or
    insert in a read-write session shows up here).
    """
    try:
        verify_published(copy)
        con = open_published(copy)
    except PublishedUnavailable as err:
        return f"the published warehouse is {err.problem} ({err.detail})"
    try:
        with con:
            return _incremental_disagreement(settings, con)
    except duckdb.Error as err:
        return f"the published warehouse cannot be read ({str(err).splitlines()[0]})"


def _incremental_disagreement(settings: Settings, con: duckdb.DuckDBPyConnection) -> str | None:
    schemas = {name for (name,) in con.execute("select schema_name from information_schema.schemata").fetchall()}
    if not schemas & DBT_SCHEMAS:
        return None  # not a dbt build (nothing incremental in it)
    schema, table = INCREMENTAL_TABLE
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()
    if not found or not found[0]:
        return f"the published warehouse has no {schema}.{table}"
    if settings.engine != "duckdb":
        return None  # on Spark the incremental state lives in Spark's own warehouse
    built = con.execute(
        f'select _source_file, _file_sha256, sum(line_count) from "{schema}"."{table}" group by all'
    ).fetchall()
    loaded = _loaded_rows_per_version(settings)
    wrong = [
        (source_file, int(rows or 0), loaded.get((source_file, sha256)))
        for source_file, sha256, rows in built
        if loaded.get((source_file, sha256)) != int(rows or 0)
    ]
    if not wrong:
        return None
    source_file, rows, expected = sorted(wrong, key=lambda item: str(item[0]))[0]
    said = "not in the load log" if expected is None else f"{expected:,} in the load log"
    return (
        f"its usage rollup disagrees with the load log for {len(wrong)} file version(s) "
        f"(e.g. {source_file}: {rows:,} rows in the warehouse, {said})"
    )


def _loaded_rows_per_version(settings: Settings) -> dict[tuple[str, str], int]:
    import polars as pl  # here, not at import: the dashboard imports this module to open the file

    from ingest import archive

    log = archive.read_load_log(settings, INCREMENTAL_RELATION).filter(pl.col("status") == "loaded")
    latest = log.sort("loaded_at", "load_id").group_by("source_file", "file_sha256", maintain_order=True).last()
    return {
        (str(row["source_file"]), str(row["file_sha256"])): int(row["loaded_rows"] or 0)
        for row in latest.select("source_file", "file_sha256", "loaded_rows").iter_rows(named=True)
    }

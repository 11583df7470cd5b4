"""`modelmarket export`: write marts of the published warehouse to Parquet or CSV files for analysts.

The connection is read-only. Table names come from the warehouse's own `information_schema` (a requested mart
must be one of them) and are quoted as identifiers; the output path is a bound parameter of `COPY`. CSV is
written by `dashboards.safe_csv` (as `modelmarket sql --csv`): text cells a spreadsheet would run as a formula
get a leading `'` unless `raw`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dashboards.safe_csv import write_csv
from orchestration.published import PublishedUnavailable, open_published

MARTS_SCHEMA = "marts"
FORMATS: tuple[str, ...] = ("parquet", "csv")
PARQUET_OPTIONS = "(format parquet, compression zstd)"
CSV_BATCH_ROWS = 50_000


class ExportError(ValueError):
    """A request the warehouse cannot satisfy (no warehouse, unknown mart, unknown format); one line."""


@dataclass(frozen=True)
class Exported:
    mart: str
    path: Path
    rows: int


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def list_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables and views of schema marts, sorted."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by table_name",
        [MARTS_SCHEMA],
    ).fetchall()
    return [str(name) for (name,) in rows]


def export_marts(
    warehouse: Path,
    out_dir: Path,
    fmt: str,
    marts: Sequence[str] = (),
    progress: Callable[[str], None] = lambda _message: None,
    raw: bool = False,
) -> list[Exported]:
    """Write each mart (default: every one) to `out_dir/<mart>.<fmt>`; returns what was written.

    `raw`: CSV cells are written as they are, formula-looking text included.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        con = open_published(warehouse)  # one line for a missing, locked or damaged file
    except PublishedUnavailable as err:
        raise ExportError(str(err)) from None
    with con:
        available = list_marts(con)
        unknown = [name for name in marts if name not in available]
        if unknown:
            raise ExportError(f"unknown mart {', '.join(unknown)}; marts: {', '.join(available)}")
        chosen = list(dict.fromkeys(marts)) or available
        out_dir.mkdir(parents=True, exist_ok=True)
        written: list[Exported] = []
        for index, mart in enumerate(chosen, start=1):
            path = out_dir / f"{mart}.{fmt}"
            table = f"{_identifier(MARTS_SCHEMA)}.{_identifier(mart)}"
            if fmt == "csv":
                count = _write_csv(con, table, path, raw)
            else:
                rows = con.execute(f"copy {table} to ? {PARQUET_OPTIONS}", [str(path)]).fetchone()
                count = int(rows[0]) if rows else 0
            progress(f"[{index}/{len(chosen)}] {mart}: {count:,} rows → {path}")
            written.append(Exported(mart=mart, path=path, rows=count))
    return written


def _write_csv(con: duckdb.DuckDBPyConnection, table: str, path: Path, raw: bool) -> int:
    """`table` (a quoted name) as CSV at `path`, streamed in batches; returns the rows written."""
    cursor = con.execute(f"select * from {table}")
    header = [column[0] for column in cursor.description]
    with path.open("w", encoding="utf-8", newline="") as handle:
        return write_csv(handle, header, iter(lambda: cursor.fetchmany(CSV_BATCH_ROWS), []), raw=raw)

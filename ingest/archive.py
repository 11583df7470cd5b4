"""The raw archive: accepted rows as Parquet, the load log, rejected rows, quarantine, and the manifest.

Everything under raw/ is append-only: a new version of a landing file gets a new raw file; the manifest
(raw/_manifest/<relation>.parquet, rewritten atomically) lists which raw files are current, and dbt reads
only those. Every write goes to a temporary name first and is published with `os.replace`.

Raw files of one relation need not share a schema (an extra column in one delivery, or bookkeeping columns
added later): every reader in Python goes through `scan_union`/`scan_raw`, which unions them by name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import polars as pl

from ingest.contracts import LOAD_LOG_COLUMNS, REJECTED_ROWS_COLUMNS, Dataset, Kind
from ingest.settings import Settings

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _schema(columns: list[tuple[str, Kind]]) -> dict[str, pl.DataType]:
    return {name: kind.dtype for name, kind in columns}


def atomic_write_parquet(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        frame.write_parquet(tmp, statistics=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # only left when the write failed


def atomic_sink_parquet(frame: pl.LazyFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        frame.sink_parquet(tmp, statistics=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # only left when the write failed (a file whose rows cannot be typed)


def file_stem(relpath: str, sha256: str) -> str:
    """A readable, collision-free name for one version of one landing file."""
    name = _SAFE.sub("_", Path(relpath).stem)[:60]
    path_key = hashlib.sha256(relpath.encode()).hexdigest()[:8]
    return f"{name}.{path_key}.{sha256[:12]}"


def raw_relpath_for(dataset: Dataset, relpath: str, sha256: str) -> str:
    """Where one version of a landing file is archived, relative to raw/ (the load log stores this)."""
    return f"{dataset.source}/{dataset.name}/{file_stem(relpath, sha256)}.parquet"


def quarantine(settings: Settings, source_path: Path, relpath: str, sha256: str, reason: str) -> Path:
    """Copy a rejected file into quarantine/ with a JSON reason beside it; the landing file stays.

    `source_path` is the private copy whose bytes were hashed and read, so the quarantined file is exactly them.
    """
    parts = relpath.split("/")
    folder = settings.quarantine_dir.joinpath(*parts[:2]) if len(parts) >= 3 else settings.quarantine_dir / "_other"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{file_stem(relpath, sha256)}{source_path.suffix.lower()}"
    if source_path.is_file() and not source_path.is_symlink():
        shutil.copyfile(source_path, target)
    reason_doc = {
        "landing_path": relpath,
        "sha256": sha256,
        "reason": reason,
        "quarantined_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    target.with_name(target.name + ".reason.json").write_text(json.dumps(reason_doc, indent=2, ensure_ascii=False))
    return target


# --- load log ---------------------------------------------------------------------------------
def _log_folder(settings: Settings, relation: str) -> Path:
    return settings.load_log_dir / relation


def read_load_log(settings: Settings, relation: str | None = None) -> pl.DataFrame:
    """All load-log entries (of one relation's folder, or all), oldest first."""
    folder = settings.load_log_dir if relation is None else _log_folder(settings, relation)
    files = sorted(folder.rglob("*.parquet")) if folder.is_dir() else []
    return scan_union(files, _schema(LOAD_LOG_COLUMNS)).collect().sort("loaded_at", "load_id")


def append_load_log(settings: Settings, relation: str, entries: Iterable[dict[str, object]]) -> None:
    rows = list(entries)
    if not rows:
        return
    frame = pl.DataFrame(rows, schema=_schema(LOAD_LOG_COLUMNS))
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    atomic_write_parquet(frame, _log_folder(settings, relation) / f"{stamp}-{uuid.uuid4().hex[:8]}.parquet")


def write_rejected_rows(settings: Settings, dataset: Dataset, stem: str, rows: pl.DataFrame) -> None:
    if rows.height == 0:
        return
    frame = rows.select(list(_schema(REJECTED_ROWS_COLUMNS))).cast(_schema(REJECTED_ROWS_COLUMNS))
    atomic_write_parquet(frame, settings.rejected_rows_dir / dataset.relation / f"{stem}.parquet")


RETIRES = ("loaded", "duplicate")  # a path's latest entry of these says what it holds now


def current_versions(log: pl.DataFrame) -> pl.DataFrame:
    """Per landing path, the latest version that loaded: a quarantined re-delivery keeps the earlier rows.

    A path re-delivered with bytes that are current under another path (status `duplicate`) holds nothing of
    its own any more: its earlier version stops being current, so those bytes count once.
    """
    latest = (
        log.filter(pl.col("status").is_in(RETIRES))
        .sort("loaded_at", "load_id")
        .group_by("source_file", maintain_order=True)
        .last()
    )
    return latest.filter(pl.col("status") == "loaded")


def current_raw_paths(settings: Settings, dataset: Dataset) -> list[Path]:
    """The raw files holding the dataset's current rows (the latest loaded version of each landing path)."""
    log = read_load_log(settings, dataset.relation)
    return [settings.raw_dir / p for p in current_versions(log)["raw_path"].to_list() if p]


def scan_union(files: list[Path], schema: dict[str, pl.DataType], columns: list[str] | None = None) -> pl.LazyFrame:
    """Parquet files unioned by name: `schema`'s columns first (with its types; null where a file lacks one),
    then every other column any file has, in order of first appearance (null where a file lacks it).

    `columns` selects (and orders) the output; a requested column no file has is null.
    """
    unified = dict(schema)
    file_schemas = [pl.read_parquet_schema(f) for f in files]
    for file_schema in file_schemas:
        for name, dtype in file_schema.items():
            unified.setdefault(name, dtype)
    wanted = list(unified) if columns is None else list(columns)
    out = {name: unified.get(name, pl.String()) for name in wanted}
    unified |= {name: dtype for name, dtype in out.items() if name not in unified}  # requested, in no file
    if not files:
        return pl.DataFrame(schema=out).lazy()
    if all(fs.get(n, t) == t for fs in file_schemas for n, t in unified.items()):  # one scan: the usual case
        frame = pl.scan_parquet(files, schema=unified, missing_columns="insert", extra_columns="ignore")
        return frame.select(wanted)
    parts = [
        pl.scan_parquet(f).select(
            [pl.col(n).cast(out[n]) if n in fs else pl.lit(None, dtype=out[n]).alias(n) for n in wanted]
        )
        for f, fs in zip(files, file_schemas, strict=True)
    ]
    return pl.concat(parts, how="vertical")


def scan_raw(settings: Settings, dataset: Dataset, columns: list[str] | None = None) -> pl.LazyFrame:
    """The dataset's current raw rows in its unified schema: contract and lineage columns typed by the contract
    (null where a file lacks them), extra delivered columns kept. The one way Python reads a dataset's raw/."""
    return scan_union(current_raw_paths(settings, dataset), _schema(dataset.raw_columns), columns)


def scan_rejected_rows(settings: Settings) -> pl.LazyFrame:
    """Every rejected row of every relation, in the rejected-rows schema."""
    folder = settings.rejected_rows_dir
    files = sorted(folder.rglob("*.parquet")) if folder.is_dir() else []
    return scan_union(files, _schema(REJECTED_ROWS_COLUMNS), [name for name, _ in REJECTED_ROWS_COLUMNS])


def write_manifest(settings: Settings, relation: str, raw_paths: list[str]) -> None:
    frame = pl.DataFrame({"raw_path": sorted(raw_paths)}, schema={"raw_path": pl.String})
    atomic_write_parquet(frame, settings.manifest_dir / f"{relation}.parquet")


def refresh_manifests(settings: Settings, dataset: Dataset) -> list[str]:
    """Rewrite the dataset's manifest (and the audit manifests) from the load log; return current raw paths.

    A dataset that keeps history also gets `<relation>_history`: every version that ever loaded, from which
    dbt keeps the last record of an id that a correction dropped.
    """
    from ingest.history import known_raw_paths  # history reads the load log through this module

    current = [str(p) for p in current_raw_paths(settings, dataset)]
    write_manifest(settings, dataset.relation, current)
    if dataset.keeps_history:
        write_manifest(settings, dataset.history_relation, [str(p) for p in known_raw_paths(settings, dataset)])
    refresh_manifests_audit(settings)
    return current


def refresh_manifests_audit(settings: Settings) -> None:
    for relation, folder in (
        ("audit__load_log", settings.load_log_dir),
        ("audit__rejected_rows", settings.rejected_rows_dir),
    ):
        files = [str(p) for p in folder.rglob("*.parquet")] if folder.is_dir() else []
        write_manifest(settings, relation, files)

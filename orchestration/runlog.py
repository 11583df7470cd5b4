"""The refresh log (warehouse/refresh_log.jsonl): one JSON line per refresh run, however it ended.

A record is appended with one write, then flushed and fsynced, so a crash leaves at worst one torn last line;
readers skip torn, garbage or foreign lines and never fail on them, and the next record starts on a line of its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from ingest import archive
from ingest.settings import Settings

STATUSES = ("published", "published_with_warnings", "failed")
REQUIRED = ("run_id", "status", "started_at", "finished_at", "duration_s")


@dataclass
class RefreshRun:
    run_id: str
    started_at: datetime
    finished_at: datetime
    status: str  # published | published_with_warnings | failed
    files_loaded: int = 0
    files_quarantined: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str = ""

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def to_json(self) -> dict[str, object]:
        doc = asdict(self) | {"duration_s": round(self.duration_s, 3)}
        return doc | {"started_at": self.started_at.isoformat(), "finished_at": self.finished_at.isoformat()}


def append_line(path: Path, doc: dict[str, object]) -> None:
    """Append one JSON line with a single write, then fsync; after a torn last line, start a new line first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(doc, default=str) + "\n").encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(f"only {written} of {len(data)} bytes of a record were written to {path}")
        os.fsync(fd)
    finally:
        os.close(fd)


def read_lines(path: Path) -> Iterator[dict[str, object]]:
    """Every JSON object line of the file; lines that are torn, not UTF-8, not JSON or not an object are skipped."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    for raw in data.split(b"\n"):
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(doc, dict):
            yield doc


def record_run(settings: Settings, run: RefreshRun) -> None:
    """Append the run's one record to warehouse/refresh_log.jsonl (read by `modelmarket status`)."""
    append_line(settings.refresh_log_path, run.to_json())


def read_runs(settings: Settings) -> list[dict[str, object]]:
    """Every well-formed record, oldest first (torn or foreign lines skipped)."""
    return [doc for doc in read_lines(settings.refresh_log_path) if all(key in doc for key in REQUIRED)]


def recorded(settings: Settings, run_id: str) -> bool:
    return any(doc["run_id"] == run_id for doc in read_runs(settings))


def run_counts(settings: Settings, run_id: str) -> dict[str, int]:
    """Files and rows this run loaded, quarantined and rejected, from the load log (zeros if it cannot be read)."""
    try:
        log = archive.read_load_log(settings).filter(pl.col("run_id") == run_id)
        return {
            "files_loaded": log.filter(pl.col("status") == "loaded").height,
            "files_quarantined": log.filter(pl.col("status") == "quarantined").height,
            "rows_loaded": int(log["loaded_rows"].sum() or 0),
            "rows_rejected": int(log["rejected_rows"].sum() or 0),
        }
    except Exception:  # a damaged load log must not stop the run's record from being written
        return dict.fromkeys(("files_loaded", "files_quarantined", "rows_loaded", "rows_rejected"), 0)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)

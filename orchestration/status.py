"""`modelmarket status`: what a person needs to know about the warehouse, read without writing anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

from ingest import archive
from ingest.contracts import LANDING_DATASETS
from ingest.freshness import usage_freshness
from ingest.settings import Settings
from orchestration.published import PublishedUnavailable, open_published, unavailable, verify_published
from orchestration.warehouse import read_runs


@dataclass
class Status:
    published: bool
    published_at: str | None
    last_run: dict[str, object] | None
    last_success: dict[str, object] | None
    mart_rows: dict[str, int] = field(default_factory=dict)
    freshness: list[dict[str, object]] = field(default_factory=list)
    quarantined: list[dict[str, object]] = field(default_factory=list)
    duplicates: list[dict[str, object]] = field(default_factory=list)  # files not loaded: bytes current elsewhere
    rejected_rows: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    usage_newest_date: str | None = None
    usage_age_hours: float | None = None
    usage_fresh: bool | None = None  # newest usage day at most 36 h old
    checks_run_id: str | None = None
    checks_failed: list[dict[str, object]] = field(default_factory=list)  # errors and warnings of the last run
    data_docs: str | None = None
    published_problem: str | None = None  # locked | damaged: the published file exists but cannot be read
    published_message: str | None = None  # what is wrong with it and what to do, one line


def mart_row_counts(settings: Settings) -> dict[str, int]:
    """Rows per table of schema marts; raises PublishedUnavailable when the published file cannot be read."""
    if not settings.published_path.exists():
        return {}
    verify_published(settings.published_path)
    with open_published(settings.published_path) as con:
        try:
            tables = con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by table_name"
            ).fetchall()
            return {name: con.execute(f'select count(*) from marts."{name}"').fetchall()[0][0] for (name,) in tables}
        except duckdb.Error as err:
            raise unavailable(settings.published_path, err) from None


def collect_status(settings: Settings) -> Status:
    runs = read_runs(settings)
    successes = [r for r in runs if r.get("status") == "published"]
    published_at = None
    if settings.published_path.exists():
        published_at = datetime.fromtimestamp(settings.published_path.stat().st_mtime).isoformat(timespec="seconds")
    status = Status(
        published=settings.published_path.exists(),
        published_at=published_at,
        last_run=runs[-1] if runs else None,
        last_success=successes[-1] if successes else None,
    )
    try:
        status.mart_rows = mart_row_counts(settings)
    except PublishedUnavailable as err:
        status.published_problem, status.published_message = err.problem, str(err)
    log = archive.read_load_log(settings)
    for dataset in LANDING_DATASETS:
        entries = log.filter((pl.col("source") == dataset.source) & (pl.col("dataset") == dataset.name))
        current = archive.current_versions(entries)
        status.freshness.append(
            {
                "dataset": dataset.key,
                "current_files": current.height,
                "rows": int(current["loaded_rows"].sum() or 0),
                "last_loaded_at": str(current["loaded_at"].max()) if current.height else None,
            }
        )
    latest = log.sort("loaded_at", "load_id").group_by("source_file", maintain_order=True).last()
    bad = latest.filter(pl.col("status").is_in(["quarantined", "refused", "unrecognised"]))
    status.quarantined = bad.select("source_file", "status", "reason").to_dicts()
    status.duplicates = latest.filter(pl.col("status") == "duplicate").select("source_file", "reason").to_dicts()
    current_all = archive.current_versions(log)
    status.rejected_rows = int(current_all["rejected_rows"].sum() or 0)
    if status.rejected_rows:
        keys = current_all.select("source_file", "file_sha256")
        rows = archive.scan_rejected_rows(settings).join(keys.lazy(), on=["source_file", "file_sha256"], how="semi")
        counts = rows.group_by("reason").len().sort("len", descending=True).collect()
        status.rejected_by_reason = dict(zip(counts["reason"].to_list(), counts["len"].to_list(), strict=True))
    _usage_freshness(settings, status)
    _last_checks(settings, status)
    return status


def _usage_freshness(settings: Settings, status: Status) -> None:
    freshness = usage_freshness(settings)
    if freshness.newest_date is None:
        return
    status.usage_newest_date = str(freshness.newest_date)
    status.usage_age_hours = freshness.age_hours
    status.usage_fresh = freshness.fresh


def _last_checks(settings: Settings, status: Status) -> None:
    folder = settings.quality_results_dir
    files = sorted(folder.glob("*.parquet"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    if not files:
        return
    latest = pl.read_parquet(files[-1])
    status.checks_run_id = files[-1].stem
    failed = latest.filter(~pl.col("success") & pl.col("severity").is_in(["error", "warning"]))
    status.checks_failed = failed.select(
        "severity", "suite", "expectation", "column", "unexpected_count", "sample"
    ).to_dicts()
    index = settings.quality_reports_dir / "index.html"
    status.data_docs = str(index) if index.exists() else None

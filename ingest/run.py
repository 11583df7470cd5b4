"""Ingest one dataset: new or changed landing files → validated → raw archive, rejects, load log, manifest.

A file already loaded with the same bytes is skipped (idempotent). A file re-delivered under the same path
with other bytes is loaded as a new version that replaces the earlier one in the manifest (corrections never
double count). Delivered rows = loaded rows + rejected rows, checked for every file.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import polars as pl

from ingest import archive, landing
from ingest.contracts import INDICATORS, Dataset
from ingest.contracts import dataset as dataset_by_name
from ingest.history import known_raw_paths
from ingest.readers import NOT_UTF8, FileProblem, read_landing_file
from ingest.settings import INDICATOR_CATALOG, Settings
from ingest.validate import REASON, ROW_NUMBER, KnownIds, Validated, validate

Progress = Callable[[str], None]


@dataclass
class FileOutcome:
    relpath: str
    status: str  # loaded | quarantined | refused | unrecognised | unchanged
    delivered: int = 0
    loaded: int = 0
    rejected: int = 0
    reason: str | None = None


@dataclass
class DatasetReport:
    dataset: str
    files: list[FileOutcome] = field(default_factory=list)
    current_files: int = 0

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    def summary(self) -> str:
        new = [f for f in self.files if f.status != "unchanged"]
        if not new and self.current_files == 0:
            return f"{self.dataset}: no files delivered yet; the marts that need it stay empty"
        if not new:
            return f"{self.dataset}: no new files ({self.current_files} current)"
        return (
            f"{self.dataset}: {self.count('loaded')} loaded, {self.count('quarantined')} quarantined, "
            f"{self.rows_loaded:,} rows loaded, {self.rows_rejected:,} rejected ({self.current_files} current files)"
        )


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _catalog_codes() -> set[str]:
    return set(pl.read_csv(INDICATOR_CATALOG, columns=["code"])["code"].to_list())


def _current_ids(settings: Settings, source: str, name: str, column: str) -> set[str]:
    files = known_raw_paths(settings, dataset_by_name(source, name))  # ids a correction dropped stay known
    if not files:
        return set()
    # versions may differ in their optional and extra columns: only the id column is read
    frame = pl.scan_parquet(files, missing_columns="insert", extra_columns="ignore")
    return set(frame.select(column).unique().collect()[column].to_list())


def known_ids(settings: Settings, dataset: Dataset) -> KnownIds:
    """The ids rows of `dataset` may refer to, from the current raw archive (loaded before it) and the catalog."""
    refs = {c.references for c in dataset.columns if c.references}
    vendors: set[str] = set()
    if "vendors" in refs:
        vendors = _current_ids(settings, "market", "vendors", "vendor_id")
        vendors |= _current_ids(settings, "pricing", "genai_prices", "provider_id")
    accounts = _current_ids(settings, "customers", "accounts", "account_id") if "accounts" in refs else set()
    indicators = _catalog_codes() if dataset is INDICATORS or "indicators" in refs else set()
    return KnownIds(vendors=vendors, accounts=accounts, indicators=indicators)


def log_entry(run_id: str, dataset: Dataset | None, relpath: str, sha: str, size: int, **values: object) -> dict:
    entry: dict[str, object] = {
        "load_id": uuid.uuid4().hex,
        "run_id": run_id,
        "source": dataset.source if dataset else relpath.split("/")[0],
        "dataset": dataset.name if dataset else None,
        "source_file": relpath,
        "file_sha256": sha,
        "file_bytes": size,
        "status": None,
        "reason": None,
        "delivered_rows": 0,
        "loaded_rows": 0,
        "rejected_rows": 0,
        "raw_path": None,
        "quarantine_path": None,
        "replaces_sha256": None,
        "loaded_at": now_utc(),
    }
    entry.update(values)
    return entry


def _load_file(
    settings: Settings, dataset: Dataset, item: landing.LandingFile, sha: str, known: KnownIds, today: date
) -> dict[str, object]:
    """Validate and archive one landing file; return the load-log values (status, counts, paths)."""
    try:
        validated = validate(read_landing_file(item.path), dataset, known, today)
        return archive_validated(settings, dataset, item.relpath, sha, validated)
    except FileProblem as problem:
        target = archive.quarantine(settings, item.path, item.relpath, sha, str(problem))
        return {"status": "quarantined", "reason": str(problem), "quarantine_path": str(target)}
    except pl.exceptions.PolarsError as err:  # a problem that only shows while reading the whole file
        detail = str(err).strip().splitlines()[0][:300]
        reason = NOT_UTF8 if "utf-8" in detail.lower() else f"unreadable: {detail}"
        target = archive.quarantine(settings, item.path, item.relpath, sha, reason)
        return {"status": "quarantined", "reason": reason, "quarantine_path": str(target)}


def archive_validated(
    settings: Settings, dataset: Dataset, relpath: str, sha: str, validated: Validated
) -> dict[str, object]:
    """Archive a validated frame: accepted rows to raw Parquet (with lineage), rejected rows with their reason.

    Shared by landing files and bundled sources (reference data), so both pass the same contract and archive.
    Returns the load-log values of a loaded file; raises if delivered != loaded + rejected.
    """
    loaded_at = now_utc()
    counts = validated.frame.select(
        pl.len().alias("delivered"), pl.col(REASON).is_not_null().sum().alias("rejected")
    ).collect()
    delivered, rejected = int(counts["delivered"][0]), int(counts["rejected"][0])
    rel_raw = archive.raw_relpath_for(dataset, relpath, sha)
    lineage = [
        pl.lit(relpath).alias("_source_file"),
        pl.lit(sha).alias("_file_sha256"),
        pl.lit(loaded_at).alias("_loaded_at"),
    ]
    accepted = validated.accepted.with_columns(lineage)
    archive.atomic_sink_parquet(accepted, settings.raw_dir / rel_raw)
    loaded = pl.scan_parquet(settings.raw_dir / rel_raw).select(pl.len()).collect().item()
    if rejected:
        rows = validated.rejected.select(
            pl.lit(dataset.source).alias("source"),
            pl.lit(dataset.name).alias("dataset"),
            pl.lit(relpath).alias("source_file"),
            pl.lit(sha).alias("file_sha256"),
            pl.col(ROW_NUMBER).alias("row_number"),
            pl.col(REASON).alias("reason"),
            pl.col("_row_json").alias("row_json"),
            pl.lit(loaded_at).alias("loaded_at"),
        ).collect()
        archive.write_rejected_rows(settings, dataset, archive.file_stem(relpath, sha), rows)
    if delivered != loaded + rejected:  # the archive's promise; never silently drop a row
        raise RuntimeError(f"{relpath}: delivered {delivered} != loaded {loaded} + rejected {rejected}")
    return {
        "status": "loaded",
        "delivered_rows": delivered,
        "loaded_rows": loaded,
        "rejected_rows": rejected,
        "raw_path": rel_raw,
        "loaded_at": loaded_at,
    }


def ingest_dataset(
    settings: Settings,
    dataset: Dataset,
    run_id: str,
    today: date | None = None,
    progress: Progress | None = None,
) -> DatasetReport:
    say = progress or (lambda _message: None)
    today = today or datetime.now(UTC).date()
    report = DatasetReport(dataset=dataset.key)
    log = archive.read_load_log(settings, dataset.relation)
    seen = set(zip(log["source_file"].to_list(), log["file_sha256"].to_list(), strict=True))
    current = {r["source_file"]: r["file_sha256"] for r in archive.current_versions(log).iter_rows(named=True)}
    items = [f for f in landing.scan(settings.landing_dir) if f.dataset is dataset]
    known: KnownIds | None = None
    entries: list[dict[str, object]] = []
    for item in items:
        sha = landing.sha256_of(item.path) if item.path.is_file() else "-"
        if (item.relpath, sha) in seen:
            report.files.append(FileOutcome(item.relpath, "unchanged"))
            continue
        size = item.path.stat().st_size if item.path.is_file() else 0
        if item.problem:
            values: dict[str, object] = {"status": item.status_if_problem, "reason": item.problem}
        else:
            known = known or known_ids(settings, dataset)
            say(f"{dataset.key}: reading {item.relpath} ({size / 1e6:,.1f} MB)")
            values = _load_file(settings, dataset, item, sha, known, today)
            if item.relpath in current and values["status"] == "loaded":
                values["replaces_sha256"] = current[item.relpath]
        entries.append(log_entry(run_id, dataset, item.relpath, sha, size, **values))
        outcome = FileOutcome(
            item.relpath,
            str(values["status"]),
            int(values.get("delivered_rows", 0)),  # type: ignore[arg-type]
            int(values.get("loaded_rows", 0)),  # type: ignore[arg-type]
            int(values.get("rejected_rows", 0)),  # type: ignore[arg-type]
            values.get("reason"),  # type: ignore[arg-type]
        )
        report.files.append(outcome)
        if outcome.status == "quarantined":
            say(f"{dataset.key}: QUARANTINED {item.relpath}: {outcome.reason}")
    archive.append_load_log(settings, dataset.relation, entries)
    report.current_files = len(archive.refresh_manifests(settings, dataset))
    return report


def report_unrecognised(settings: Settings, run_id: str, progress: Progress | None = None) -> list[FileOutcome]:
    """Log (once per path and content) landing files outside any dataset folder, so nothing is silently ignored."""
    say = progress or (lambda _message: None)
    log = archive.read_load_log(settings, "_other")
    seen = set(zip(log["source_file"].to_list(), log["file_sha256"].to_list(), strict=True))
    entries, outcomes = [], []
    for item in landing.scan(settings.landing_dir):
        if item.dataset is not None:
            continue
        sha = landing.sha256_of(item.path) if item.path.is_file() else "-"
        if (item.relpath, sha) in seen:
            continue
        size = item.path.stat().st_size if item.path.is_file() else 0
        entries.append(
            log_entry(run_id, None, item.relpath, sha, size, status=item.status_if_problem, reason=item.problem)
        )
        outcomes.append(FileOutcome(item.relpath, item.status_if_problem, reason=item.problem))
        say(f"landing: {item.status_if_problem.upper()} {item.relpath}: {item.problem}")
    archive.append_load_log(settings, "_other", entries)
    return outcomes

"""Ingest one dataset: new or changed landing files → validated → raw archive, rejects, load log, manifest.

A file already loaded with the same bytes is skipped (idempotent). A file re-delivered under the same path
with other bytes is loaded as a new version that replaces the earlier one in the manifest (corrections never
double count). Bytes that are already current under another path of the dataset are not loaded again: the
file is logged as `duplicate`, with the path it repeats. Each file is copied to a private staging file while
it is hashed and is parsed from that copy, so the rows loaded are exactly the bytes logged. Anything wrong
with one file quarantines or refuses that file, with the reason; the other files and datasets still load.
Delivered rows = loaded rows + rejected rows, checked for every file.
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
from ingest.readers import NOT_UTF8, FileProblem, first_line, first_long_row, read_landing_file
from ingest.settings import INDICATOR_CATALOG, Settings
from ingest.validate import REASON, ROW_NUMBER, KnownIds, Validated, validate

Progress = Callable[[str], None]


@dataclass
class FileOutcome:
    relpath: str
    status: str  # loaded | quarantined | refused | unrecognised | duplicate | unchanged | deferred (not logged)
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
        others = "".join(
            f", {self.count(status)} {label}"
            for status, label in (("duplicate", "duplicate (not loaded again)"), ("deferred", "still being written"))
            if self.count(status)
        )
        return (
            f"{self.dataset}: {self.count('loaded')} loaded, {self.count('quarantined')} quarantined{others}, "
            f"{self.rows_loaded:,} rows loaded, {self.rows_rejected:,} rejected ({self.current_files} current files)"
        )


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _catalog_codes() -> set[str]:
    return set(pl.read_csv(INDICATOR_CATALOG, columns=["code"])["code"].to_list())


def _current_ids(settings: Settings, source: str, name: str, column: str) -> set[str]:
    known = dataset_by_name(source, name)
    files = known_raw_paths(settings, known)  # ids a correction dropped stay known
    schema = {name: kind.dtype for name, kind in known.raw_columns}
    frame = archive.scan_union(files, schema, columns=[column])  # versions differ in optional and extra columns
    return set(frame.unique().collect()[column].drop_nulls().to_list())


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
    settings: Settings, dataset: Dataset, relpath: str, staged: landing.Staged, known: KnownIds, today: date
) -> dict[str, object]:
    """Validate and archive one landing file from its staged copy; return the load-log values.

    Whatever goes wrong with the file's content quarantines this file only, with the reason. Errors of the
    machine (OSError: disk full, permissions of the home; MemoryError) are not the file's fault and propagate.
    """
    try:
        validated = validate(read_landing_file(staged.path), dataset, known, today)
        return archive_validated(settings, dataset, relpath, staged.sha256, validated)
    except FileProblem as problem:
        reason = str(problem)
    except pl.exceptions.PolarsError as err:  # a problem that only shows while reading the whole file
        detail = first_line(err)
        reason = NOT_UTF8 if "utf-8" in detail.lower() else f"unreadable: {detail}"
        long_row = first_long_row(staged.path) if "more fields" in detail and staged.path.suffix == ".csv" else None
        reason = f"unreadable: {long_row}" if long_row else reason
    except (OSError, MemoryError):
        raise
    except Exception as err:  # any other failure of one file's content must not stop the other files
        reason = f"could not be read: {type(err).__name__}: {first_line(err)}"
    target = archive.quarantine(settings, staged.path, relpath, staged.sha256, reason)
    return {"status": "quarantined", "reason": reason, "quarantine_path": str(target)}


def _sha_or_problem(item: landing.LandingFile) -> tuple[str, str | None]:
    """(sha256 of the file, None), or ('-', reason) when it is not a regular file or cannot be read."""
    if not item.regular:
        return "-", None
    try:
        return landing.sha256_of(item.path), None
    except FileNotFoundError:
        raise
    except OSError as err:
        return "-", f"refused: the file cannot be read ({err.strerror or err})"


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


@dataclass
class _Run:
    """What one ingest of a dataset knows while it goes through the files in path order."""

    settings: Settings
    dataset: Dataset
    today: date
    say: Progress
    seen: set[tuple[str, str]]  # (landing path, sha256) of each path's latest log entry
    current: dict[str, str]  # landing path -> sha256 of its current version
    holder: dict[str, str]  # sha256 -> the landing path whose current version has these bytes
    known: KnownIds | None = None
    hashed: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # landing path -> (sha256, problem)
    released: dict[str, str] = field(default_factory=dict)  # rewritten current path -> its old sha256

    def release_rewritten(self, items: list[landing.LandingFile]) -> None:
        """A current path whose landing file now holds other bytes no longer holds its old bytes in this run:
        two files whose contents were swapped load as the two corrections they are, not as a duplicate."""
        for item in items:
            old = self.current.get(item.relpath)
            if old is None:
                continue
            try:
                self.hashed[item.relpath] = _sha_or_problem(item)
            except FileNotFoundError:  # removed since the scan
                continue
            if self.hashed[item.relpath][0] != old and self.holder.get(old) == item.relpath:
                del self.holder[old]
                self.released[item.relpath] = old

    def still_held_elsewhere(self) -> dict[str, str]:
        """Released paths whose correction did not load (so their old version stays current) while another
        path loaded those old bytes in this run: path -> the path that now holds them."""
        return {
            path: self.holder[old]
            for path, old in self.released.items()
            if self.current.get(path) == old and self.holder.get(old, path) != path
        }

    def ingest(self, item: landing.LandingFile) -> tuple[str, int, dict[str, object]]:
        """(sha256, bytes, load-log values) of one file; status `unchanged` or `deferred` is not logged."""
        try:
            return self._ingest(item)
        except FileNotFoundError:  # removed (or renamed) since the scan: nothing to log
            return "-", item.size, {"status": "deferred", "reason": "removed while it was read"}

    def _ingest(self, item: landing.LandingFile) -> tuple[str, int, dict[str, object]]:
        sha, unreadable = self.hashed.pop(item.relpath, None) or _sha_or_problem(item)
        if (item.relpath, sha) in self.seen or self.current.get(item.relpath) == sha:
            return sha, item.size, {"status": "unchanged"}
        if item.problem or unreadable:
            problem = item.problem or unreadable
            return sha, item.size, {"status": "refused" if unreadable else item.status_if_problem, "reason": problem}
        other = self.holder.get(sha)
        if other is not None and other != item.relpath:
            self._retire(item.relpath)
            return sha, item.size, {"status": "duplicate", "reason": f"same bytes as {other}"}
        try:
            staged = landing.stage(item.path, self.settings.staging_dir)
        except landing.FileChanged:
            return sha, item.size, {"status": "deferred", "reason": "changed while it was read"}
        try:
            if staged.sha256 != sha:  # rewritten between the two reads: still being written
                return sha, item.size, {"status": "deferred", "reason": "changed while it was read"}
            self.known = self.known or known_ids(self.settings, self.dataset)
            self.say(f"{self.dataset.key}: reading {item.relpath} ({staged.size / 1e6:,.1f} MB)")
            values = _load_file(self.settings, self.dataset, item.relpath, staged, self.known, self.today)
        finally:
            staged.path.unlink(missing_ok=True)
        if values["status"] == "loaded":
            if item.relpath in self.current:
                values["replaces_sha256"] = self.current[item.relpath]
            self._retire(item.relpath)
            self.holder[sha] = item.relpath
        return sha, staged.size, values

    def _retire(self, relpath: str) -> None:
        """The path's earlier version is no longer current: its bytes may load under another path."""
        old = self.current.pop(relpath, None)
        if old is not None and self.holder.get(old) == relpath:
            del self.holder[old]


def _latest_entries(log: pl.DataFrame) -> set[tuple[str, str]]:
    """(landing path, sha256) of each path's latest log entry: bytes seen before that are not the path's latest
    (a correction taken back, A then B then A) are a new delivery, not a repeat."""
    latest = log.sort("loaded_at", "load_id").group_by("source_file", maintain_order=True).last()
    return set(zip(latest["source_file"].to_list(), latest["file_sha256"].to_list(), strict=True))


def ingest_dataset(
    settings: Settings,
    dataset: Dataset,
    run_id: str,
    today: date | None = None,
    progress: Progress | None = None,
    settle_seconds: float = 0.0,
) -> DatasetReport:
    """Ingest the dataset's new or changed landing files; files modified within `settle_seconds` wait.

    A file that waits (still being written, or changed while it was read) is not logged: a later run takes it.
    The caller decides the window: the Dagster assets use `Settings.settle_seconds`, code that has just
    written complete files may pass 0.
    """
    say = progress or (lambda _message: None)
    log = archive.read_load_log(settings, dataset.relation)
    current = {r["source_file"]: r["file_sha256"] for r in archive.current_versions(log).iter_rows(named=True)}
    run = _Run(
        settings=settings,
        dataset=dataset,
        today=today or datetime.now(UTC).date(),
        say=say,
        seen=_latest_entries(log),
        current=current,
        holder={sha: path for path, sha in current.items()},
    )
    report = DatasetReport(dataset=dataset.key)
    landing.clear_stale_staging(settings.staging_dir)
    items = [f for f in landing.scan(settings.landing_dir) if f.dataset is dataset]
    waiting = landing.unsettled(items, settle_seconds)
    waiting_paths = {f.relpath for f in waiting}
    if waiting:
        say(
            f"{dataset.key}: {len(waiting)} file(s) still being written, left for the next run: "
            f"{landing.describe(waiting)}"
        )
    run.release_rewritten([f for f in items if f.relpath not in waiting_paths])
    entries: list[dict[str, object]] = []
    delivered: dict[str, tuple[str, int]] = {}  # landing path -> (sha256, bytes) as read in this run
    # Re-deliveries of current paths first: whether a new file repeats current bytes depends on what the
    # current files hold after this run, not on how the names sort.
    for item in sorted(items, key=lambda f: (f.relpath not in current, f.relpath)):
        if item.relpath in waiting_paths:
            report.files.append(FileOutcome(item.relpath, "deferred", reason="still being written"))
            continue
        sha, size, values = run.ingest(item)
        outcome = FileOutcome(
            item.relpath,
            str(values["status"]),
            int(values.get("delivered_rows", 0)),  # type: ignore[arg-type]
            int(values.get("loaded_rows", 0)),  # type: ignore[arg-type]
            int(values.get("rejected_rows", 0)),  # type: ignore[arg-type]
            values.get("reason"),  # type: ignore[arg-type]
        )
        report.files.append(outcome)
        if outcome.status not in ("unchanged", "deferred"):
            entries.append(log_entry(run_id, dataset, item.relpath, sha, size, **values))
        if outcome.status in ("quarantined", "duplicate", "deferred"):
            say(f"{dataset.key}: {outcome.status.upper()} {item.relpath}: {outcome.reason}")
        delivered[item.relpath] = (sha, size)
    for path, holder in run.still_held_elsewhere().items():  # its earlier bytes now count under `holder` only
        sha, size = delivered[path]
        reason = f"its earlier version has the same bytes as {holder}, which now holds them"
        entries.append(log_entry(run_id, dataset, path, sha, size, status="duplicate", reason=reason))
        say(f"{dataset.key}: DUPLICATE {path}: {reason}")
    report.files.sort(key=lambda f: f.relpath)
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
        try:
            sha, _unreadable = _sha_or_problem(item)
        except FileNotFoundError:  # removed since the scan
            continue
        if (item.relpath, sha) in seen:
            continue
        entries.append(
            log_entry(run_id, None, item.relpath, sha, item.size, status=item.status_if_problem, reason=item.problem)
        )
        outcomes.append(FileOutcome(item.relpath, item.status_if_problem, reason=item.problem))
        say(f"landing: {item.status_if_problem.upper()} {item.relpath}: {item.problem}")
    archive.append_load_log(settings, "_other", entries)
    return outcomes

"""Real indicator observations from the public reference data bundled in `ingest/reference/` (see NOTICE.md there).

Two sources (CC BY 4.0), one dataset `reference/indicators` with the columns of `market/indicators`:

- Epoch AI, "Data on Notable AI Models" (snapshot 2026-05-02, rows published up to 2026-04-23), per vendor and quarter:
  - ``model_releases``: rows whose ``Publication date`` falls in the quarter, credited to every vendor listed in
    ``Organization`` (a row naming two organisations of one vendor counts once for it); 0 is a real value;
  - ``open_weights_share``: of the vendor's releases in the trailing four quarters (this one and the three before)
    whose ``Open model weights?`` is ``Yes`` or ``No``, the share with ``Yes`` (in this snapshot ``Yes`` is exactly
    ``Model accessibility`` = "Open weights (unrestricted | non-commercial | restricted use)"; ``No`` is "API
    access", "Hosted access (no API)" or "Unreleased"); rows with a blank value are left out of both counts, and
    there is no value when no release is left;
  - ``frontier_training_compute``: log10 of the largest ``Training compute (FLOP)`` among the vendor's releases
    published up to the quarter's end (no value before the first known figure);
  - ``training_power_draw_kw``: the largest ``Training power draw (W)`` / 1000 among the same releases, where known.
- Stanford CRFM, Foundation Model Transparency Index (editions October 2023, May 2024, December 2025):
  ``transparency_score`` = the developer's total (sum of the 100 0/1 indicators, out of 100) in the latest edition
  published on or before the quarter's end (publication months: 2023-10, 2024-05, 2025-12). A vendor that edition
  did not score gets no value (an older edition is not carried past a newer one).

Quarters: from `FIRST_QUARTER` (2023Q1) to the quarter holding the bundle's snapshot date (`SNAPSHOT_DATE`,
2026-05-02 → 2026Q2). That last quarter is partial: it counts what the snapshot holds (April 2026). Later quarters get
no value at all (missing, never zero). Only vendors of `ORGANISATION_VENDORS` get rows; the rows then pass the same
contract validation as a landing file (a vendor the warehouse does not know is rejected with its reason).

The dataset is archived once per fingerprint: the bundled files, this module (the rules) and the mapped vendors the
warehouse knows (so a later vendor delivery reloads the rows it would have rejected).
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from ingest import archive
from ingest.contracts import REFERENCE_INDICATORS
from ingest.run import DatasetReport, FileOutcome, archive_validated, known_ids, log_entry
from ingest.settings import Settings
from ingest.validate import validate

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
EPOCH_NOTABLE = REFERENCE_DIR / "epoch" / "epoch_notable_ai_models_raw.csv"
SNAPSHOT_DATE = date(2026, 5, 2)  # the bundle's snapshot: no value for quarters after the one holding it
FIRST_QUARTER = (2023, 1)  # the scorecard's reference history starts here (not decades of it)
SOURCE_FILE = "ingest/reference"  # the load log's name for the bundle: a new version replaces the earlier one

EPOCH_SOURCE = f"Epoch AI notable models snapshot {SNAPSHOT_DATE.isoformat()} (epoch.ai/data, CC BY 4.0)"


@dataclass(frozen=True)
class FmtiEdition:
    file: str
    label: str
    published: date  # first day of the publication month (the day is not used)

    @property
    def path(self) -> Path:
        return REFERENCE_DIR / "fmti" / self.file

    @property
    def source(self) -> str:
        where = "github.com/stanford-crfm/fmti, CC BY 4.0"
        return f"Stanford CRFM FMTI {self.label} snapshot {self.published:%Y-%m} ({where})"


FMTI_EDITIONS: tuple[FmtiEdition, ...] = (
    FmtiEdition("October2023_scores.csv", "October 2023", date(2023, 10, 1)),
    FmtiEdition("May2024_scores.csv", "May 2024", date(2024, 5, 1)),
    FmtiEdition("Dec2025_scores.csv", "December 2025", date(2025, 12, 1)),
)

# Organisation names (Epoch `Organization` items, FMTI developer columns) → vendor id. Exact names, after trimming;
# anything else (universities, NVIDIA, "MetaMind Inc", ...) is not one of our vendors.
ORGANISATION_VENDORS: dict[str, str] = {
    "OpenAI": "openai",
    "Anthropic": "anthropic",
    "Google": "google",
    "Google DeepMind": "google",
    "DeepMind": "google",
    "Google Brain": "google",
    "Google Research": "google",
    "Google AI": "google",
    "Google Cloud": "google",
    "Meta": "meta",  # FMTI
    "Meta AI": "meta",
    "Facebook AI Research": "meta",
    "Facebook AI": "meta",
    "Facebook": "meta",
    "Mistral AI": "mistral",
    "Mistral": "mistral",  # FMTI
    "DeepSeek": "deepseek",
    "xAI": "x-ai",
    "Cohere": "cohere",
    "Cohere for AI": "cohere",
    "Alibaba": "alibaba",
    "Alibaba DAMO Academy": "alibaba",
    "Moonshot": "moonshotai",
    "Z.ai (Zhipu AI)": "zhipuai",
    "MiniMax": "minimax",
}
VENDOR_IDS: tuple[str, ...] = tuple(sorted(set(ORGANISATION_VENDORS.values())))

UNITS = {
    "model_releases": "count",
    "open_weights_share": "share 0-1",
    "frontier_training_compute": "log10 FLOP",
    "training_power_draw_kw": "kW",
    "transparency_score": "score 0-100",
}


def vendors_of(organization: str) -> list[str]:
    """'Google,Google DeepMind,Stanford University' → ['google']: each listed vendor once, sorted."""
    names = (name.strip() for name in organization.split(","))
    return sorted({ORGANISATION_VENDORS[name] for name in names if name in ORGANISATION_VENDORS})


# --- quarters ----------------------------------------------------------------------------------------------------
def quarter_index(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def quarter_text(index: int) -> str:
    return f"{index // 4}Q{index % 4 + 1}"


def quarter_end(index: int) -> date:
    following = index + 1
    return date(following // 4, following % 4 * 3 + 1, 1) - timedelta(days=1)


def quarters() -> range:
    """The quarters that get reference values: FIRST_QUARTER to the quarter holding SNAPSHOT_DATE."""
    return range(FIRST_QUARTER[0] * 4 + FIRST_QUARTER[1] - 1, quarter_index(SNAPSHOT_DATE) + 1)


# --- Epoch AI notable models -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Release:
    vendor_id: str
    published: date
    open_weights: bool | None  # None: blank in the snapshot
    compute_flop: float | None
    power_w: float | None


def _number(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    value = float(text)
    return value if math.isfinite(value) and value > 0 else None


def read_releases(path: Path = EPOCH_NOTABLE) -> list[Release]:
    """One Release per (notable-model row, credited vendor); rows without a publication date are left out."""
    releases: list[Release] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            published = row["Publication date"].strip()
            if not published:
                continue
            open_text = row["Open model weights?"].strip()
            for vendor_id in vendors_of(row["Organization"]):
                releases.append(
                    Release(
                        vendor_id=vendor_id,
                        published=date.fromisoformat(published),
                        open_weights={"Yes": True, "No": False}.get(open_text),
                        compute_flop=_number(row["Training compute (FLOP)"]),
                        power_w=_number(row["Training power draw (W)"]),
                    )
                )
    return releases


def epoch_observations(releases: Iterable[Release]) -> list[dict[str, object]]:
    by_vendor: dict[str, list[Release]] = defaultdict(list)
    for release in releases:
        by_vendor[release.vendor_id].append(release)
    rows: list[dict[str, object]] = []
    for vendor_id in VENDOR_IDS:
        own = by_vendor.get(vendor_id, [])
        for q in quarters():
            end = quarter_end(q)
            in_quarter = [r for r in own if quarter_index(r.published) == q]
            trailing = [r for r in own if q - 3 <= quarter_index(r.published) <= q and r.open_weights is not None]
            released = [r for r in own if r.published <= end]
            compute = [r.compute_flop for r in released if r.compute_flop is not None]
            power = [r.power_w for r in released if r.power_w is not None]
            values: dict[str, float | None] = {
                "model_releases": float(len(in_quarter)),
                "open_weights_share": (
                    sum(r.open_weights for r in trailing) / len(trailing) if trailing else None  # type: ignore[misc]
                ),
                "frontier_training_compute": math.log10(max(compute)) if compute else None,
                "training_power_draw_kw": max(power) / 1000 if power else None,
            }
            for indicator, value in values.items():
                if value is not None:
                    rows.append(_row(vendor_id, q, indicator, value, EPOCH_SOURCE, SNAPSHOT_DATE))
    return rows


# --- FMTI ---------------------------------------------------------------------------------------------------------
def fmti_totals(edition: FmtiEdition) -> dict[str, int]:
    """Developer → total score of the edition: the sum of its indicator rows (checked against a Total row if any)."""
    with edition.path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    header = [name.strip() for name in table[0]]
    label_columns = {"Domain", "Subdomain", "Indicator", "Total"}
    developers = [(i, name) for i, name in enumerate(header) if name not in label_columns]
    indicator_column = header.index("Indicator")
    body = [row for row in table[1:] if any(cell.strip() for cell in row)]
    total_rows = [row for row in body if row[indicator_column].strip() == "Total"]
    scores = [row for row in body if row[indicator_column].strip() != "Total"]
    totals = {name: sum(int(row[i]) for row in scores) for i, name in developers}
    for row in total_rows:
        stated = {name: int(row[i]) for i, name in developers}
        if stated != totals:
            raise ValueError(f"{edition.file}: the Total row does not match the sum of the indicators")
    return totals


def fmti_observations() -> list[dict[str, object]]:
    scored = [(edition, fmti_totals(edition)) for edition in FMTI_EDITIONS]
    rows: list[dict[str, object]] = []
    for q in quarters():
        published = [(e, t) for e, t in scored if e.published <= quarter_end(q)]
        if not published:
            continue
        edition, totals = max(published, key=lambda pair: pair[0].published)
        by_vendor = {
            ORGANISATION_VENDORS[name]: total for name, total in totals.items() if name in ORGANISATION_VENDORS
        }
        for vendor_id, total in sorted(by_vendor.items()):
            rows.append(_row(vendor_id, q, "transparency_score", float(total), edition.source, edition.published))
    return rows


def _row(vendor_id: str, q: int, indicator: str, value: float, source: str, as_of: date) -> dict[str, object]:
    return {
        "vendor_id": vendor_id,
        "period": quarter_text(q),
        "indicator": indicator,
        "value": value,
        "unit": UNITS[indicator],
        "source": source,
        "as_of": as_of,
    }


def observations() -> pl.DataFrame:
    """Every reference observation, in the columns of the contract (as a landing file would deliver them)."""
    rows = epoch_observations(read_releases()) + fmti_observations()
    schema = {
        "vendor_id": pl.String,
        "period": pl.String,
        "indicator": pl.String,
        "value": pl.Float64,
        "unit": pl.String,
        "source": pl.String,
        "as_of": pl.Date,
    }
    return pl.DataFrame(rows, schema=schema, orient="row").sort("period", "vendor_id", "indicator")


# --- load ---------------------------------------------------------------------------------------------------------
def bundle_files() -> list[Path]:
    return [EPOCH_NOTABLE, *(e.path for e in FMTI_EDITIONS)]


def fingerprint(known_vendors: Iterable[str]) -> str:
    """sha256 of the bundled files, of these rules (this module) and of the mapped vendors the warehouse knows."""
    digest = hashlib.sha256()
    for path in [*bundle_files(), Path(__file__)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(",".join(sorted(set(known_vendors) & set(VENDOR_IDS))).encode())
    return digest.hexdigest()


def load_reference_indicators(settings: Settings, run_id: str, today: date | None = None) -> DatasetReport:
    """Validate and archive the reference observations once per fingerprint; idempotent otherwise."""
    dataset = REFERENCE_INDICATORS
    report = DatasetReport(dataset=dataset.key)
    known = known_ids(settings, dataset)
    sha = fingerprint(known.vendors)
    log = archive.read_load_log(settings, dataset.relation)
    current_sha = archive.current_versions(log)["file_sha256"].to_list()
    if current_sha == [sha]:  # an earlier fingerprint seen again (A, B, then A) is loaded again
        report.files.append(FileOutcome(SOURCE_FILE, "unchanged"))
    else:
        # The bundle covers more organisations than any one warehouse tracks: rows of vendors the warehouse does not
        # know are out of scope (not delivered), not rejected. The fingerprint includes the known vendors, so a
        # vendor delivered later brings its reference rows in at the next refresh.
        in_scope = observations().filter(pl.col("vendor_id").is_in(sorted(known.vendors)))
        validated = validate(in_scope.lazy(), dataset, known, today or datetime.now(UTC).date())
        values = archive_validated(settings, dataset, SOURCE_FILE, sha, validated)
        current = archive.current_versions(log)["file_sha256"].to_list()
        raw_path = settings.raw_dir / str(values["raw_path"])
        entry = log_entry(
            run_id, dataset, SOURCE_FILE, sha, raw_path.stat().st_size, replaces_sha256=current[-1] if current else None
        )
        entry.update(values)
        archive.append_load_log(settings, dataset.relation, [entry])
        report.files.append(
            FileOutcome(
                SOURCE_FILE,
                "loaded",
                int(values["delivered_rows"]),  # type: ignore[arg-type]
                int(values["loaded_rows"]),  # type: ignore[arg-type]
                int(values["rejected_rows"]),  # type: ignore[arg-type]
            )
        )
    report.current_files = len(archive.refresh_manifests(settings, dataset))
    return report

"""Load the real model prices shipped in the installed `genai-prices` package into the raw archive.

Every provider and model becomes rows of `pricing/genai_prices`: one row per price component (input,
output, cache read/write, requests, ...), per tier (a tiered price's base has tier_start null, each tier
its threshold in input tokens), per dated price change (valid_from), per time-of-day window or request
variant (condition). A model listed without any price keeps one row with price_key null, so it is kept
and can be marked as unpriced. The package version is recorded on every row and in the load log.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterator
from datetime import date
from importlib import metadata
from pathlib import Path

import polars as pl

from ingest import archive
from ingest.contracts import GENAI_PRICES, Kind
from ingest.run import DatasetReport, FileOutcome, log_entry, now_utc
from ingest.settings import Settings

# genai-prices price fields are '<what>_<unit>'; the unit is the last part (mtok = per million tokens).
_UNITS = ("mtok", "kcount", "kpages", "mchars", "hours")
_PRICE_TYPES = {
    "input": "input",
    "output": "output",
    "cache_read": "cache_read",
    "cache_write": "cache_write",
    "requests": "request",
}


def package_version() -> str:
    return metadata.version("genai-prices")


def package_fingerprint() -> str:
    """sha256 of the package's data module: changes exactly when the price data changes."""
    spec = importlib.util.find_spec("genai_prices.data")
    if spec is None or spec.origin is None:
        raise RuntimeError("the genai-prices package is not installed")
    return hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()


def split_price_key(key: str) -> tuple[str, str]:
    """'cache_read_mtok' → ('cache_read', 'mtok'); 'requests_kcount' → ('request', 'kcount')."""
    for unit in _UNITS:
        if key.endswith(f"_{unit}"):
            stem = key[: -len(unit) - 1]
            return _PRICE_TYPES.get(stem, stem), unit
    return key, "unit"


def _price_items(model_price: object) -> dict[str, object]:
    return {k: v for k, v in vars(model_price).items() if not k.startswith("_") and v is not None}


def _component_rows(model_price: object) -> Iterator[dict[str, object]]:
    from genai_prices.types import TieredPrices

    for key, value in _price_items(model_price).items():
        price_type, unit = split_price_key(key)
        base = {"price_key": key, "price_type": price_type, "unit": unit}
        if isinstance(value, TieredPrices):
            yield base | {"usd_per_unit": value.base, "tier_start": None}
            for tier in value.tiers:
                yield base | {"usd_per_unit": tier.price, "tier_start": tier.start}
        else:
            yield base | {"usd_per_unit": value, "tier_start": None}


def _constraint(constraint: object) -> tuple[date | None, str | None]:
    from genai_prices.types import StartDateConstraint, TimeOfDateConstraint

    if isinstance(constraint, StartDateConstraint):
        return constraint.start_date, None
    if isinstance(constraint, TimeOfDateConstraint):
        return None, f"time of day {constraint.start_time:%H:%M}-{constraint.end_time:%H:%M} UTC"
    return None, None


def price_rows() -> pl.DataFrame:
    """The package's prices, flattened (see module docstring)."""
    from genai_prices.data import providers
    from genai_prices.types import ConditionalPrice

    version = package_version()
    rows: list[dict[str, object]] = []
    for provider in providers:
        for model in provider.models:
            head = {
                "provider_id": provider.id,
                "provider_name": provider.name,
                "model_id": model.id,
                "model_name": model.name,
                "context_window": model.context_window,
                "deprecated": bool(model.deprecated),
                "package_version": version,
            }
            prices = model.prices if isinstance(model.prices, list) else [ConditionalPrice(prices=model.prices)]
            priced: list[dict[str, object]] = []
            for conditional in prices:
                valid_from, condition = _constraint(conditional.constraint)
                for row in _component_rows(conditional.prices):
                    priced.append(head | row | {"valid_from": valid_from, "condition": condition})
            for variant in model.price_variants or []:
                valid_from, window = _constraint(variant.constraint)
                label = ", ".join(f"{k}={v}" for k, v in sorted(variant.when.items()))
                condition = f"{label}; {window}" if window else label
                for row in _component_rows(variant.prices):
                    priced.append(head | row | {"valid_from": valid_from, "condition": condition})
            rows.extend(priced or [head])
    schema = {name: kind.dtype for name, kind in GENAI_PRICES.raw_columns if not name.startswith("_")}
    frame = pl.DataFrame(rows, schema=schema | {"usd_per_unit": pl.Decimal(38, 9)}, strict=False)
    return frame.with_columns(pl.col("usd_per_unit").cast(Kind.PRICE.dtype))


def load_genai_prices(settings: Settings, run_id: str) -> DatasetReport:
    """Archive the installed package's prices when they are not the current ones; idempotent otherwise.

    A package taken back to an earlier version (a reverted lock file) makes that version's prices current again.
    """
    report = DatasetReport(dataset=GENAI_PRICES.key)
    source_file = f"genai-prices@{package_version()}"
    sha = package_fingerprint()
    log = archive.read_load_log(settings, GENAI_PRICES.relation)
    latest = log.filter(pl.col("status") == "loaded").sort("loaded_at", "load_id").tail(1)
    if list(zip(latest["source_file"], latest["file_sha256"], strict=True)) == [(source_file, sha)]:
        report.files.append(FileOutcome(source_file, "unchanged"))
    else:
        loaded_at = now_utc()
        frame = (
            price_rows()
            .with_row_index("_row_number", offset=1)
            .with_columns(
                pl.col("_row_number").cast(pl.Int64),
                pl.lit(source_file).alias("_source_file"),
                pl.lit(sha).alias("_file_sha256"),
                pl.lit(loaded_at).alias("_loaded_at"),
            )
        )
        frame = frame.select([name for name, _ in GENAI_PRICES.raw_columns])
        rel_raw = archive.raw_relpath_for(GENAI_PRICES, source_file, sha)
        archive.atomic_write_parquet(frame, settings.raw_dir / rel_raw)
        current = archive.current_versions(log)
        replaces = current["file_sha256"].to_list()
        entry = log_entry(
            run_id,
            GENAI_PRICES,
            source_file,
            sha,
            (settings.raw_dir / rel_raw).stat().st_size,
            status="loaded",
            delivered_rows=frame.height,
            loaded_rows=frame.height,
            raw_path=rel_raw,
            loaded_at=loaded_at,
            replaces_sha256=replaces[-1] if replaces else None,
        )
        # A newer package replaces every earlier version: one current price file at a time.
        archive.append_load_log(settings, GENAI_PRICES.relation, [entry])
        report.files.append(FileOutcome(source_file, "loaded", frame.height, frame.height))
    report.current_files = _keep_latest_only(settings)
    return report


def _keep_latest_only(settings: Settings) -> int:
    log = archive.read_load_log(settings, GENAI_PRICES.relation).filter(pl.col("status") == "loaded")
    latest = log.sort("loaded_at", "load_id").tail(1)["raw_path"].to_list()
    archive.write_manifest(settings, GENAI_PRICES.relation, [str(settings.raw_dir / p) for p in latest])
    archive.refresh_manifests_audit(settings)
    return len(latest)

"""Every version of a reference dataset that ever loaded, for datasets that keep history (accounts, vendors).

A correction that re-delivers accounts (or vendors) without an id does not erase what is known of it: usage,
indicators and prices that point at the id still refer to something. Ingest accepts references to any id that
ever loaded (`known_raw_paths`), and the raw relation `<relation>_history` lists the same files, so dbt keeps
the id's last known record, flagged as no longer current.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest import archive  # used at call time only: archive writes the history manifest through this module
from ingest.contracts import Dataset
from ingest.settings import Settings


def loaded_raw_paths(log: pl.DataFrame) -> list[str]:
    """Raw paths (relative to raw/) of every version in the load log that loaded, oldest first, once each."""
    loaded = log.filter((pl.col("status") == "loaded") & pl.col("raw_path").is_not_null())
    return list(dict.fromkeys(loaded.sort("loaded_at", "load_id")["raw_path"].to_list()))


def known_raw_paths(settings: Settings, dataset: Dataset) -> list[Path]:
    """The raw files whose ids rows may refer to: every loaded version when the dataset keeps history, else
    the current ones."""
    if not dataset.keeps_history:
        return archive.current_raw_paths(settings, dataset)
    log = archive.read_load_log(settings, dataset.relation)
    return [settings.raw_dir / p for p in loaded_raw_paths(log)]

"""Every path and setting of modelmarket, resolved once from the environment.

This is the only module that reads configuration. Everything else receives a `Settings` object.

Environment variables:
- ``MODELMARKET_HOME``: the home directory (default ``./data``), resolved to an absolute path.
- ``MODELMARKET_PORT``: the dashboard port (default 8501).
- ``MODELMARKET_TIMEZONE``: the timezone of the nightly schedule (default ``UTC``).
- ``MODELMARKET_MEMORY_LIMIT``: DuckDB ``memory_limit`` for the build (default ``1GB``; beyond it DuckDB spills).
- ``MODELMARKET_ENGINE``: the engine dbt builds with, ``duckdb`` (default) or ``spark`` (the dbt target of the same
  name; needs the ``spark`` extra). Serving is DuckDB either way.
- ``MODELMARKET_SETTLE_SECONDS``: a landing file is taken only once it has not changed for this long (default
  ``2``; ``0`` takes every file at once). Long enough for a local copy to finish, short enough that a refresh run
  right after one waits only a moment; files older than this are taken without waiting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
INDICATOR_CATALOG = DBT_PROJECT_DIR / "seeds" / "indicator_catalog.csv"
ENGINES = ("duckdb", "spark")
DEFAULT_SETTLE_SECONDS = 2.0


class ConfigError(ValueError):
    """A configuration value a user set is not usable."""


@dataclass(frozen=True)
class Settings:
    home: Path
    build_id: str = ""  # the run whose private build folder this is: warehouse/.build/<build_id>/
    port: int = 8501
    timezone: str = "UTC"
    memory_limit: str = "1GB"
    engine: str = "duckdb"
    settle_seconds: float = DEFAULT_SETTLE_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        home = Path(env.get("MODELMARKET_HOME") or "data").expanduser().resolve()
        port_text = env.get("MODELMARKET_PORT") or "8501"
        try:
            port = int(port_text)
        except ValueError:
            raise ConfigError(f"MODELMARKET_PORT must be a port number, got {port_text!r}") from None
        if not 0 < port < 65536:
            raise ConfigError(f"MODELMARKET_PORT must be between 1 and 65535, got {port}")
        engine = (env.get("MODELMARKET_ENGINE") or "duckdb").strip().lower()
        if engine not in ENGINES:
            raise ConfigError(f"MODELMARKET_ENGINE must be one of {', '.join(ENGINES)}, got {engine!r}")
        settle_text = env.get("MODELMARKET_SETTLE_SECONDS") or str(DEFAULT_SETTLE_SECONDS)
        try:
            settle_seconds = float(settle_text)
        except ValueError:
            raise ConfigError(f"MODELMARKET_SETTLE_SECONDS must be a number of seconds, got {settle_text!r}") from None
        if not 0 <= settle_seconds <= 3600:
            raise ConfigError(f"MODELMARKET_SETTLE_SECONDS must be between 0 and 3600, got {settle_text}")
        return cls(
            home=home,
            port=port,
            timezone=env.get("MODELMARKET_TIMEZONE") or "UTC",
            memory_limit=env.get("MODELMARKET_MEMORY_LIMIT") or "1GB",
            engine=engine,
            settle_seconds=settle_seconds,
        )

    # --- the home directory (DESIGN §2) -------------------------------------------------------
    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def raw_dir(self) -> Path:
        return self.home / "raw"

    @property
    def staging_dir(self) -> Path:
        """Private copies of landing files while they are read: hashed and parsed from the same bytes."""
        return self.home / ".staging"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def published_path(self) -> Path:
        return self.warehouse_dir / "market.duckdb"

    @property
    def previous_path(self) -> Path:
        return self.warehouse_dir / "market.previous.duckdb"

    @property
    def builds_dir(self) -> Path:
        """Every run's private build folder; only a refresh holding the refresh lock removes stale ones."""
        return self.warehouse_dir / ".build"

    @property
    def build_dir(self) -> Path:
        return self.builds_dir / (self.build_id or "default")

    @property
    def build_path(self) -> Path:
        return self.build_dir / "market.duckdb"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's artifacts of the last build (run_results.json, dbt.log) and its partial-parse cache."""
        return self.warehouse_dir / ".dbt"

    @property
    def spark_dir(self) -> Path:
        """MODELMARKET_ENGINE=spark: the local Spark session's metastore and tables (private to one build)."""
        return self.build_dir / "spark"

    @property
    def spark_export_dir(self) -> Path:
        """MODELMARKET_ENGINE=spark: the served models (marts, audit) as Parquet, one folder per model."""
        return self.build_dir / "export"

    @property
    def lock_path(self) -> Path:
        return self.warehouse_dir / ".refresh.lock"

    @property
    def refresh_log_path(self) -> Path:
        """One JSON line per refresh attempt, published or not (read by `modelmarket status`)."""
        return self.warehouse_dir / "refresh_log.jsonl"

    @property
    def refresh_timings_path(self) -> Path:
        """One JSON line per CLI refresh: seconds per step and per stage (orchestration/timings.py)."""
        return self.warehouse_dir / "refresh_timings.jsonl"

    @property
    def refresh_output_path(self) -> Path:
        """Everything the last CLI refresh printed (dbt's event stream included)."""
        return self.warehouse_dir / "last_refresh.log"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def quality_reports_dir(self) -> Path:
        return self.reports_dir / "quality"

    @property
    def quality_results_dir(self) -> Path:
        """One Parquet file of quality results per refresh run (published or not)."""
        return self.quality_reports_dir / "results"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    # --- inside raw/: the archive's bookkeeping ------------------------------------------------
    @property
    def load_log_dir(self) -> Path:
        return self.raw_dir / "_audit" / "load_log"

    @property
    def rejected_rows_dir(self) -> Path:
        return self.raw_dir / "_audit" / "rejected_rows"

    @property
    def manifest_dir(self) -> Path:
        """One Parquet file per dataset listing its current raw files; dbt registers views from it."""
        return self.raw_dir / "_manifest"

    # --- dbt ----------------------------------------------------------------------------------
    @property
    def dbt_project_dir(self) -> Path:
        return DBT_PROJECT_DIR

    @property
    def dbt_target(self) -> str:
        """The profile target (dbt/profiles.yml) of the engine: targets are named after engines."""
        return self.engine

    def dbt_vars(self, warehouse_path: Path | None = None) -> dict[str, str]:
        """The `--vars` every dbt invocation gets: absolute paths, so dbt's working directory never matters."""
        dbt_vars = {
            "warehouse_path": str(warehouse_path or self.build_path),
            "raw_root": str(self.raw_dir),
            "manifest_glob": str(self.manifest_dir / "*.parquet"),
            "memory_limit": self.memory_limit,
        }
        if self.engine == "spark":
            dbt_vars |= {"spark_dir": str(self.spark_dir), "export_dir": str(self.spark_export_dir)}
        return dbt_vars

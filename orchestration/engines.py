"""The build engine (MODELMARKET_ENGINE): which dbt target builds the warehouse, and what a build needs after dbt.

DuckDB (default) builds straight into the private DuckDB file. Spark builds in Spark and is then served from
that DuckDB file (orchestration/spark_serving.py), so the gates, publish, dashboards and analysts see no change.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

from ingest.settings import ConfigError, Settings

SPARK_MODULES = ("pyspark", "dbt.adapters.spark")


def dbt_target(settings: Settings) -> str:
    """The dbt target of the configured engine; refuses at once an engine whose packages are not installed."""
    if settings.engine == "spark":
        missing = [name for name in SPARK_MODULES if _find_spec(name) is None]
        if missing:
            raise ConfigError(
                f"MODELMARKET_ENGINE=spark needs the spark extra ({', '.join(missing)} not installed): "
                "`uv sync --extra spark` or `pip install .[spark]`"
            )
    return settings.dbt_target


def _find_spec(name: str):
    try:
        return importlib.util.find_spec(name)
    except ModuleNotFoundError:  # a parent package is missing
        return None


def finish_build(settings: Settings, log: Callable[[str], None]) -> None:
    """After `dbt build`: a Spark build's served models go into the DuckDB build file; DuckDB has nothing to do."""
    if settings.engine != "spark":
        return
    from orchestration.dbt_project import DBT_EXECUTABLE, dbt_env, dbt_project
    from orchestration.spark_serving import serve_spark_build

    serve_spark_build(settings, dbt_project.manifest_path, DBT_EXECUTABLE, dbt_env(), log)

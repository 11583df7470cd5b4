"""MODELMARKET_ENGINE=spark: serve a Spark build from the DuckDB file, through the same write–audit–publish path.

Spark builds every model; its `on-run-end` hook (dbt/macros/export_served_models.sql) exports the served models
(marts and audit: small, aggregated) as Parquet to the build folder. Here, in the private DuckDB build file:

1. dbt on the DuckDB target builds what the quality gates read besides the marts: the `raw` views over the raw
   archive, the seed `raw.indicator_catalog` and the `staging` views (views only: no data is copied);
2. each exported model becomes a table of the type its dbt contract declares, with the same table and column
   comments dbt's persist_docs writes on DuckDB; `intermediate` stays in Spark (it is internal).

Then the Great Expectations gates and publish run on the DuckDB build file exactly as for a DuckDB build.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.settings import DBT_PROJECT_DIR, Settings
from orchestration.warehouse import STORAGE_COMPATIBILITY

SERVED_SCHEMAS = ("marts", "audit")


class SparkServingError(RuntimeError):
    """The Spark build's exports could not be served from DuckDB; the message says which model and why."""


@dataclass(frozen=True)
class ServedColumn:
    name: str
    data_type: str
    description: str


@dataclass(frozen=True)
class ServedModel:
    schema: str
    name: str
    description: str
    columns: tuple[ServedColumn, ...]

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"


def served_models(manifest_path: Path) -> list[ServedModel]:
    """The models of the served schemas, with their contract columns (YAML order), from dbt's manifest."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    models = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["schema"] not in SERVED_SCHEMAS:
            continue
        columns = tuple(
            ServedColumn(column["name"], column["data_type"], column.get("description") or "")
            for column in node["columns"].values()
        )
        if not columns or any(not column.data_type for column in columns):
            raise SparkServingError(f"{node['schema']}.{node['alias']}: served models need a contract (typed columns)")
        models.append(ServedModel(node["schema"], node["alias"], node.get("description") or "", columns))
    return sorted(models, key=lambda m: m.relation)


def build_duckdb_views(settings: Settings, dbt_executable: str, env: dict[str, str]) -> str:
    """dbt on the DuckDB target: seeds and the staging views (and, on run start, the raw views); no tests."""
    scratch = settings.build_dir / "dbt_duckdb"
    command = [
        dbt_executable, "build", "--target", "duckdb",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(scratch / "target"), "--log-path", str(scratch / "logs"),
        "--select", "resource_type:seed", "path:models/staging",
        "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
        "--vars", json.dumps(settings.dbt_vars()),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=DBT_PROJECT_DIR, check=False)
    if done.returncode != 0:
        detail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-8:])
        raise SparkServingError(f"dbt (duckdb target) could not build the staging views: {detail}")
    return done.stdout


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_exports(settings: Settings, models: list[ServedModel]) -> list[str]:
    """Load every exported model into the DuckDB build file as a contract-typed, commented table."""
    export_dir = settings.spark_export_dir
    loaded = []
    config = {"storage_compatibility_version": STORAGE_COMPATIBILITY, "memory_limit": settings.memory_limit}
    with duckdb.connect(str(settings.build_path), config=config) as con:
        con.execute("set TimeZone = 'UTC'")  # Spark writes UTC-adjusted timestamps; the contracts say `timestamp`
        con.execute("drop schema if exists intermediate cascade")  # built in Spark only: no stale copy here
        for model in models:
            folder = export_dir / f"{model.schema}.{model.name}"
            if not folder.is_dir():
                continue  # not built by this run (a subset): the table stays as published
            files = sorted(str(path) for path in folder.glob("*.parquet"))
            con.execute(f"create schema if not exists {model.schema}")
            columns = ", ".join(f"{c.name} {c.data_type}" for c in model.columns)
            con.execute(f"create or replace table {model.relation} ({columns})")
            if files:
                casts = ", ".join(f"cast({c.name} as {c.data_type}) as {c.name}" for c in model.columns)
                try:
                    con.execute(f"insert into {model.relation} select {casts} from read_parquet(?)", [files])
                except duckdb.Error as error:
                    raise SparkServingError(f"{model.relation}: the Spark export does not load: {error}") from error
            con.execute(f"comment on table {model.relation} is {_sql_text(model.description)}")
            for column in model.columns:
                con.execute(f"comment on column {model.relation}.{column.name} is {_sql_text(column.description)}")
            loaded.append(model.relation)
        con.execute("checkpoint")
    return loaded


def serve_spark_build(
    settings: Settings, manifest_path: Path, dbt_executable: str, env: dict[str, str], log: Callable[[str], None]
) -> list[str]:
    """Make the private DuckDB build file hold the Spark build's served models (then: gates, publish)."""
    if not settings.spark_export_dir.is_dir():
        raise SparkServingError(f"the Spark build exported nothing to {settings.spark_export_dir}")
    build_duckdb_views(settings, dbt_executable, env)
    loaded = load_exports(settings, served_models(manifest_path))
    log(f"served {len(loaded)} Spark-built models from {settings.build_path}")
    return loaded

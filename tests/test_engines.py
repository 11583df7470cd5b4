"""MODELMARKET_ENGINE: the setting, the dbt target it selects, and how a Spark build's exports are served.

The Spark build itself runs in tests/test_spark_equivalence.py (`make test-spark`); these need no Spark.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.settings import ConfigError, Settings
from orchestration import engines
from orchestration.dbt_project import ensure_manifest
from orchestration.spark_serving import SparkServingError, load_exports, served_models


@pytest.mark.parametrize(
    ("value", "engine"), [(None, "duckdb"), ("", "duckdb"), ("spark", "spark"), (" Spark ", "spark")]
)
def test_the_engine_setting(value: str | None, engine: str) -> None:
    env = {} if value is None else {"MODELMARKET_ENGINE": value}
    settings = Settings.from_env(env)
    assert (settings.engine, settings.dbt_target) == (engine, engine)


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ConfigError, match="MODELMARKET_ENGINE must be one of duckdb, spark"):
        Settings.from_env({"MODELMARKET_ENGINE": "snowflake"})


def test_spark_builds_get_their_own_folders_inside_the_private_build(settings: Settings) -> None:
    duck_vars = settings.dbt_vars()
    assert set(duck_vars) == {"warehouse_path", "raw_root", "manifest_glob", "memory_limit"}
    spark_vars = replace(settings, engine="spark").dbt_vars()
    assert spark_vars == duck_vars | {
        "spark_dir": str(settings.build_dir / "spark"),
        "export_dir": str(settings.build_dir / "export"),
    }


def test_spark_without_the_extra_is_refused_with_the_install_command(settings: Settings, monkeypatch) -> None:
    monkeypatch.setattr(engines, "_find_spec", lambda _name: None)
    assert engines.dbt_target(settings) == "duckdb"
    with pytest.raises(ConfigError, match=r"uv sync --extra spark"):
        engines.dbt_target(replace(settings, engine="spark"))


def test_every_served_model_has_a_typed_contract(settings: Settings) -> None:
    models = {m.relation: m for m in served_models(ensure_manifest(settings))}
    assert {"audit.load_log", "audit.rejected_rows", "marts.fct_market_share", "marts.dim_vendors"} <= set(models)
    assert len([r for r in models if r.startswith("marts.")]) >= 15
    share = models["marts.fct_market_share"]
    assert [c.name for c in share.columns][:3] == ["period_grain", "period_start", "measure"]
    assert all(c.data_type and c.description for m in models.values() for c in m.columns)


def _export(settings: Settings, relation: str, table: pa.Table) -> None:
    folder = settings.spark_export_dir / relation
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "part-00000.snappy.parquet")
    (folder / "_SUCCESS").touch()


def test_exports_load_with_contract_types_comments_and_utc_times(settings: Settings) -> None:
    spark = replace(settings, engine="spark")
    models = [m for m in served_models(ensure_manifest(settings)) if m.relation == "audit.load_log"]
    names = [c.name for c in models[0].columns]
    loaded_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)  # Spark writes UTC-adjusted timestamps
    row = {name: None for name in names} | {"load_id": "l1", "loaded_rows": 7, "loaded_at": loaded_at}
    columns = {name: [row[name]] for name in names}
    types = {name: pa.int64() if name.endswith(("rows", "bytes")) else pa.string() for name in names}
    types["loaded_at"] = pa.timestamp("us", tz="UTC")
    _export(spark, "audit.load_log", pa.table({n: pa.array(columns[n], type=types[n]) for n in names}))
    spark.build_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(spark.build_path)) as con:  # a stale intermediate schema from an earlier DuckDB build
        con.execute("create schema intermediate; create table intermediate.old as select 1 as x")

    assert load_exports(spark, models) == ["audit.load_log"]

    with duckdb.connect(str(spark.build_path), read_only=True) as con:
        got = con.execute("select load_id, loaded_rows, loaded_at from audit.load_log").fetchall()
        assert got == [("l1", 7, datetime(2026, 1, 2, 3, 4, 5))]
        described = dict(
            con.execute("select column_name, data_type from duckdb_columns() where table_name = 'load_log'").fetchall()
        )
        assert (described["loaded_at"], described["loaded_rows"], described["load_id"]) == (
            "TIMESTAMP",
            "BIGINT",
            "VARCHAR",
        )
        comment = con.execute("select comment from duckdb_tables() where table_name = 'load_log'").fetchone()[0]
        assert comment == models[0].description and comment
        schemas = {r[0] for r in con.execute("select schema_name from information_schema.schemata").fetchall()}
        assert "intermediate" not in schemas


def test_an_export_missing_a_contract_column_fails_loudly(settings: Settings) -> None:
    spark = replace(settings, engine="spark")
    models = [m for m in served_models(ensure_manifest(settings)) if m.relation == "marts.dim_indicators"]
    _export(spark, "marts.dim_indicators", pa.table({"indicator": ["revenue_usd"], "weight": [Decimal("1.0")]}))
    spark.build_dir.mkdir(parents=True, exist_ok=True)
    with pytest.raises(SparkServingError, match="marts.dim_indicators: the Spark export does not load"):
        load_exports(spark, models)

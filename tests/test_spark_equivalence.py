"""MODELMARKET_ENGINE=spark publishes the same warehouse as DuckDB (DESIGN §9, issue 10).

The tiny demo's landing files are refreshed once per engine through the same code path (`run_refresh`: the
Dagster job, the dbt build, the quality gates, publish). Every mart is compared table by table and row by row:
same columns and DuckDB types, same comments, same rows; decimals, integers, text and dates exactly, doubles to
1e-9 (relative to the value, absolute below 1). The audit tables built by dbt are compared too, without the
columns that name the run or the home directory.

Needs the `spark` extra and Java 17: `make test-spark`. Excluded from `make test` (marker `spark`); it fails,
never skips, when Spark is not installed.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from decimal import Decimal

import duckdb
import pytest

from ingest.settings import Settings
from orchestration.refresh import run_refresh

pytestmark = [pytest.mark.spark, pytest.mark.slow]

FLOAT_TOLERANCE = 1e-9
# audit columns that differ between two homes by construction (ids of the run, absolute paths, load times)
RUN_SPECIFIC = {"load_id", "run_id", "raw_path", "quarantine_path", "loaded_at"}
COMPARED_AUDIT = ("audit.load_log", "audit.rejected_rows")


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'"
        " order by table_name",
        [schema],
    ).fetchall()
    return [f"{schema}.{name}" for (name,) in rows]


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str, str | None]]:
    schema, table = relation.split(".")
    return con.execute(
        "select column_name, data_type, comment from duckdb_columns()"
        " where schema_name = ? and table_name = ? order by column_index",
        [schema, table],
    ).fetchall()


def _comment(con: duckdb.DuckDBPyConnection, relation: str) -> str | None:
    schema, table = relation.split(".")
    query = "select comment from duckdb_tables() where schema_name = ? and table_name = ?"
    return con.execute(query, [schema, table]).fetchone()[0]


def _rows(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> list[tuple]:
    names = ", ".join(columns)
    return con.execute(f"select {names} from {relation} order by all").fetchall()


def _same(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        return abs(left - right) <= FLOAT_TOLERANCE * max(1.0, abs(left), abs(right))
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        return type(left) is type(right) and left == right  # exact, and a decimal on both sides
    return left == right


def _differences(relation: str, duck: list[tuple], spark: list[tuple], columns: list[str]) -> list[str]:
    if len(duck) != len(spark):
        return [f"{relation}: {len(duck)} rows on DuckDB, {len(spark)} on Spark"]
    out = []
    for index, (left, right) in enumerate(zip(duck, spark, strict=True)):
        for name, a, b in zip(columns, left, right, strict=True):
            if not _same(a, b):
                out.append(f"{relation} row {index} ({dict(zip(columns, left, strict=True))}): {name} {a!r} != {b!r}")
    return out


@pytest.fixture(scope="module")
def spark_home(demo_home: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The demo's landing files refreshed with MODELMARKET_ENGINE=spark in a home of their own."""
    settings = replace(demo_home, home=tmp_path_factory.mktemp("spark") / "home", engine="spark")
    shutil.copytree(demo_home.landing_dir, settings.landing_dir)
    outcome = run_refresh(settings, progress=lambda _m: None, quiet=True)
    assert outcome.success, outcome.message
    return settings


def test_spark_refresh_publishes_the_duckdb_marts(demo_home: Settings, spark_home: Settings) -> None:
    with (
        duckdb.connect(str(demo_home.published_path), read_only=True) as duck,
        duckdb.connect(str(spark_home.published_path), read_only=True) as spark,
    ):
        marts = _tables(duck, "marts")
        assert len(marts) >= 15, marts
        assert _tables(spark, "marts") == marts
        problems: list[str] = []
        compared_rows = 0
        for relation in marts + list(COMPARED_AUDIT):
            assert _comment(spark, relation) == _comment(duck, relation), f"{relation}: table comment differs"
            columns = _columns(duck, relation)
            assert _columns(spark, relation) == columns, f"{relation}: columns, types or comments differ"
            names = [name for name, _type, _comment in columns if name not in RUN_SPECIFIC]
            duck_rows, spark_rows = _rows(duck, relation, names), _rows(spark, relation, names)
            problems += _differences(relation, duck_rows, spark_rows, names)
            compared_rows += len(duck_rows)
        assert not problems, f"{len(problems)} differences, first ones:\n" + "\n".join(problems[:20])
        populated = [r for r in marts if duck.execute(f"select count(*) from {r}").fetchone()[0] > 0]
        assert len(populated) == len(marts), f"empty marts prove nothing: {sorted(set(marts) - set(populated))}"
        assert compared_rows > 10_000, compared_rows


def test_spark_refresh_keeps_the_served_layout(spark_home: Settings) -> None:
    """Analysts and the quality gates find what a DuckDB build gives them; Spark's internal tables stay in Spark."""
    with duckdb.connect(str(spark_home.published_path), read_only=True) as con:
        schemas = {row[0] for row in con.execute("select schema_name from information_schema.schemata").fetchall()}
        assert {"raw", "staging", "marts", "audit"} <= schemas
        assert "intermediate" not in schemas
        runs = con.execute("select status from audit.refresh_runs").fetchall()
        assert runs == [("published",)]
        gates = con.execute("select count(*), count(*) filter (where success) from audit.quality_results").fetchone()
        assert gates[0] > 0
    assert not spark_home.build_dir.exists(), "the private build folder (Spark metastore, exports) is removed"

"""The dbt project (dbt/) built on a tiny hand-made raw archive, against numbers computed by hand.

The archive is written here, not by ingest: Parquet files typed by `ingest.contracts` plus the per-relation
manifest files (`<raw_root>/_manifest/<relation>.parquet`, column `raw_path`) that dbt's on-run-start macro
reads. dbt runs twice per module, side by side: a full archive, and an archive without any manifest.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from ingest.contracts import raw_relations
from ingest.settings import DBT_PROJECT_DIR

MARTS = ("dim_vendors", "dim_accounts", "fct_market_share", "fct_market_concentration")
LOADED_1 = dt.datetime(2025, 4, 2, 2, 0, 0)
LOADED_2 = dt.datetime(2025, 5, 2, 2, 0, 0)


# --- the raw archive -------------------------------------------------------------------------------------
def _write_raw(raw_root: Path, relation: str, name: str, rows: list[dict], extra: dict | None = None) -> Path:
    """One raw Parquet file of `relation`, typed by the contract; missing columns are null."""
    columns = raw_relations()[relation]
    schema = {column: kind.dtype for column, kind in columns}
    data = {column: [row.get(column) for row in rows] for column, _ in columns}
    frame = pl.DataFrame(data, schema=schema)
    for column, values in (extra or {}).items():  # extra delivered columns are kept in raw
        frame = frame.with_columns(pl.Series(column, values))
    path = raw_root / relation.replace("__", "/", 1) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)
    return path


def _write_manifest(raw_root: Path, relation: str, paths: list[Path]) -> None:
    manifest = raw_root / "_manifest" / f"{relation}.parquet"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame({"raw_path": [str(p) for p in paths]}, schema={"raw_path": pl.String()}).write_parquet(manifest)


def _lineage(source_file: str, loaded_at: dt.datetime, rows: list[dict]) -> list[dict]:
    return [
        row
        | {"_source_file": source_file, "_file_sha256": f"sha-{source_file}", "_row_number": i, "_loaded_at": loaded_at}
        for i, row in enumerate(rows, start=1)
    ]


def _usage(account: str, vendor: str, day: str, amount: str, tokens_in=None, tokens_out=None) -> dict:
    return {
        "account_id": account,
        "vendor_id": vendor,
        "usage_date": dt.date.fromisoformat(day),
        "amount_usd": Decimal(amount),
        "plan": "api",
        "requests": 1,
        "tokens_input": tokens_in,
        "tokens_output": tokens_out,
    }


def _indicator(vendor: str, quarter: str, indicator: str, value: float, as_of: dt.date | None) -> dict:
    year, q = quarter.split("Q")
    period_start = dt.date(int(year), 3 * int(q) - 2, 1)  # ingest derives it from `period`
    return {
        "vendor_id": vendor,
        "period": quarter,
        "period_start": period_start,
        "indicator": indicator,
        "value": value,
        "as_of": as_of,
    }


def build_archive(raw_root: Path) -> None:
    """Vendors alpha, beta, openai; accounts acc1 (enterprise), acc2 (smb), acc3 (no segment); Q1 2025 usage."""
    vendors_1 = _write_raw(
        raw_root,
        "market__vendors",
        "vendors-1.parquet",
        _lineage(
            "market/vendors/vendors.csv",
            LOADED_1,
            [
                {"vendor_id": "alpha", "vendor_name": "Alpha AI", "source": "synthetic: demo"},
                {"vendor_id": "beta", "vendor_name": "Beta Labs", "source": "report"},
                {"vendor_id": "openai", "vendor_name": "OpenAI", "source": "report"},
            ],
        ),
    )
    vendors_2 = _write_raw(  # a later delivery renames beta; it carries an extra column
        raw_root,
        "market__vendors",
        "vendors-2.parquet",
        _lineage(
            "market/vendors/update.csv",
            LOADED_2,
            [{"vendor_id": "beta", "vendor_name": "Beta Labs Inc", "source": "report"}],
        ),
        extra={"note": ["renamed"]},
    )
    _write_manifest(raw_root, "market__vendors", [vendors_1, vendors_2])
    _write_manifest(raw_root, "market__vendors_history", [vendors_1, vendors_2])

    genai = _write_raw(
        raw_root,
        "pricing__genai_prices",
        "genai-prices-0.2.3.parquet",
        _lineage(
            "genai-prices@0.2.3",
            LOADED_1,
            [
                {"provider_id": "openai", "provider_name": "OpenAI", "model_id": "gpt-4o", "package_version": "0.2.3"},
                {
                    "provider_id": "anthropic",
                    "provider_name": "Anthropic",
                    "model_id": "claude",
                    "package_version": "0.2.3",
                },
            ],
        ),
    )
    _write_manifest(raw_root, "pricing__genai_prices", [genai])
    _write_manifest(raw_root, "pricing__prices", [])  # delivered nothing yet: an empty manifest

    accounts = _write_raw(
        raw_root,
        "customers__accounts",
        "accounts.parquet",
        _lineage(
            "customers/accounts/accounts.csv",
            LOADED_1,
            [
                {"account_id": "acc1", "segment": "enterprise", "industry": "finance"},
                {"account_id": "acc2", "segment": "smb", "industry": "retail"},
                {"account_id": "acc3", "segment": None, "industry": "other"},
            ],
        ),
    )
    _write_manifest(raw_root, "customers__accounts", [accounts])
    accounts_replaced = _write_raw(  # an earlier version of the same file: acc9 was dropped by the correction
        raw_root,
        "customers__accounts",
        "accounts-replaced.parquet",
        _lineage(
            "customers/accounts/accounts.csv",
            LOADED_1 - dt.timedelta(days=30),
            [
                {"account_id": "acc1", "segment": "smb", "industry": "finance"},
                {"account_id": "acc9", "segment": "consumer", "industry": "education"},
            ],
        ),
    )
    _write_manifest(raw_root, "customers__accounts_history", [accounts_replaced, accounts])

    usage_jan = _write_raw(
        raw_root,
        "customers__usage",
        "usage-jan.parquet",
        _lineage(
            "customers/usage/jan.csv",
            LOADED_1,
            [
                _usage("acc1", "alpha", "2025-01-05", "100.000000", 1000, 500),
                _usage("acc1", "alpha", "2025-01-20", "50.000000"),  # two line items in a month both count
                _usage("acc2", "beta", "2025-01-10", "50.000000"),
                _usage("acc3", "beta", "2025-01-11", "0.000000", 10, None),  # data, but not a customer
            ],
        ),
    )
    usage_feb_mar = _write_raw(
        raw_root,
        "customers__usage",
        "usage-feb-mar.parquet",
        _lineage(
            "customers/usage/feb-mar.csv",
            LOADED_1,
            [
                _usage("acc1", "alpha", "2025-02-03", "60.000000"),
                _usage("acc2", "alpha", "2025-02-04", "20.000000"),
                _usage("acc2", "beta", "2025-02-04", "20.000000"),
                _usage("acc3", "openai", "2025-02-28", "0.000000"),  # openai has data with 0 customers
                _usage("acc1", "beta", "2025-03-15", "100.000000"),
            ],
        ),
    )
    _write_manifest(raw_root, "customers__usage", [usage_jan, usage_feb_mar])

    indicators = _write_raw(
        raw_root,
        "market__indicators",
        "indicators.parquet",
        _lineage(
            "market/indicators/q.csv",
            LOADED_1,
            [
                _indicator("alpha", "2025Q1", "revenue_usd", 300.0, dt.date(2025, 4, 15)),
                _indicator("alpha", "2025Q1", "revenue_usd", 360.0, dt.date(2025, 5, 1)),  # a revision wins
                _indicator("beta", "2025Q1", "revenue_usd", 40.0, dt.date(2025, 4, 20)),
                _indicator("alpha", "2025Q2", "revenue_usd", 100.0, dt.date(2025, 7, 20)),
                _indicator("alpha", "2025Q1", "gross_margin_pct", 55.0, None),
            ],
        ),
    )
    _write_manifest(raw_root, "market__indicators", [indicators])

    load_log = _write_raw(
        raw_root,
        "audit__load_log",
        "load_log.parquet",
        [
            {
                "load_id": "l1",
                "source": "customers",
                "dataset": "usage",
                "source_file": "customers/usage/jan.csv",
                "file_sha256": "old",
                "status": "loaded",
                "delivered_rows": 5,
                "loaded_rows": 4,
                "rejected_rows": 1,
                "loaded_at": LOADED_1 - dt.timedelta(days=1),
            },
            {
                "load_id": "l2",
                "source": "customers",
                "dataset": "usage",
                "source_file": "customers/usage/jan.csv",
                "file_sha256": "sha-customers/usage/jan.csv",
                "status": "loaded",
                "delivered_rows": 5,
                "loaded_rows": 4,
                "rejected_rows": 1,
                "replaces_sha256": "old",
                "loaded_at": LOADED_1,
            },
            {
                "load_id": "l3",
                "source": "customers",
                "dataset": "usage",
                "source_file": "customers/usage/bad.csv",
                "file_sha256": "bad",
                "status": "quarantined",
                "reason": "missing column amount_usd",
                "loaded_at": LOADED_1,
            },
        ],
    )
    _write_manifest(raw_root, "audit__load_log", [load_log])
    rejected = _write_raw(
        raw_root,
        "audit__rejected_rows",
        "rejected_rows.parquet",
        [
            {
                "source": "customers",
                "dataset": "usage",
                "source_file": "customers/usage/jan.csv",
                "file_sha256": "old",
                "row_number": 3,
                "reason": "negative amount_usd",
                "loaded_at": LOADED_1 - dt.timedelta(days=1),
            },
            {
                "source": "customers",
                "dataset": "usage",
                "source_file": "customers/usage/jan.csv",
                "file_sha256": "sha-customers/usage/jan.csv",
                "row_number": 5,
                "reason": "unknown vendor_id",
                "loaded_at": LOADED_1,
            },
        ],
    )
    _write_manifest(raw_root, "audit__rejected_rows", [rejected])


# --- running dbt -----------------------------------------------------------------------------------------
def _dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def start_dbt_build(home: Path) -> tuple[subprocess.Popen, Path]:
    """Start `dbt build` with the vars of Settings.dbt_vars; target/ and logs/ stay under `home`."""
    raw_root = home / "raw"
    warehouse = home / "warehouse" / "market.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    dbt_vars = {
        "warehouse_path": str(warehouse),
        "raw_root": str(raw_root),
        "manifest_glob": str(raw_root / "_manifest" / "*.parquet"),
        "memory_limit": "1GB",
    }
    command = [
        _dbt_executable(),
        "build",
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(home / "dbt_target"),
        "--log-path", str(home / "dbt_logs"),
        "--vars", json.dumps(dbt_vars),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=DBT_PROJECT_DIR
    )
    return process, warehouse


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, tuple[int, str, Path]]:
    """Both builds of the module, run side by side (separate warehouses): exit code, output, warehouse."""
    full = tmp_path_factory.mktemp("dbt_full")
    build_archive(full / "raw")
    empty = tmp_path_factory.mktemp("dbt_empty")  # nothing delivered yet: no manifest at all
    (empty / "raw").mkdir()
    started = {name: start_dbt_build(home) for name, home in (("full", full), ("empty", empty))}
    finished = {}
    for name, (process, warehouse) in started.items():
        output, _ = process.communicate(timeout=300)
        finished[name] = (process.returncode, output, warehouse)
    return finished


@pytest.fixture(scope="module")
def built(builds) -> Path:
    returncode, output, warehouse = builds["full"]
    assert returncode == 0, output[-8000:]
    return warehouse


@pytest.fixture(scope="module")
def built_without_manifests(builds) -> tuple[int, str, Path]:
    return builds["empty"]


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql, params or []).fetchall()


def shares(warehouse: Path, grain: str, measure: str, segment: str) -> dict[tuple[str, str], tuple]:
    rows = query(
        warehouse,
        "select cast(period_start as varchar), vendor_id, value, total, share, share_change_pp, rank"
        " from marts.fct_market_share where period_grain = ? and measure = ? and segment = ?",
        [grain, measure, segment],
    )
    return {(row[0], row[1]): row[2:] for row in rows}


# --- the sources declare the contracts ---------------------------------------------------------------------
def test_sources_declare_exactly_the_contract_columns_and_types():
    declared: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml")):
        for source in yaml.safe_load(path.read_text()).get("sources", []) or []:
            assert source["name"] == "raw" and source.get("schema", "raw") == "raw", path
            for table in source["tables"]:
                assert table["name"] not in declared, f"{table['name']} declared twice"
                declared[table["name"]] = [(c["name"], c["data_type"]) for c in table["columns"]]
                assert all(c.get("description") for c in table["columns"]), table["name"]
                source_name, dataset = table["name"].split("__", 1)
                assert table["config"]["meta"]["dagster"]["asset_key"] == ["raw", source_name, dataset]
    expected = {
        relation: [(name, kind.sql_type) for name, kind in columns] for relation, columns in raw_relations().items()
    }
    assert declared == expected


# --- a full build ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_schemas_are_exactly_the_layers(built):
    schemas = {
        row[0]
        for row in query(
            built, "select distinct schema_name from duckdb_schemas() where database_name = current_database()"
        )
    }
    assert {"raw", "staging", "intermediate", "marts", "audit"} <= schemas
    tables = {row[0] for row in query(built, "select table_name from duckdb_tables() where schema_name = 'marts'")}
    assert set(MARTS) <= tables
    assert not [s for s in schemas if s.startswith("main_")]


@pytest.mark.slow
def test_warehouse_file_is_readable_by_duckdb_1_5(built):
    tags = query(built, "select tags['storage_version'] from duckdb_databases() where not internal")
    assert tags == [("v1.5.0+",)]


@pytest.mark.slow
def test_raw_views_read_every_listed_file_and_empty_manifests_give_typed_empty_views(built):
    assert query(built, "select count(*) from raw.customers__usage") == [(9,)]
    assert query(built, "select count(*) from raw.pricing__prices") == [(0,)]
    types = dict(
        query(
            built,
            "select column_name, data_type from duckdb_columns()"
            " where schema_name = 'raw' and table_name = 'pricing__prices'",
        )
    )
    assert types["usd_per_unit"] == "DECIMAL(18,9)" and types["effective_from"] == "DATE"


@pytest.mark.slow
def test_dim_vendors_latest_record_plus_genai_prices_providers(built):
    rows = query(
        built,
        "select vendor_id, vendor_name, source, is_synthetic, in_genai_prices"
        " from marts.dim_vendors order by vendor_id",
    )
    assert rows == [
        ("alpha", "Alpha AI", "synthetic: demo", True, False),
        ("anthropic", "Anthropic", "genai-prices@0.2.3", False, True),
        ("beta", "Beta Labs Inc", "report", False, False),
        ("openai", "OpenAI", "report", False, True),
    ]


@pytest.mark.slow
def test_dim_accounts_segment_unknown_when_missing(built):
    rows = query(built, "select account_id, segment from marts.dim_accounts where is_current order by account_id")
    assert rows == [("acc1", "enterprise"), ("acc2", "smb"), ("acc3", "unknown")]


@pytest.mark.slow
def test_an_account_a_correction_dropped_keeps_its_last_record_flagged(built):
    rows = query(built, "select account_id, segment, industry, is_current from marts.dim_accounts order by 1")
    assert rows[0] == ("acc1", "enterprise", "finance", True)  # an earlier version never overrides the current
    assert rows[-1] == ("acc9", "consumer", "education", False)  # only in a replaced version
    assert query(built, "select count(*) from marts.dim_vendors where not is_current") == [(0,)]


@pytest.mark.slow
def test_spend_share_by_month(built):
    got = shares(built, "month", "spend", "all")
    assert got == {
        ("2025-01-01", "alpha"): (Decimal("150"), Decimal("200"), 0.75, None, 1),
        ("2025-01-01", "beta"): (Decimal("50"), Decimal("200"), 0.25, None, 2),
        ("2025-02-01", "alpha"): (Decimal("80"), Decimal("100"), 0.8, pytest.approx(5.0), 1),
        ("2025-02-01", "beta"): (Decimal("20"), Decimal("100"), 0.2, pytest.approx(-5.0), 2),
        # absent in January (which has data): the change is from 0
        ("2025-02-01", "openai"): (Decimal("0"), Decimal("100"), 0.0, 0.0, 3),
        ("2025-03-01", "beta"): (Decimal("100"), Decimal("100"), 1.0, pytest.approx(80.0), 1),
    }


@pytest.mark.slow
def test_spend_share_by_quarter_and_segment(built):
    assert shares(built, "quarter", "spend", "all") == {
        ("2025-01-01", "alpha"): (Decimal("230"), Decimal("400"), 0.575, None, 1),
        ("2025-01-01", "beta"): (Decimal("170"), Decimal("400"), 0.425, None, 2),
        ("2025-01-01", "openai"): (Decimal("0"), Decimal("400"), 0.0, None, 3),
    }
    assert shares(built, "quarter", "spend", "smb") == {
        ("2025-01-01", "alpha"): (Decimal("20"), Decimal("90"), pytest.approx(2 / 9), None, 2),
        ("2025-01-01", "beta"): (Decimal("70"), Decimal("90"), pytest.approx(7 / 9), None, 1),
    }
    # acc3 (no segment) spent nothing: its spend markets have total 0 and are dropped
    assert shares(built, "month", "spend", "unknown") == {}


@pytest.mark.slow
def test_customers_count_accounts_with_positive_spend(built):
    assert shares(built, "month", "customers", "all") == {
        ("2025-01-01", "alpha"): (Decimal("1"), Decimal("2"), 0.5, None, 1),
        ("2025-01-01", "beta"): (Decimal("1"), Decimal("2"), 0.5, None, 1),  # acc3's zero row is no customer
        ("2025-02-01", "alpha"): (
            Decimal("2"),
            Decimal("3"),
            pytest.approx(2 / 3),
            pytest.approx(100 * (2 / 3 - 0.5)),
            1,
        ),
        ("2025-02-01", "beta"): (
            Decimal("1"),
            Decimal("3"),
            pytest.approx(1 / 3),
            pytest.approx(100 * (1 / 3 - 0.5)),
            2,
        ),
        ("2025-02-01", "openai"): (Decimal("0"), Decimal("3"), 0.0, 0.0, 3),
        ("2025-03-01", "beta"): (Decimal("1"), Decimal("1"), 1.0, pytest.approx(100 * (1 - 1 / 3)), 1),
    }
    # quarter: accounts with spend > 0 over the quarter (acc1 counts for beta through March)
    quarter = shares(built, "quarter", "customers", "all")
    assert {key: row[0] for key, row in quarter.items()} == {
        ("2025-01-01", "alpha"): Decimal("2"),
        ("2025-01-01", "beta"): Decimal("2"),
        ("2025-01-01", "openai"): Decimal("0"),
    }


@pytest.mark.slow
def test_tokens_count_nulls_as_zero(built):
    got = shares(built, "month", "tokens", "all")
    assert {key: row[0] for key, row in got.items() if key[0] == "2025-01-01"} == {
        ("2025-01-01", "alpha"): Decimal("1500"),
        ("2025-01-01", "beta"): Decimal("10"),
    }
    # February has usage but no tokens at all: total 0, dropped
    assert not [key for key in got if key[0] == "2025-02-01"]
    assert shares(built, "month", "tokens", "unknown") == {
        ("2025-01-01", "beta"): (Decimal("10"), Decimal("10"), 1.0, None, 1)
    }


@pytest.mark.slow
def test_revenue_uses_the_latest_reported_figure(built):
    assert shares(built, "quarter", "revenue", "all") == {
        ("2025-01-01", "alpha"): (Decimal("360"), Decimal("400"), 0.9, None, 1),
        ("2025-01-01", "beta"): (Decimal("40"), Decimal("400"), 0.1, None, 2),
        ("2025-04-01", "alpha"): (Decimal("100"), Decimal("100"), 1.0, pytest.approx(10.0), 1),
    }
    assert query(
        built,
        "select count(*) from marts.fct_market_share"
        " where measure = 'revenue' and (period_grain <> 'quarter' or segment <> 'all')",
    ) == [(0,)]


@pytest.mark.slow
def test_concentration(built):
    rows = query(
        built,
        "select cast(period_start as varchar), measure, n_vendors, hhi, cr4, level from marts.fct_market_concentration"
        " where period_grain = 'quarter' and segment = 'all' and measure in ('revenue', 'spend') order by 2, 1",
    )
    assert rows == [
        ("2025-01-01", "revenue", 2, pytest.approx(90.0**2 + 10.0**2), pytest.approx(1.0), "highly concentrated"),
        ("2025-04-01", "revenue", 1, pytest.approx(10000.0), 1.0, "highly concentrated"),
        ("2025-01-01", "spend", 2, pytest.approx(57.5**2 + 42.5**2), pytest.approx(1.0), "highly concentrated"),
    ]
    # every market of fct_market_share has exactly one concentration row, with hhi = Σ (share x 100)²
    expected: dict[tuple, float] = {}
    for *market, share in query(
        built, "select period_grain, period_start, measure, segment, share from marts.fct_market_share"
    ):
        expected[tuple(market)] = expected.get(tuple(market), 0.0) + (share * 100) ** 2
    got = {
        tuple(market): hhi
        for *market, hhi in query(
            built, "select period_grain, period_start, measure, segment, hhi from marts.fct_market_concentration"
        )
    }
    assert got.keys() == expected.keys()
    assert got == {market: pytest.approx(hhi, rel=1e-12) for market, hhi in expected.items()}


@pytest.mark.slow
def test_rejected_rows_is_current_follows_the_latest_loaded_version(built):
    rows = query(built, "select file_sha256, row_number, is_current from audit.rejected_rows order by row_number")
    assert rows == [("old", 3, False), ("sha-customers/usage/jan.csv", 5, True)]
    assert query(built, "select count(*) from audit.load_log") == [(3,)]


@pytest.mark.slow
def test_mart_columns_follow_the_contract(built):
    types = query(
        built,
        "select column_name, data_type from duckdb_columns()"
        " where schema_name = 'marts' and table_name = 'fct_market_share' order by column_index",
    )
    assert types == [
        ("period_grain", "VARCHAR"),
        ("period_start", "DATE"),
        ("measure", "VARCHAR"),
        ("segment", "VARCHAR"),
        ("vendor_id", "VARCHAR"),
        ("value", "DECIMAL(38,6)"),
        ("total", "DECIMAL(38,6)"),
        ("share", "DOUBLE"),
        ("share_change_pp", "DOUBLE"),
        ("rank", "INTEGER"),
    ]


# --- nothing delivered yet ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_build_without_any_manifest_succeeds_with_empty_marts(built_without_manifests):
    returncode, output, warehouse = built_without_manifests
    assert returncode == 0, output[-8000:]
    for mart in MARTS:
        assert query(warehouse, f"select count(*) from marts.{mart}") == [(0,)], mart
    assert query(warehouse, "select count(*) from audit.rejected_rows") == [(0,)]
    # the raw views are typed from the sources' YAML
    types = dict(
        query(
            warehouse,
            "select column_name, data_type from duckdb_columns()"
            " where schema_name = 'raw' and table_name = 'customers__usage'",
        )
    )
    duckdb_name = {"STRING": "VARCHAR"}  # DuckDB's name for the portable `string`
    expected = {name: kind.sql_type.upper() for name, kind in raw_relations()["customers__usage"]}
    assert types == {name: duckdb_name.get(sql_type, sql_type) for name, sql_type in expected.items()}


# --- pricing and sustainability marts ----------------------------------------------------------------------------
PRICING_AND_SCORECARD_MARTS = (
    "dim_models",
    "fct_model_prices",
    "fct_price_index",
    "fct_sustainability_indicators",
    "fct_sustainability_scorecard",
)


@pytest.mark.slow
def test_models_listed_without_a_price_are_kept_and_marked(built):
    rows = query(
        built, "select vendor_id, model_id, has_price, n_price_rows, source from marts.dim_models order by 1, 2"
    )
    assert rows == [
        ("anthropic", "claude", False, 0, "genai-prices@0.2.3"),
        ("openai", "gpt-4o", False, 0, "genai-prices@0.2.3"),
    ]
    assert query(built, "select count(*) from marts.fct_model_prices") == [(0,)]


@pytest.mark.slow
def test_scorecard_of_the_fixture_follows_its_indicator_rows(built):
    # alpha and beta report revenue for 2025Q1: min-max gives 100 and 0; gross margin of alpha alone gives 50
    rows = query(
        built,
        "select vendor_id, indicator, raw_value, normalized from marts.fct_sustainability_indicators"
        " where quarter = date '2025-01-01' and origin = 'reported' order by 1, 2",
    )
    assert rows == [
        ("alpha", "gross_margin_pct", 55.0, 50.0),
        ("alpha", "revenue_usd", 360.0, 100.0),
        ("beta", "revenue_usd", 40.0, 0.0),
    ]
    # in scope: vendors of market/vendors with any indicator (openai's zero spend is a 0 spend share);
    # anthropic, known only from genai-prices, is not
    vendors = {row[0] for row in query(built, "select distinct vendor_id from marts.fct_sustainability_scorecard")}
    assert vendors == {"alpha", "beta", "openai"}


@pytest.mark.slow
def test_build_without_any_manifest_has_empty_pricing_and_scorecard_marts(built_without_manifests):
    returncode, output, warehouse = built_without_manifests
    assert returncode == 0, output[-8000:]
    for mart in PRICING_AND_SCORECARD_MARTS:
        assert query(warehouse, f"select count(*) from marts.{mart}") == [(0,)], mart
    assert query(warehouse, "select count(*) >= 20 from marts.dim_indicators") == [(True,)]

"""The analysts' tools on the tiny demo warehouse: `modelmarket export`, `modelmarket docs`, the DuckDB CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest.settings import Settings
from orchestration import cli

DUCKDB_CLI_ENV = "MODELMARKET_DUCKDB_CLI"  # a `duckdb` executable to test against, e.g. from `pip install duckdb-cli`


@pytest.fixture
def home_env(demo_home: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MODELMARKET_HOME", str(demo_home.home))
    return demo_home


def mart_rows(settings: Settings) -> dict[str, int]:
    """Rows per table of schema marts, counted in the published warehouse."""
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        names = con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()
        return {name: con.execute(f'select count(*) from marts."{name}"').fetchone()[0] for (name,) in names}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_mart_with_its_rows(
    home_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    expected = mart_rows(home_env)
    assert "fct_market_share" in expected and "fct_sustainability_scorecard" in expected

    assert cli.main(["export", "--format", fmt, "--out", str(tmp_path / "out")]) == 0

    out, err = capsys.readouterr()
    assert f"exported {len(expected)} marts" in out
    assert len([line for line in err.splitlines() if line.startswith("[")]) == len(expected)  # one progress line each
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{name}.{fmt}" for name in expected)
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    with duckdb.connect() as con:
        counted = {
            name: con.execute(
                f"select count(*) from {reader}(?)", [str(tmp_path / "out" / f"{name}.{fmt}")]
            ).fetchone()[0]
            for name in expected
        }
        columns = con.execute(
            f"select * from {reader}(?) limit 0", [str(tmp_path / "out" / f"fct_market_share.{fmt}")]
        ).description
    assert counted == expected
    assert [c[0] for c in columns][:5] == ["period_grain", "period_start", "measure", "segment", "vendor_id"]


def test_export_of_chosen_marts(home_env: Settings, tmp_path: Path) -> None:
    out = tmp_path / "chosen"
    assert cli.main(["export", "--out", str(out), "--mart", "dim_vendors", "--mart", "fct_market_share"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["dim_vendors.parquet", "fct_market_share.parquet"]


@pytest.mark.parametrize("name", ["no_such_mart", 'fct_market_share"; drop table marts.dim_vendors; --'])
def test_export_of_an_unknown_mart_is_one_line_and_exit_2(
    home_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert cli.main(["export", "--format", "csv", "--out", str(tmp_path / "out"), "--mart", name]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("modelmarket: unknown mart") and "fct_market_share" in err
    assert not (tmp_path / "out").exists()
    assert mart_rows(home_env)["dim_vendors"] > 0


def test_export_without_a_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("MODELMARKET_HOME", str(tmp_path / "empty"))
    assert cli.main(["export", "--out", str(tmp_path / "out")]) == 2
    assert "no published warehouse" in capsys.readouterr().err


def test_docs_builds_the_site_with_every_column_described(
    home_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    published_before = home_env.published_path.stat().st_mtime_ns

    assert cli.main(["docs", "--no-serve"]) == 0

    site = home_env.reports_dir / "dbt-docs"
    assert str(site / "index.html") in capsys.readouterr().out
    assert (site / "index.html").is_file() and (site / "static_index.html").is_file()
    catalog = json.loads((site / "catalog.json").read_text())
    manifest = json.loads((site / "manifest.json").read_text())
    columns = catalog["nodes"]["model.modelmarket.fct_market_share"]["columns"]
    assert {"period_start", "vendor_id", "share", "share_change_pp", "rank"} <= set(columns)
    assert all(column["comment"] for column in columns.values()), "every column has its description"
    described = manifest["nodes"]["model.modelmarket.fct_market_share"]["columns"]
    assert set(described) == set(columns) and all(c["description"] for c in described.values())
    parents = manifest["parent_map"]["model.modelmarket.fct_market_share"]
    assert parents and all(p.startswith(("model.modelmarket.", "seed.modelmarket.")) for p in parents)  # lineage
    assert home_env.published_path.stat().st_mtime_ns == published_before  # dbt ran on a copy
    assert not [p for p in home_env.reports_dir.iterdir() if p.name.startswith("dbt-docs-")]  # the copy is gone


def _duckdb_cli() -> str | None:
    candidates = [os.environ.get(DUCKDB_CLI_ENV), str(Path(sys.executable).parent / "duckdb"), shutil.which("duckdb")]
    return next((c for c in candidates if c and Path(c).is_file() and os.access(c, os.X_OK)), None)


def test_the_published_file_opens_in_the_duckdb_cli(demo_home: Settings) -> None:
    """storage_compatibility_version (dbt/profiles.yml) keeps the file readable by the PyPI `duckdb-cli`."""
    executable = _duckdb_cli()
    if executable is None:
        pytest.skip(f"no DuckDB CLI: install the dev dependency duckdb-cli, put duckdb on PATH or set {DUCKDB_CLI_ENV}")
    done = subprocess.run(
        [executable, "-readonly", "-csv", "-noheader", str(demo_home.published_path),
         "-c", "select count(*) from marts.fct_market_share"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) == mart_rows(demo_home)["fct_market_share"]

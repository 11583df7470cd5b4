"""The dbt unit tests (movement kinds, normalisation, composite, share changes, ...) pass.

They test SQL logic on hand-written inputs, so they run here rather than in every nightly build. dbt needs the
parents of each tested model to exist to know their columns: they run against a copy of the demo warehouse.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from ingest.settings import Settings
from orchestration.dbt_project import DBT_EXECUTABLE, DBT_TARGET, dbt_env

pytestmark = pytest.mark.slow


def test_every_dbt_unit_test_passes(demo_home: Settings, tmp_path):
    warehouse = tmp_path / "unit.duckdb"
    shutil.copyfile(demo_home.published_path, warehouse)
    command = [
        DBT_EXECUTABLE, "test", "--select", "test_type:unit",
        "--project-dir", str(demo_home.dbt_project_dir), "--profiles-dir", str(demo_home.dbt_project_dir),
        "--target", DBT_TARGET, "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
        "--vars", json.dumps(demo_home.dbt_vars(warehouse_path=warehouse)),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=dbt_env(), cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stdout[-4000:]
    summary = re.search(r"Done\. PASS=(\d+) WARN=\d+ ERROR=(\d+)", done.stdout)
    assert summary, done.stdout[-2000:]
    assert int(summary.group(1)) >= 13 and int(summary.group(2)) == 0  # 13 unit tests (+ the on-run-start hook)

"""The one dbt project handle, and `dbt parse` so the manifest exists before Definitions load."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

from ingest.settings import DBT_PROJECT_DIR, Settings

DBT_TARGET = "duckdb"
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target=DBT_TARGET)


class DbtParseError(RuntimeError):
    """dbt could not parse the project; the message holds dbt's own error lines."""


# The folders whose files shape the dbt graph (target/, logs/ hold outputs and are never read for the fingerprint).
GRAPH_FOLDERS = ("models", "macros", "tests", "seeds", "snapshots", "analyses")
GRAPH_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "selectors.yml")


class ModelmarketDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two start-up costs a refresh never uses (≈ 8 s on 2 cores, measured).

    - the dbt version: dagster-dbt runs `dbt --version` in a subprocess (≈ 4.5 s of imports); our executable is
      this environment's dbt, so the installed dbt-core's version is the same answer;
    - an in-process dbt adapter (≈ 3.6 s): dagster-dbt opens one only to fetch row counts and column metadata,
      which we don't ask for (the quality gate counts rows). Without it, dagster-dbt streams events as usual.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Any) -> Any:
        return None  # dagster-dbt treats a missing adapter as "no row counts or column metadata"


def dbt_resource(target: str = DBT_TARGET) -> DbtCliResource:
    return ModelmarketDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE, target=target)


def dbt_env() -> dict[str, str]:
    """The environment dbt runs with: no anonymous usage tracking, no version check."""
    return os.environ | {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_VERSION_CHECK": "false"}


def _project_fingerprint() -> str:
    """Changes whenever a file that shapes the dbt graph changes (models, macros, tests, seeds, configs)."""
    digest = hashlib.sha256()
    paths = [DBT_PROJECT_DIR / name for name in GRAPH_FILES]
    paths += [path for folder in GRAPH_FOLDERS for path in (DBT_PROJECT_DIR / folder).rglob("*")]
    for path in sorted(p for p in paths if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(DBT_PROJECT_DIR)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def ensure_manifest(settings: Settings) -> Path:
    """Parse only when the project changed since the last manifest: Definitions need the graph, not the vars.

    (The `dbt build` of a refresh parses again with its own vars, so nothing runs on a stale graph.)
    """
    stamp = dbt_project.manifest_path.parent / "modelmarket_fingerprint.txt"
    fingerprint = _project_fingerprint()
    if dbt_project.manifest_path.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return dbt_project.manifest_path
    path = parse(settings)
    stamp.write_text(fingerprint)
    return path


def parse(settings: Settings) -> Path:
    """Write target/manifest.json (partial parsing keeps this fast after the first time)."""
    command = [
        DBT_EXECUTABLE, "parse", "--quiet",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target", DBT_TARGET, "--vars", json.dumps(settings.dbt_vars()),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=dbt_env(), cwd=DBT_PROJECT_DIR, check=False)
    if done.returncode != 0:
        detail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        raise DbtParseError("dbt parse failed: " + " | ".join(detail))
    return dbt_project.manifest_path

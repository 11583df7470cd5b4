"""`modelmarket docs`: build the dbt docs site (lineage, every model and column described) and serve it.

dbt needs a writable database and target directory, and `docs generate` runs the project's `on-run-start` hook,
so it works on a copy of the published warehouse (the published file is never opened for writing, nor locked)
and writes the site to `<home>/reports/dbt-docs`.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ingest.settings import Settings
from orchestration.dbt_project import DBT_EXECUTABLE, DBT_TARGET, dbt_env
from orchestration.published import PublishedUnavailable, verify_published

SITE_FILES = ("index.html", "manifest.json", "catalog.json")


class DocsError(RuntimeError):
    """The docs could not be built; one line."""


def docs_dir(settings: Settings) -> Path:
    return settings.reports_dir / "dbt-docs"


def generate_docs(settings: Settings, progress: Callable[[str], None] = lambda _message: None) -> Path:
    """Run `dbt docs generate` against a copy of the published warehouse; returns the site's directory."""
    published = settings.published_path
    try:
        verify_published(published)  # one line for a missing, locked or damaged file
    except PublishedUnavailable as err:
        raise DocsError(str(err)) from None
    site = docs_dir(settings)
    site.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dbt-docs-", dir=settings.reports_dir) as scratch:
        copy = Path(scratch) / published.name
        progress(f"copying {published} (dbt opens its database for writing)")
        shutil.copyfile(published, copy)  # not its mode: the published file is read-only
        command = [
            DBT_EXECUTABLE, "docs", "generate", "--static",
            "--project-dir", str(settings.dbt_project_dir), "--profiles-dir", str(settings.dbt_project_dir),
            "--target", DBT_TARGET, "--target-path", str(site), "--log-path", str(Path(scratch) / "logs"),
            "--vars", json.dumps(settings.dbt_vars(warehouse_path=copy)),
        ]  # fmt: skip
        progress("dbt docs generate")
        done = subprocess.run(
            command, capture_output=True, text=True, env=dbt_env(), cwd=settings.dbt_project_dir, check=False
        )
    if done.returncode != 0:
        detail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-3:])
        raise DocsError(f"dbt docs generate failed: {detail}")
    missing = [name for name in SITE_FILES if not (site / name).is_file()]
    if missing:
        raise DocsError(f"dbt docs generate wrote no {', '.join(missing)} in {site}")
    return site


def serve(site: Path, port: int, address: str = "127.0.0.1") -> None:
    """Serve the static site until Ctrl-C."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    with ThreadingHTTPServer((address, port), handler) as server:
        server.serve_forever()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

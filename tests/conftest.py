"""Shared fixtures: a fresh MODELMARKET_HOME per test, tiny landing files, and one built demo warehouse."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from ingest.settings import Settings

FIXED_TODAY_ENV = "MODELMARKET_TEST_TODAY"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for an empty home directory in tmp_path."""
    return replace(Settings.from_env({}), home=tmp_path / "home")


WriteCsv = Callable[[str, list[dict[str, object]]], Path]


@pytest.fixture
def write_csv(settings: Settings) -> WriteCsv:
    """write_csv('market/vendors/v.csv', rows) writes a CSV into the landing zone and returns its path."""

    def _write(relpath: str, rows: list[dict[str, object]], header: list[str] | None = None) -> Path:
        path = settings.landing_dir / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        names = header or list(dict.fromkeys(k for row in rows for k in row))
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=names)
            writer.writeheader()
            writer.writerows(rows)
        return path

    return _write


VENDOR_ROWS = [
    {"vendor_id": "openai", "vendor_name": "OpenAI", "hq_region": "us", "ownership": "private"},
    {"vendor_id": "anthropic", "vendor_name": "Anthropic", "hq_region": "us", "ownership": "private"},
    {"vendor_id": "acme-ai", "vendor_name": "Acme AI", "hq_region": "eu", "ownership": "private"},
]
ACCOUNT_ROWS = [
    {"account_id": "a1", "segment": "enterprise", "industry": "finance"},
    {"account_id": "a2", "segment": "smb", "industry": "retail"},
    {"account_id": "a3", "segment": "consumer", "industry": "other"},
]


@pytest.fixture
def base_landing(write_csv: WriteCsv) -> None:
    """Vendors and accounts every usage test can refer to."""
    write_csv("market/vendors/vendors.csv", VENDOR_ROWS)
    write_csv("customers/accounts/accounts.csv", ACCOUNT_ROWS)


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A home with the tiny demo landing zone, refreshed once and published (shared by e2e and page tests)."""
    from ingest.demo import write_demo_landing
    from orchestration.refresh import run_refresh

    settings = replace(Settings.from_env({}), home=tmp_path_factory.mktemp("demo") / "home")
    write_demo_landing(settings.landing_dir, scale="tiny", seed=7)
    outcome = run_refresh(settings, progress=lambda _m: None, quiet=True)
    assert outcome.success, outcome.message
    previous = os.environ.get("MODELMARKET_HOME")
    yield settings
    if previous is not None:
        os.environ["MODELMARKET_HOME"] = previous

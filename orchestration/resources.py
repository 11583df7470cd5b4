"""Dagster resources: the modelmarket settings, resolved when a run starts (never at import)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from dagster import ConfigurableResource

from ingest.settings import Settings


class ModelmarketResource(ConfigurableResource):
    """Where the home directory is; empty means MODELMARKET_HOME (default ./data)."""

    home: str = ""

    def settings(self) -> Settings:
        settings = Settings.from_env()
        return replace(settings, home=Path(self.home).expanduser().resolve()) if self.home else settings

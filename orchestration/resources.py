"""Dagster resources: the modelmarket settings, resolved when a run starts (never at import)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from dagster import ConfigurableResource

from ingest.settings import Settings


class ModelmarketResource(ConfigurableResource):
    """Where the home directory is; empty means MODELMARKET_HOME (default ./data). Likewise the build engine
    (empty: MODELMARKET_ENGINE), so a run builds with the engine its dbt resource was made for."""

    home: str = ""
    engine: str = ""

    def settings(self) -> Settings:
        settings = Settings.from_env()
        if self.engine:
            settings = replace(settings, engine=self.engine)
        return replace(settings, home=Path(self.home).expanduser().resolve()) if self.home else settings

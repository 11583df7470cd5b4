"""Great Expectations' expectation classes, imported on first use.

Importing Great Expectations takes ~5 s on our 2-core machine. Loading the Dagster definitions (the CLI, the
Dagster UI, every test that loads them) needs only the suites' names and assets, not their expectations, so the
suites refer to `gxe` through this module and the import happens when a suite is first built.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any

GX_EXPECTATIONS = "great_expectations.expectations"


class _OnFirstUse(ModuleType):
    """A stand-in for a module that imports it when one of its attributes is first read."""

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attribute)


def import_in_background() -> threading.Thread:
    """Start importing Great Expectations in a thread, e.g. while dbt builds in its own process."""
    thread = threading.Thread(target=importlib.import_module, args=(GX_EXPECTATIONS,), daemon=True)
    thread.start()
    return thread


if TYPE_CHECKING:
    import great_expectations.expectations as gxe
else:
    gxe = _OnFirstUse(GX_EXPECTATIONS)

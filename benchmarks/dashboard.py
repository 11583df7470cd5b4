"""Time each dashboard page's queries (`dashboards/queries.py`) against a published warehouse, caches cleared.

python -m benchmarks.dashboard <warehouse.duckdb>  → JSON: milliseconds per query (best of REPEATS) and per page.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPEATS = 3


def _calls(path: Path) -> dict[str, dict[str, Callable[[], Any]]]:
    from dashboards import queries as q

    info = q.warehouse_info(path)
    options = q.filter_options(path)
    months = options.periods_for("month")
    vendor = str(q.customer_vendors(path)["vendor_id"].iloc[0])
    quarters = q.scorecard_quarters(path)
    quarter = quarters.iloc[-1, 0] if len(quarters) else None
    start = months[-12] if len(months) >= 12 else None
    return {
        "overview": {
            "headline": lambda: q.headline(path, "month", "all", data_as_of=info.data_as_of),
            "retention_totals": lambda: q.retention_totals(path, "all", months[-2:]),
            "revenue_totals": lambda: q.revenue_totals(path),
            "sustainability_movers": lambda: q.sustainability_movers(path),
        },
        "market_share": {
            "market_share": lambda: q.market_share(path, "month", "spend", "all"),
            "concentration": lambda: q.concentration(path, "month", "spend", "all"),
        },
        "customers": {
            "customer_vendors": lambda: q.customer_vendors(path),
            "revenue_movements": lambda: q.revenue_movements(path, vendor, "all", start),
            "retention": lambda: q.retention(path, "all", (), start),
            "cohorts": lambda: q.cohorts(path, vendor, "all", start),
        },
        "switching": {"switching": lambda: q.switching(path, "all", (), start)},
        "pricing": {
            "price_vendors": lambda: q.price_vendors(path),
            "price_index": lambda: q.price_index(path, "input"),
            "current_prices": lambda: q.current_prices(path),
        },
        "sustainability": {"scorecard": lambda: q.scorecard(path, quarter)},
        "quality": {
            "quality_runs": lambda: q.quality_runs(path),
            "rejected_by_reason": lambda: q.rejected_by_reason(path),
            "load_problems": lambda: q.load_problems(path),
        },
    }


def time_pages(path: Path) -> dict[str, Any]:
    import streamlit as st

    timings: dict[str, dict[str, float]] = {}
    errors: dict[str, str] = {}
    for page, calls in _calls(path).items():
        for name, call in calls.items():
            best = float("inf")
            try:
                for _ in range(REPEATS):
                    st.cache_data.clear()
                    started = time.perf_counter()
                    call()
                    best = min(best, (time.perf_counter() - started) * 1000)
            except Exception as error:  # a page query that fails is reported, not fatal
                errors[f"{page}.{name}"] = f"{type(error).__name__}: {error}"
                continue
            timings.setdefault(page, {})[name] = round(best, 1)
    pages = {page: round(sum(ms.values()), 1) for page, ms in timings.items()}
    slowest = max((ms for calls in timings.values() for ms in calls.values()), default=None)
    return {"max_ms": slowest, "page_total_ms": pages, "queries_ms": timings, "errors": errors}


if __name__ == "__main__":
    print(json.dumps(time_pages(Path(sys.argv[1]))))

"""The page registry: one entry per file in `dashboards/views/`, in menu order.

Adding a page: write `dashboards/views/<name>.py` (start it with `ctx = components.page_context()`),
then add one `PageSpec` below. `filters` names the shared sidebar filters that apply to the page.

The folder is deliberately not called `pages/`: Streamlit still treats a `pages/` folder next to the entry point
as a legacy multipage app, and a shared link opened as the first request of a session (e.g. /market-share?…)
then showed a "Page not found" dialog over the right page. `url_path` is the page's URL (hyphens).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dashboards.filters import ALL_FILTERS, GRAIN_KEY, PERIOD_KEY, VENDORS_KEY

DASHBOARDS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PageSpec:
    """One page of the app."""

    script: str  # relative to dashboards/, e.g. "views/overview.py"
    title: str
    icon: str
    url_path: str  # the page's URL; must differ from the file's stem (see the module docstring)
    filters: frozenset[str] = ALL_FILTERS
    default: bool = False

    @property
    def path(self) -> Path:
        return DASHBOARDS_DIR / self.script


PAGES: tuple[PageSpec, ...] = (
    PageSpec("views/overview.py", "Overview", ":material/dashboard:", "home", default=True),
    PageSpec("views/market_share.py", "Market share & concentration", ":material/pie_chart:", "market-share"),
    PageSpec("views/customers.py", "Customers & retention", ":material/groups:", "customers-retention"),
    PageSpec("views/switching.py", "Switching", ":material/swap_horiz:", "vendor-switching"),
    PageSpec(
        "views/pricing.py",
        "Pricing",
        ":material/sell:",
        "model-pricing",
        filters=frozenset({GRAIN_KEY, PERIOD_KEY, VENDORS_KEY}),
    ),
    PageSpec(
        "views/sustainability.py",
        "Sustainability",
        ":material/eco:",
        "sustainability-scorecard",
        filters=frozenset({VENDORS_KEY}),
    ),
    PageSpec("views/quality.py", "Data quality", ":material/fact_check:", "data-quality", filters=frozenset()),
)

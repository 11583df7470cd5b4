"""The page registry: one entry per file in `dashboards/pages/`, in menu order.

Adding a page: write `dashboards/pages/<name>.py` (start it with `ctx = components.page_context()`),
then add one `PageSpec` below. `filters` names the shared sidebar filters that apply to the page.

`url_path` must not equal the file's stem (use hyphens: "market-share" for market_share.py). Streamlit still
recognises a legacy `pages/` folder next to the entry point: until the first `st.navigation` call of a process
(and on every AppTest run), a request whose page hash matches a file name in `pages/` runs that file on its own,
without `app.py`, so without the sidebar and the demo banner. Distinct URL paths never match.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dashboards.filters import ALL_FILTERS, GRAIN_KEY, PERIOD_KEY, VENDORS_KEY

DASHBOARDS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PageSpec:
    """One page of the app."""

    script: str  # relative to dashboards/, e.g. "pages/overview.py"
    title: str
    icon: str
    url_path: str  # the page's URL; must differ from the file's stem (see the module docstring)
    filters: frozenset[str] = ALL_FILTERS
    default: bool = False

    @property
    def path(self) -> Path:
        return DASHBOARDS_DIR / self.script


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "Overview", ":material/dashboard:", "home", default=True),
    PageSpec("pages/market_share.py", "Market share & concentration", ":material/pie_chart:", "market-share"),
    PageSpec("pages/customers.py", "Customers & retention", ":material/groups:", "customers-retention"),
    PageSpec("pages/switching.py", "Switching", ":material/swap_horiz:", "vendor-switching"),
    PageSpec(
        "pages/pricing.py",
        "Pricing",
        ":material/sell:",
        "model-pricing",
        filters=frozenset({GRAIN_KEY, PERIOD_KEY, VENDORS_KEY}),
    ),
    PageSpec(
        "pages/sustainability.py",
        "Sustainability",
        ":material/eco:",
        "sustainability-scorecard",
        filters=frozenset({VENDORS_KEY}),
    ),
    PageSpec("pages/quality.py", "Data quality", ":material/fact_check:", "data-quality", filters=frozenset()),
)

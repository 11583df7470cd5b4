"""Pieces every page shares: the page context, the demo banner, freshness, empty state and downloadable tables."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import charts, filters, queries, safe_csv
from dashboards.filters import Filters
from dashboards.formatting import md_escape
from dashboards.queries import FilterOptions, WarehouseInfo
from ingest.settings import Settings

NO_WAREHOUSE_MESSAGE = "No published warehouse yet: run `modelmarket refresh`"
EMPTY_MESSAGE = "No data for these filters"
SYNTHETIC_MESSAGE = "Synthetic demo data"

MARKET_TABLES: tuple[str, ...] = ("marts.dim_vendors", "marts.fct_market_share", "marts.fct_market_concentration")


@dataclass(frozen=True)
class PageContext:
    """What a page needs: where the warehouse is, what is in it, the vendors, their colours and the filters."""

    path: Path
    info: WarehouseInfo
    options: FilterOptions
    vendor_names: Mapping[str, str]  # vendors with market data, sorted by id → display name
    colors: Mapping[str, str]  # vendor_id → colour (stable across charts)
    filters: Filters


def warehouse_path() -> Path:
    """The published warehouse of the configured home (MODELMARKET_HOME)."""
    return Settings.from_env().published_path


def is_usable(info: WarehouseInfo, tables: Sequence[str] = MARKET_TABLES) -> bool:
    """True when the warehouse exists, opens, and has the tables named."""
    return info.exists and info.error is None and info.has(*tables)


def market_vendor_names(path: Path) -> dict[str, str]:
    """Vendors with market data, sorted by id, → display name (the vendor filter's options)."""
    vendors = queries.vendors(path)
    listed = vendors[vendors["has_market_data"]]
    return dict(zip(listed["vendor_id"].astype(str), listed["vendor_name"].astype(str), strict=True))


def page_context(tables: Sequence[str] = MARKET_TABLES) -> PageContext:
    """Load the context of a page, or explain why there is nothing to show and stop the page there.

    `tables` are the tables the page reads; when one is missing the page says so instead of failing.
    """
    path = warehouse_path()
    info = queries.warehouse_info(path)
    unavailable(info, tables)
    if info.has(*MARKET_TABLES):
        options, vendor_names = queries.filter_options(path), market_vendor_names(path)
    else:  # a page about other tables (e.g. audit) still works before the market marts exist
        options, vendor_names = queries.FilterOptions(periods={}, segments=(), measures=()), {}
    return PageContext(
        path=path,
        info=info,
        options=options,
        vendor_names=vendor_names,
        colors=charts.vendor_colors(vendor_names),
        filters=filters.current(options, list(vendor_names)),
    )


def unavailable(info: WarehouseInfo, tables: Sequence[str]) -> None:
    """Stop the page with a friendly message when the warehouse is missing, unreadable or lacks `tables`."""
    if not info.exists:
        st.info(NO_WAREHOUSE_MESSAGE, icon=":material/database:")
        st.caption(f"Looked for {md_escape(info.path)} (set MODELMARKET_HOME to use another home).")
        st.stop()
    if info.error is not None:
        st.error(f"The published warehouse could not be opened: {md_escape(info.error)}", icon=":material/error:")
        st.stop()
    if info.notice is not None:
        st.warning(md_escape(info.notice), icon=":material/lock:")
    missing = [table for table in tables if table not in info.tables]
    if missing:
        st.info(
            f"The published warehouse has no {', '.join(f'`{t}`' for t in missing)} yet: run `modelmarket refresh`",
            icon=":material/database:",
        )
        st.stop()


def unreadable_notice(error: queries.PublishedUnavailable) -> None:
    """What a page shows instead of the rest of its content when the file stops being readable mid-page."""
    st.warning(
        f"{md_escape(str(error))}. The figures above are the last results this dashboard had; "
        "the rest of the page needs the file.",
        icon=":material/lock:",
    )


def demo_banner(info: WarehouseInfo) -> None:
    """A visible warning that the figures are synthetic (dim_vendors.is_synthetic)."""
    if info.is_synthetic:
        st.warning(
            f"**{SYNTHETIC_MESSAGE}**: vendors, customers and figures come from `modelmarket demo-data`, "
            "not from the real market (prices are real, from genai-prices).",
            icon=":material/science:",
        )


def freshness_text(info: WarehouseInfo) -> str:
    """'Last refresh 2025-04-02 03:00 UTC (published; 12 files, 1,234 rows, 3.4 s)', or what is known (Markdown)."""
    run = info.last_refresh
    if run is not None and run.published_at is not None:
        details = [md_escape(run.status)]
        if run.files_loaded is not None:
            details.append(f"{run.files_loaded:,} files")
        if run.rows_loaded is not None:
            details.append(f"{run.rows_loaded:,} rows")
        if run.rows_rejected:
            details.append(f"{run.rows_rejected:,} rejected")
        if run.duration_s is not None:
            details.append(f"{run.duration_s:,.1f} s")
        return f"Last refresh {run.published_at:%Y-%m-%d %H:%M} UTC ({', '.join(details)})"
    if info.modified_at is not None:
        return f"Warehouse file updated {info.modified_at:%Y-%m-%d %H:%M %Z}; no refresh recorded"
    return "No refresh yet"


def freshness_caption(info: WarehouseInfo) -> None:
    """The last refresh as a caption (sidebar and pages)."""
    st.caption(freshness_text(info) if info.exists else "No published warehouse yet")


def empty_state(hint: str | None = None) -> None:
    """What a chart or table shows when the filters match no rows."""
    st.info(EMPTY_MESSAGE + (f". {hint}" if hint else ""), icon=":material/filter_alt_off:")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "table"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as the download button's CSV: text cells a spreadsheet would run as formulas get a leading `'`."""
    safe = frame.rename(columns=safe_csv.neutralise)
    for column, dtype in safe.dtypes.items():
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):  # not numbers, dates, flags
            safe[column] = safe[column].map(safe_csv.neutralise)
    return safe.to_csv(index=False, lineterminator=safe_csv.LINE_END).encode("utf-8")


def table(
    frame: pd.DataFrame,
    *,
    name: str,
    column_config: Mapping[str, Any] | None = None,
    height: int | str = "auto",
) -> None:
    """A table with a CSV download button under it (the CSV holds exactly the table's columns, unformatted).

    The CSV is written when the button is clicked (a deferred download), not on every run of the page: a page
    with three tables otherwise wrote, hashed and stored three CSVs per rerun that nobody downloaded.
    """
    st.dataframe(frame, hide_index=True, column_config=dict(column_config or {}), height=height)
    slug = _slug(name)
    st.download_button(
        "Download CSV",
        data=partial(csv_bytes, frame),
        file_name=f"{slug}.csv",
        mime="text/csv",
        key=f"download-{slug}",
        icon=":material/download:",
        on_click="ignore",
    )

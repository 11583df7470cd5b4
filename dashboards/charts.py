"""Plotly figures of the dashboards, and one stable colour per vendor across all of them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# A fixed qualitative palette (Tableau 10, then D3's remaining hues): vendor i in sorted order gets colour i.
PALETTE: tuple[str, ...] = (
    "#4C78A8",
    "#F58518",
    "#E45756",
    "#72B7B2",
    "#54A24B",
    "#EECA3B",
    "#B279A2",
    "#FF9DA6",
    "#9D755D",
    "#17BECF",
    "#BCBD22",
    "#8C564B",
    "#1F77B4",
    "#9467BD",
    "#2CA02C",
    "#D62728",
)
OTHER_COLOR = "#BAB0AC"
OTHER_LABEL = "Other vendors"

MODERATE_HHI = 1000
HIGH_HHI = 1800


def vendor_colors(vendor_ids: Iterable[str]) -> dict[str, str]:
    """vendor_id → colour, assigned in sorted vendor order from the fixed palette (cycling past its end).

    Pass the same vendor list everywhere (the vendors with market data) and a vendor keeps its colour on every
    chart, whatever the filters.
    """
    return {vendor_id: PALETTE[i % len(PALETTE)] for i, vendor_id in enumerate(sorted(set(vendor_ids)))}


def _with_other(shares: pd.DataFrame) -> pd.DataFrame:
    """Add an 'Other vendors' row per period with the share the listed vendors do not hold."""
    held = shares.groupby("period_start", as_index=False)["share"].sum()
    held["share"] = (1 - held["share"]).clip(lower=0)
    held = held[held["share"] > 1e-9]
    if held.empty:
        return shares
    other = held.assign(vendor_id="", vendor_name=OTHER_LABEL)
    return pd.concat([shares, other], ignore_index=True)


def share_area(
    shares: pd.DataFrame,
    colors: Mapping[str, str],
    *,
    title: str,
    y_title: str,
    add_other: bool = False,
    height: int = 420,
) -> go.Figure:
    """Stacked area of vendor shares (0..1 shown as %) per period; one trace per vendor, largest first.

    `shares` has period_start, vendor_id, vendor_name, share. With `add_other` the rest of the market is
    stacked on top in grey, so a vendor filter never makes the shares look like they sum to 100%.
    """
    data = _with_other(shares) if add_other else shares
    order = (
        data[data["vendor_id"] != ""].groupby(["vendor_id", "vendor_name"])["share"].mean().sort_values(ascending=False)
    )
    figure = go.Figure()
    traces = [*order.index.tolist(), *([("", OTHER_LABEL)] if (data["vendor_id"] == "").any() else [])]
    for vendor_id, vendor_name in traces:
        rows = data[data["vendor_id"] == vendor_id].sort_values("period_start")
        figure.add_trace(
            go.Scatter(
                x=rows["period_start"],
                y=rows["share"],
                name=vendor_name,
                mode="lines",
                stackgroup="shares",
                line={"width": 0.8, "color": colors.get(vendor_id, OTHER_COLOR)},
                hovertemplate=f"{vendor_name}: %{{y:.1%}}<extra></extra>",
            )
        )
    figure.update_layout(
        title=title,
        height=height,
        hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": -0.3},
        margin={"t": 60, "b": 20},
    )
    figure.update_yaxes(title=y_title, tickformat=".0%", range=[0, 1])
    figure.update_xaxes(title=None)
    return figure


def concentration_chart(frame: pd.DataFrame, *, title: str, height: int = 420) -> go.Figure:
    """HHI (left axis, 0..10,000) and CR4 (right axis, %) over time, with the DOJ/FTC thresholds as lines."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(
        go.Scatter(
            x=frame["period_start"],
            y=frame["hhi"],
            name="HHI",
            mode="lines+markers",
            line={"color": "#1F3B73", "width": 2.5},
            hovertemplate="HHI %{y:,.0f}<extra></extra>",
        ),
        secondary_y=False,
    )
    figure.add_trace(
        go.Scatter(
            x=frame["period_start"],
            y=frame["cr4"],
            name="CR4 (top-4 share)",
            mode="lines+markers",
            line={"color": "#F58518", "width": 2, "dash": "dot"},
            hovertemplate="CR4 %{y:.1%}<extra></extra>",
        ),
        secondary_y=True,
    )
    thresholds = ((MODERATE_HHI, "moderately concentrated ≥ 1,000"), (HIGH_HHI, "highly concentrated > 1,800"))
    for threshold, label in thresholds:
        figure.add_hline(
            y=threshold,
            line={"color": "#888888", "dash": "dash", "width": 1},
            annotation_text=label,
            annotation_position="top left",
            secondary_y=False,
        )
    top = max(float(frame["hhi"].max()) * 1.1 if len(frame) else 0.0, HIGH_HHI * 1.25)
    figure.update_yaxes(title="HHI (0–10,000)", range=[0, min(top, 10_000)], tickformat=",.0f", secondary_y=False)
    figure.update_yaxes(title="CR4 (share of the top 4)", range=[0, 1.05], tickformat=".0%", secondary_y=True)
    figure.update_layout(
        title=title,
        height=height,
        hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": -0.3},
        margin={"t": 60, "b": 20},
    )
    return figure

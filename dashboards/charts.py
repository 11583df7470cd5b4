"""Plotly figures of the dashboards, and one stable colour per vendor across all of them.

Plotly reads titles, trace names, axis categories and hover text as a little HTML: every title and every name or
label taken from data goes through `formatting.chart_text`, and hover templates never contain data (a name is
shown with `%{fullData.name}`), so a value is drawn as its characters and never as markup or a template field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.formatting import chart_text

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
NAMED_HOVER = "%{{fullData.name}}: {value}<extra></extra>"  # the trace's (escaped) name, then the value

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


def _add_traces(figure: go.Figure, traces: list[dict[str, object]], cols: list[int] | None = None) -> None:
    """Add every trace in one call, given as dicts: the same figure as one `go.Scatter` + `add_trace` each, built
    several times faster (each go object was validated twice, and each add_trace re-checked the whole figure)."""
    if cols is None:
        figure.add_traces(traces)
    else:
        figure.add_traces(traces, rows=[1] * len(traces), cols=cols)


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
    vendors = [*order.index.tolist(), *([("", OTHER_LABEL)] if (data["vendor_id"] == "").any() else [])]
    by_vendor = dict(tuple(data.groupby("vendor_id", sort=False)))
    traces = []
    for vendor_id, vendor_name in vendors:
        rows = by_vendor[vendor_id].sort_values("period_start")
        traces.append(
            {
                "type": "scatter",
                "x": rows["period_start"].to_numpy(),
                "y": rows["share"].to_numpy(),
                "name": chart_text(vendor_name),
                "mode": "lines",
                "stackgroup": "shares",
                "line": {"width": 0.8, "color": colors.get(vendor_id, OTHER_COLOR)},
                "hovertemplate": NAMED_HOVER.format(value="%{y:.1%}"),
            }
        )
    _add_traces(figure, traces)
    figure.update_layout(
        title=chart_text(title),
        height=height,
        hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": -0.3},
        margin={"t": 60, "b": 20},
    )
    figure.update_yaxes(title=chart_text(y_title), tickformat=".0%", range=[0, 1])
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
        title=chart_text(title),
        height=height,
        hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": -0.3},
        margin={"t": 60, "b": 20},
    )
    return figure


ALL_VENDORS_COLOR = "#222222"
INCREASE_COLOR = "#54A24B"
DECREASE_COLOR = "#E45756"
TOTAL_COLOR = "#4C78A8"
MEDIAN_COLOR = "#888888"

_LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.15}


def _rgba(color: str, alpha: float) -> str:
    """'#RRGGBB' → 'rgba(r, g, b, alpha)'."""
    red, green, blue = (int(color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def cohort_heatmap(cohorts: pd.DataFrame, *, value: str, title: str, height: int = 460) -> go.Figure:
    """Cohorts (rows, oldest on top) × months since the cohort month (columns), coloured by `value` (a ratio).

    `cohorts` has cohort_month, months_since, cohort_size and the `value` column (logo_retention or
    revenue_retention).
    """
    grid = cohorts.pivot_table(index="cohort_month", columns="months_since", values=value, aggfunc="first")
    sizes = cohorts.groupby("cohort_month")["cohort_size"].first()
    labels = [f"{pd.Timestamp(month):%b %Y} (n={int(sizes[month])})" for month in grid.index]
    text = grid.map(lambda v: "" if pd.isna(v) else f"{v:.0%}")
    top = max(1.0, float(grid.max().max())) if grid.size else 1.0
    figure = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[int(k) for k in grid.columns],
            y=labels,
            text=text.to_numpy(),
            texttemplate="%{text}",
            textfont={"size": 9},
            colorscale="Blues",
            zmin=0,
            zmax=top,
            colorbar={"title": "retention", "tickformat": ".0%"},
            hovertemplate="cohort %{y}<br>month %{x}: %{z:.1%}<extra></extra>",
        )
    )
    figure.update_layout(title=chart_text(title), height=height, margin={"t": 60, "b": 20})
    figure.update_yaxes(autorange="reversed", title="Cohort (first active month, accounts)", type="category")
    figure.update_xaxes(title="Months since the cohort month", dtick=1)
    return figure


WATERFALL_STEPS: tuple[tuple[str, str, int], ...] = (
    ("mrr_start", "MRR start", 0),
    ("new_mrr", "+ New", 1),
    ("reactivation_mrr", "+ Reactivation", 1),
    ("expansion_mrr", "+ Expansion", 1),
    ("contraction_mrr", "− Contraction", -1),
    ("churned_mrr", "− Churned", -1),
    ("mrr_end", "MRR end", 0),
)


def movement_waterfall(row: Mapping[str, float], *, title: str, height: int = 420) -> go.Figure:
    """MRR start → + new + reactivation + expansion − contraction − churned → MRR end (USD)."""
    measures = ["absolute", "relative", "relative", "relative", "relative", "relative", "total"]
    values = [float(row[column]) * (sign or 1) for column, _label, sign in WATERFALL_STEPS]
    figure = go.Figure(
        go.Waterfall(
            x=[label for _column, label, _sign in WATERFALL_STEPS],
            y=values,
            measure=measures,
            text=[f"${abs(v):,.0f}" for v in values],
            textposition="outside",
            increasing={"marker": {"color": INCREASE_COLOR}},
            decreasing={"marker": {"color": DECREASE_COLOR}},
            totals={"marker": {"color": TOTAL_COLOR}},
            connector={"line": {"color": "#999999", "width": 1}},
            hovertemplate="%{x}: $%{y:,.2f}<extra></extra>",
        )
    )
    figure.update_layout(title=chart_text(title), height=height, margin={"t": 60, "b": 20}, showlegend=False)
    figure.update_yaxes(title="MRR (USD)", tickformat="$,.0f")
    return figure


def retention_lines(
    retention: pd.DataFrame, colors: Mapping[str, str], *, horizon: str, title: str, height: int = 420
) -> go.Figure:
    """NRR (left) and GRR (right) per vendor over months for one horizon ('1m' or '12m'), 100% marked."""
    figure = make_subplots(rows=1, cols=2, shared_yaxes=False, subplot_titles=(f"NRR ({horizon})", f"GRR ({horizon})"))
    traces: list[dict[str, object]] = []
    for vendor_id, rows in retention.groupby("vendor_id", sort=True):
        name = chart_text(rows["vendor_name"].iloc[0])
        color = colors.get(str(vendor_id), OTHER_COLOR)
        months = rows["month"].to_numpy()
        for col, metric in ((1, f"nrr_{horizon}"), (2, f"grr_{horizon}")):
            traces.append(
                {
                    "type": "scatter",
                    "x": months,
                    "y": rows[metric].to_numpy(),
                    "name": name,
                    "legendgroup": name,
                    "showlegend": col == 1,
                    "mode": "lines+markers",
                    "marker": {"size": 4},
                    "line": {"color": color, "width": 1.8},
                    "hovertemplate": NAMED_HOVER.format(value="%{y:.1%}"),
                }
            )
    _add_traces(figure, traces, cols=[1 + i % 2 for i in range(len(traces))])
    for col in (1, 2):
        figure.add_hline(y=1, line={"color": "#888888", "dash": "dash", "width": 1}, row=1, col=col)
    figure.update_yaxes(tickformat=".0%")
    figure.update_layout(
        title=chart_text(title), height=height, hovermode="x unified", legend=_LEGEND_BELOW, margin={"t": 80}
    )
    return figure


def switching_sankey(
    flows: pd.DataFrame, colors: Mapping[str, str], *, value: str, title: str, height: int = 480
) -> go.Figure:
    """Flows from the vendor churned from (left) to the vendor started with (right), width = `value`.

    `flows` has from_vendor, from_name, to_vendor, to_name and the `value` column (accounts or mrr_moved).
    """
    sources = flows.drop_duplicates("from_vendor").sort_values("from_vendor")
    targets = flows.drop_duplicates("to_vendor").sort_values("to_vendor")
    left = {vendor: i for i, vendor in enumerate(sources["from_vendor"])}
    right = {vendor: len(left) + i for i, vendor in enumerate(targets["to_vendor"])}
    labels = [chart_text(f"{name} (from)") for name in sources["from_name"]] + [
        chart_text(f"{name} (to)") for name in targets["to_name"]
    ]
    node_colors = [colors.get(v, OTHER_COLOR) for v in sources["from_vendor"]] + [
        colors.get(v, OTHER_COLOR) for v in targets["to_vendor"]
    ]
    value_format = "$,.0f" if value == "mrr_moved" else ",.0f"
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": labels, "color": node_colors, "pad": 14, "thickness": 16},
            link={
                "source": [left[v] for v in flows["from_vendor"]],
                "target": [right[v] for v in flows["to_vendor"]],
                "value": flows[value].astype(float).tolist(),
                "color": [_rgba(colors.get(v, OTHER_COLOR), 0.45) for v in flows["from_vendor"]],
                "hovertemplate": f"%{{source.label}} → %{{target.label}}: %{{value:{value_format}}}<extra></extra>",
            },
        )
    )
    figure.update_layout(title=chart_text(title), height=height, margin={"t": 60, "b": 20})
    return figure


def price_steps(
    history: pd.DataFrame, *, window_start: pd.Timestamp, window_end: pd.Timestamp, title: str, height: int = 420
) -> go.Figure:
    """Step lines of each model's base price over its validity (USD per Mtok, log scale).

    `history` has model_id, usd_per_mtok, valid_from (null: in force since before the window), valid_to
    (null: still in force). A price holds from valid_from up to (not including) valid_to.
    """
    figure = go.Figure()
    for model_id, rows in history.groupby("model_id", sort=True):
        xs: list[object] = []
        ys: list[float | None] = []
        for row in rows.sort_values("valid_from", na_position="first").to_dict("records"):
            start = window_start if pd.isna(row["valid_from"]) else max(pd.Timestamp(row["valid_from"]), window_start)
            end = window_end if pd.isna(row["valid_to"]) else pd.Timestamp(row["valid_to"])
            if end <= window_start:
                continue
            if xs and xs[-1] != start:
                xs.append(xs[-1])
                ys.append(None)  # a gap: the model had no price of this type in between
            xs += [start, end]
            ys += [float(row["usd_per_mtok"])] * 2
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                name=chart_text(model_id),
                mode="lines",
                line={"shape": "hv", "width": 2},
                connectgaps=False,
                hovertemplate=NAMED_HOVER.format(value="$%{y:,.4g} per Mtok"),
            )
        )
    figure.update_layout(
        title=chart_text(title), height=height, hovermode="x unified", legend=_LEGEND_BELOW, margin={"t": 60}
    )
    figure.update_yaxes(title="USD per million tokens", type="log", tickprefix="$")
    return figure


def price_index_lines(
    frame: pd.DataFrame,
    colors: Mapping[str, str],
    *,
    column: str,
    title: str,
    y_title: str,
    log: bool = False,
    height: int = 400,
) -> go.Figure:
    """One line per vendor of `column` over months; 'all' (every vendor) in black and thicker."""
    figure = go.Figure()
    traces = []
    for vendor_id, rows in frame.groupby("vendor_id", sort=False):
        is_all = vendor_id == "all"
        name = chart_text(rows["vendor_name"].iloc[0])
        traces.append(
            {
                "type": "scatter",
                "x": rows["month"].to_numpy(),
                "y": rows[column].to_numpy(),
                "name": name,
                "mode": "lines",
                "line": {
                    "color": ALL_VENDORS_COLOR if is_all else colors.get(str(vendor_id), OTHER_COLOR),
                    "width": 3.5 if is_all else 1.8,
                    "shape": "hv",
                },
                "hovertemplate": NAMED_HOVER.format(value="%{y:,.4g}"),
            }
        )
    _add_traces(figure, traces)
    figure.update_layout(
        title=chart_text(title), height=height, hovermode="x unified", legend=_LEGEND_BELOW, margin={"t": 60}
    )
    figure.update_yaxes(title=chart_text(y_title), type="log" if log else "linear")
    return figure


def radar(
    vendor_scores: Mapping[str, float | None],
    median_scores: Mapping[str, float | None],
    *,
    vendor_name: str,
    color: str,
    title: str,
    height: int = 420,
) -> go.Figure:
    """The vendor's four dimension scores (0–100) against the median of all vendors of the quarter."""
    dimensions = list(vendor_scores)
    labels = [d.capitalize() for d in dimensions] + [dimensions[0].capitalize()]

    def closed(scores: Mapping[str, float | None]) -> list[float | None]:
        values = [None if pd.isna(scores.get(d)) else float(scores[d]) for d in dimensions]  # type: ignore[arg-type]
        return values + values[:1]

    figure = go.Figure()
    figure.add_trace(
        go.Scatterpolar(
            r=closed(median_scores),
            theta=labels,
            name="Median of all vendors",
            line={"color": MEDIAN_COLOR, "dash": "dash"},
            hovertemplate="median %{theta}: %{r:.1f}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatterpolar(
            r=closed(vendor_scores),
            theta=labels,
            name=chart_text(vendor_name),
            fill="toself",
            fillcolor=_rgba(color, 0.25),
            line={"color": color, "width": 2.5},
            hovertemplate="%{fullData.name} %{theta}: %{r:.1f}<extra></extra>",
        )
    )
    figure.update_layout(
        title=chart_text(title),
        height=height,
        polar={"radialaxis": {"range": [0, 100]}},
        legend=_LEGEND_BELOW,
        margin={"t": 60},
    )
    return figure


def horizontal_bars(
    frame: pd.DataFrame, *, x: str, y: str, title: str, x_title: str, color: str = TOTAL_COLOR, height: int = 320
) -> go.Figure:
    """Horizontal bars of `x` per `y` label, largest on top."""
    data = frame.sort_values(x, ascending=True)
    figure = go.Figure(
        go.Bar(
            x=data[x],
            y=[chart_text(label) for label in data[y]],
            orientation="h",
            marker={"color": color},
            text=data[x],
            textposition="auto",
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    figure.update_layout(title=chart_text(title), height=height, margin={"t": 60, "b": 20, "l": 20})
    figure.update_xaxes(title=x_title)
    figure.update_yaxes(title=None, automargin=True)
    return figure

"""Sustainability: the ranked four-dimension scorecard, a radar against the median, drill-down, live re-weighting."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import charts, components, formatting, queries, scoring, url_state

TABLES = ("marts.fct_sustainability_scorecard", "marts.fct_sustainability_indicators", "marts.dim_indicators")
QUARTER_KEY = "quarter"
VENDOR_KEY = "score_vendor"
LOW_COVERAGE = 0.5  # below: less than half of the catalog's weight is backed by data (docs/metrics.md step 6)

ctx = components.page_context(TABLES)
view = ctx.filters

st.title("Sustainability scorecard")
st.caption(
    "Scores 0–100 per vendor and quarter: indicators min–max normalised across vendors, weighted mean per "
    "dimension, composite = weighted mean of the dimensions present (docs/metrics.md, 'Scoring method')."
)

quarters = queries.scorecard_quarters(ctx.path)
if quarters.empty:
    components.empty_state("The scorecard is empty.")
    st.stop()
quarter_codes = [q.date().isoformat() for q in quarters["quarter"]][::-1]  # newest first
coverage_of = dict(zip(quarter_codes[::-1], quarters["median_coverage"], strict=True))
well_covered = [code for code in quarter_codes if coverage_of[code] >= LOW_COVERAGE]
default_quarter = (well_covered or quarter_codes)[0]
quarter_code = st.selectbox(
    "Quarter",
    quarter_codes,
    index=quarter_codes.index(url_state.initial(QUARTER_KEY, quarter_codes, default_quarter, "one")),
    key=QUARTER_KEY,
    format_func=lambda code: f"{formatting.period_label(pd.Timestamp(code).date(), 'quarter')} "
    f"(median coverage {formatting.pct(coverage_of[code], 0)})",
)
url_state.publish(QUARTER_KEY, quarter_code, quarter_codes, default_quarter, "one")
quarter = pd.Timestamp(quarter_code).date()
quarter_label = formatting.period_label(quarter, "quarter")

# --- weights --------------------------------------------------------------------------------------------
with st.expander("Re-weight the four dimensions (live)", expanded=True, icon=":material/tune:"):
    st.caption(
        "The warehouse uses 25% each. Weights are renormalised over the dimensions a vendor has, exactly as in "
        "the warehouse; ranks and rank changes below follow these sliders."
    )
    slider_columns = st.columns(len(scoring.DIMENSIONS))
    raw_weights = {
        dimension: column.slider(
            dimension.capitalize(),
            0,
            100,
            int(scoring.DEFAULT_WEIGHTS[dimension] * 100),
            step=5,
            format="%d%%",
            key=f"weight_{dimension}",
        )
        for column, dimension in zip(slider_columns, scoring.DIMENSIONS, strict=True)
    }
    total_weight = sum(raw_weights.values())
    weights = {d: w / total_weight for d, w in raw_weights.items()} if total_weight else dict(raw_weights)
    if total_weight == 0:
        st.warning("Every weight is 0: no composite can be computed.", icon=":material/warning:")
    else:
        st.caption("Effective weights: " + ", ".join(f"{d} {formatting.pct(w, 0)}" for d, w in weights.items()))
reweighted = any(abs(weights[d] - scoring.DEFAULT_WEIGHTS[d]) > 1e-12 for d in scoring.DIMENSIONS)

# --- ranked scorecard -----------------------------------------------------------------------------------
card = scoring.rescore(queries.scorecard(ctx.path, quarter), weights)
card["low_coverage"] = card["coverage"] < LOW_COVERAGE
shown = card[card["vendor_id"].isin(view.vendors)] if view.vendors else card
shown = shown.sort_values(["new_rank", "vendor_id"], na_position="last")
st.subheader(f"Ranking, {quarter_label}" + (" (re-weighted)" if reweighted else ""))
if shown.empty:
    components.empty_state("No vendor in the filter has a score this quarter.")
    st.stop()
if shown["low_coverage"].any():
    st.warning(
        f"Rows marked ⚠ have a coverage below {formatting.pct(LOW_COVERAGE, 0)}: less than half of the catalog's "
        "indicator weight has data. Read their scores with care.",
        icon=":material/warning:",
    )
bars = go.Figure(
    go.Bar(
        x=shown["new_composite"],
        y=[
            ("⚠ " if low else "") + formatting.chart_text(name)
            for name, low in zip(shown["vendor_name"], shown["low_coverage"], strict=True)
        ],
        orientation="h",
        marker={"color": [ctx.colors.get(v, charts.OTHER_COLOR) for v in shown["vendor_id"]]},
        text=[f"{v:.1f}" for v in shown["new_composite"]],
        textposition="auto",
        hovertemplate="%{y}: %{x:.1f}<extra></extra>",
    )
)
bars.update_layout(
    title=f"Composite sustainability score (0–100), {quarter_label}" + (", re-weighted" if reweighted else ""),
    height=max(300, 30 * len(shown) + 120),
    margin={"t": 60, "b": 20},
)
bars.update_yaxes(autorange="reversed", automargin=True)
bars.update_xaxes(range=[0, 100], title="Composite score")
st.plotly_chart(bars)

components.table(
    shown[
        [
            "new_rank",
            "rank",
            "rank_change",
            "vendor_name",
            "vendor_id",
            "new_composite",
            "composite",
            *scoring.DIMENSIONS,
            "coverage",
            "low_coverage",
        ]
    ],
    name=f"scorecard-{quarter_code}",
    column_config={
        "new_rank": st.column_config.NumberColumn("Rank", format="%d", help="Rank with the weights above."),
        "rank": st.column_config.NumberColumn("Warehouse rank", format="%d", help="Rank with 25% each."),
        "rank_change": st.column_config.NumberColumn(
            "Rank change", format="%+d", help="Warehouse rank − rank with the weights above (+ = moved up)."
        ),
        "vendor_name": st.column_config.TextColumn("Vendor"),
        "new_composite": st.column_config.ProgressColumn("Composite", format="%.1f", min_value=0, max_value=100),
        "composite": st.column_config.NumberColumn("Warehouse composite", format="%.1f"),
        **{d: st.column_config.NumberColumn(d.capitalize(), format="%.1f") for d in scoring.DIMENSIONS},
        "coverage": st.column_config.NumberColumn("Coverage", format="percent"),
        "low_coverage": st.column_config.CheckboxColumn("⚠ Low coverage"),
    },
)

# --- radar and drill-down -------------------------------------------------------------------------------
vendor_ids = shown["vendor_id"].tolist()
names = dict(zip(card["vendor_id"], card["vendor_name"], strict=True))
default_vendor = vendor_ids[0]
vendor = st.selectbox(
    "Vendor to inspect",
    vendor_ids,
    index=vendor_ids.index(url_state.initial(VENDOR_KEY, vendor_ids, default_vendor, "one")),
    key=VENDOR_KEY,
    format_func=lambda v: names.get(v, v),
)
url_state.publish(VENDOR_KEY, vendor, vendor_ids, default_vendor, "one")
vendor_row = card[card["vendor_id"] == vendor].iloc[0]
vendor_name = names.get(vendor, vendor)
median = card[list(scoring.DIMENSIONS)].median(skipna=True)

left, right = st.columns([2, 3])
with left:
    st.plotly_chart(
        charts.radar(
            {d: vendor_row[d] for d in scoring.DIMENSIONS},
            {d: median[d] for d in scoring.DIMENSIONS},
            vendor_name=vendor_name,
            color=ctx.colors.get(vendor, charts.OTHER_COLOR),
            title=f"{vendor_name} vs the median of {len(card)} vendors, {quarter_label} (0–100)",
        )
    )
with right:
    cards = st.columns(3)
    cards[0].metric(
        "Composite (0–100)",
        f"{vendor_row['new_composite']:.1f}" if pd.notna(vendor_row["new_composite"]) else "–",
        delta=None if not reweighted else f"{vendor_row['new_composite'] - vendor_row['composite']:+.1f}",
        delta_description="vs 25% each" if reweighted else None,
        border=True,
    )
    cards[1].metric(
        "Rank",
        formatting.count(vendor_row["new_rank"]) if pd.notna(vendor_row["new_rank"]) else "–",
        delta=None if not reweighted else f"{int(vendor_row['rank_change']):+d}",
        delta_description="places vs 25% each" if reweighted else None,
        border=True,
    )
    cards[2].metric("Coverage", formatting.pct(vendor_row["coverage"], 0), border=True)
    dimension_text = " · ".join(
        f"{d} {vendor_row[d]:.1f}" if pd.notna(vendor_row[d]) else f"{d} –" for d in scoring.DIMENSIONS
    )
    st.caption(f"Dimension scores: {dimension_text}")

st.subheader(f"Indicators behind {formatting.md_escape(vendor_name)}'s score, {quarter_label}")
indicators = queries.indicator_rows(ctx.path, vendor, quarter)
if indicators.empty:
    components.empty_state(f"{formatting.md_escape(vendor_name)} has no indicator rows in {quarter_label}.")
else:
    components.table(
        indicators,
        name=f"indicators-{vendor}-{quarter_code}",
        column_config={
            "raw_value": st.column_config.NumberColumn("Raw value", format="%.4g"),
            "normalized": st.column_config.ProgressColumn("Normalised", format="%.1f", min_value=0, max_value=100),
            "weight": st.column_config.NumberColumn("Weight", format="%.2f"),
            "weight_in_dimension": st.column_config.NumberColumn(
                "Share of dimension", format="percent", help="The weight renormalised over the indicators with data."
            ),
        },
    )

"""Market share & concentration: vendor shares of a measure over time, the latest ranking, HHI and CR4."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, components, filters, formatting, queries

ctx = components.page_context()
view = ctx.filters

st.title("Market share & concentration")
measure = formatting.measure(filters.measure_selector(ctx.options.measures))
st.caption(
    f"{formatting.md_escape(measure.label)}: {measure.note}. {view.grain_label}, {view.segment_label}, "
    f"{view.period_label}."
)

empty_hint = None
if measure.code == "revenue" and (view.grain != "quarter" or view.segment != "all"):
    empty_hint = "Reported revenue is quarterly and for all segments only: choose Quarterly and All segments."

# --- shares over time and the latest ranking ------------------------------------------------------------
shares = queries.market_share(ctx.path, view.grain, measure.code, view.segment, view.vendors, view.start, view.end)
if shares.empty:
    components.empty_state(empty_hint)
else:
    st.plotly_chart(
        charts.share_area(
            shares,
            ctx.colors,
            title=f"{measure.label} share by vendor, {view.segment_label}, {view.period_label}, "
            f"{view.grain_label.lower()} (% of {measure.unit})",
            y_title=f"Share of {measure.unit}",
            add_other=bool(view.vendors),
        )
    )
    if view.vendors:
        st.caption("Shares are of the whole market; the grey band is every vendor not selected.")

    latest = shares["period_start"].max()
    latest_label = formatting.period_label(latest.date(), view.grain)
    if not queries.is_complete(latest.date(), view.grain, ctx.info.data_as_of):
        latest_label += " (not over yet)"
    st.subheader(f"Ranking, {latest_label}")
    ranking = shares[shares["period_start"] == latest][
        ["rank", "vendor_name", "vendor_id", "value", "share", "share_change_pp", "total"]
    ]
    value_format = "dollar" if measure.kind == "usd" else "localized"
    components.table(
        ranking,
        name=f"ranking-{measure.code}-{view.grain}-{view.segment}-{latest.date().isoformat()}",
        column_config={
            "rank": st.column_config.NumberColumn("Rank", format="%d"),
            "vendor_name": st.column_config.TextColumn("Vendor"),
            "vendor_id": st.column_config.TextColumn("Vendor id"),
            "value": st.column_config.NumberColumn(f"{measure.label}", format=value_format),
            "share": st.column_config.NumberColumn("Share", format="percent"),
            "share_change_pp": st.column_config.NumberColumn(
                "Change (pp)", format="%+.1f", help="Change of the share vs the previous period, percentage points."
            ),
            "total": st.column_config.NumberColumn("Market total", format=value_format),
        },
    )

# --- concentration --------------------------------------------------------------------------------------
st.subheader("Concentration")
concentration = queries.concentration(ctx.path, view.grain, measure.code, view.segment, view.start, view.end)
if concentration.empty:
    components.empty_state(empty_hint)
else:
    last = concentration.iloc[-1]
    last_label = formatting.period_label(last["period_start"].date(), view.grain)
    if not queries.is_complete(last["period_start"].date(), view.grain, ctx.info.data_as_of):
        last_label += " (not over yet)"
    st.markdown(
        f"In **{last_label}** the {formatting.md_escape(measure.label.lower())} market "
        f"({view.segment_label.lower()}) is **{formatting.md_escape(last['level'])}**: HHI {last['hhi']:,.0f} "
        f"({formatting.concentration_words(float(last['hhi']))}); "
        f"the top 4 vendors hold {formatting.pct(float(last['cr4']))} among {int(last['n_vendors'])} vendors."
    )
    st.plotly_chart(
        charts.concentration_chart(
            concentration,
            title=f"Concentration of {measure.label.lower()}, {view.segment_label}, {view.period_label}: "
            "HHI (0–10,000) and CR4 (%)",
        )
    )
    st.caption(
        "Thresholds of the 2023 US DOJ/FTC merger guidelines: unconcentrated below 1,000, moderately concentrated "
        "1,000–1,800, highly concentrated above 1,800. Computed over every vendor (the vendor filter does not apply)."
    )
    components.table(
        concentration,
        name=f"concentration-{measure.code}-{view.grain}-{view.segment}",
        column_config={
            "period_start": st.column_config.DateColumn("Period start"),
            "n_vendors": st.column_config.NumberColumn("Vendors"),
            "hhi": st.column_config.NumberColumn("HHI", format="%.0f"),
            "cr4": st.column_config.NumberColumn("CR4", format="percent"),
            "level": st.column_config.TextColumn("Level"),
        },
    )

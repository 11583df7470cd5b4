"""Overview: headline figures of the latest complete period, freshness, and panel-spend shares over time."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, components, formatting, queries

ctx = components.page_context()
view = ctx.filters

st.title("Overview")
st.caption(components.freshness_text(ctx.info))

head = queries.headline(ctx.path, view.grain, view.segment, as_of=view.end, data_as_of=ctx.info.data_as_of)
if head.period_start is None:
    components.empty_state("There is no panel spend for this segment and period.")
    st.stop()

period = formatting.period_label(head.period_start, view.grain)
previous = formatting.period_label(head.previous_start, view.grain)
growth_name = formatting.GRAIN_SHORT.get(view.grain, "vs previous")
st.subheader(f"{'Latest complete' if head.is_complete else 'Latest (incomplete)'} {view.grain}: {period}")
scope_note = " · headline figures cover every vendor; the vendor filter applies to the chart" if view.vendors else ""
st.caption(f"{view.segment_label} · changes vs {previous}{scope_note}")

first = st.columns(3)
first[0].metric(
    "Panel spend (USD)",
    formatting.usd(head.spend),
    delta=formatting.signed_usd(head.spend_change),
    delta_description=f"vs {previous}",
    help="Σ amount_usd of the customer panel in the period.",
    border=True,
)
first[1].metric(
    f"Spend growth ({growth_name})",
    formatting.signed_pct(head.spend_growth) or "–",
    delta=formatting.pp(head.spend_growth_change_pp),
    delta_description="vs the growth of the period before",
    help=f"Panel spend of {period} vs {previous}.",
    border=True,
)
first[2].metric(
    "Active customers",
    formatting.count(head.customers),
    delta=formatting.signed_count(head.customers_change),
    delta_description=f"vs {previous}",
    help="Σ over vendors of panel accounts with spend > 0 in the period: an account buying from two vendors "
    "counts for each.",
    border=True,
)

second = st.columns(4)
with second[0]:
    st.metric(
        "Spend concentration (HHI)",
        formatting.count(head.hhi),
        delta=formatting.signed_count(head.hhi_change),
        delta_color="off",
        delta_description=f"vs {previous}",
        help="Herfindahl–Hirschman index of panel-spend shares, Σ (share × 100)², 0–10,000.",
        border=True,
    )
    if head.level is not None and head.hhi is not None:
        st.caption(f"{head.level.capitalize()} ({formatting.concentration_words(head.hhi)})")
second[1].metric(
    f"Spend leader: {head.leader_name or '–'}",
    formatting.pct(head.leader_share),
    delta=formatting.pp(head.leader_share_change_pp),
    delta_description=f"vs {previous}",
    help="Share of panel spend of the largest vendor.",
    border=True,
)
second[2].metric(
    "Vendors with spend",
    formatting.count(head.n_vendors),
    help="Vendors with panel spend > 0 in the period.",
    border=True,
)
if head.revenue_quarter is not None:
    second[3].metric(
        f"Revenue leader, {formatting.period_label(head.revenue_quarter, 'quarter')}: {head.revenue_leader_name}",
        formatting.pct(head.revenue_leader_share),
        delta=formatting.pp(head.revenue_leader_share_change_pp),
        delta_description="vs the quarter before",
        help=f"Share of reported revenue (all vendors: {formatting.usd(head.revenue_total)}), all segments.",
        border=True,
    )
else:
    second[3].metric("Revenue leader", "–", help="No reported revenue in the warehouse.", border=True)

st.divider()
shares = queries.market_share(ctx.path, view.grain, "spend", view.segment, view.vendors, view.start, view.end)
if shares.empty:
    components.empty_state()
else:
    st.plotly_chart(
        charts.share_area(
            shares,
            ctx.colors,
            title=f"Panel spend share by vendor, {view.segment_label}, {view.period_label}, "
            f"{view.grain_label.lower()} (% of panel spend in USD)",
            y_title="Share of panel spend in USD",
            add_other=bool(view.vendors),
            height=340,
        )
    )
    with st.expander("Chart data"):
        components.table(
            shares[["period_start", "vendor_id", "vendor_name", "value", "share", "rank"]].rename(
                columns={"value": "spend_usd"}
            ),
            name=f"spend-share-{view.grain}-{view.segment}",
            column_config={
                "period_start": st.column_config.DateColumn("Period start"),
                "spend_usd": st.column_config.NumberColumn("Spend (USD)", format="dollar"),
                "share": st.column_config.NumberColumn("Share", format="percent"),
            },
        )

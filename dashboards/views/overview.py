"""Overview: the headline KPIs of the latest complete period (revenue, spend and growth, retention, new customers,
share and concentration, price trend, sustainability movers), each vs the previous period; panel-spend shares."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, components, formatting, queries
from dashboards.formatting import md_escape

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

first = st.columns(4)
revenue = queries.revenue_totals(ctx.path, view.end)
if len(revenue):
    revenue_quarter = formatting.period_label(revenue["period_start"].iloc[0].date(), "quarter")
    revenue_change = revenue["total"].iloc[0] - revenue["total"].iloc[1] if len(revenue) > 1 else None
    first[0].metric(
        f"Revenue, {revenue_quarter} (USD)",
        formatting.usd(revenue["total"].iloc[0]),
        delta=formatting.signed_usd(revenue_change),
        delta_description="vs the quarter before",
        help="Σ reported revenue of every vendor in the latest quarter (all segments; revenue is quarterly).",
        border=True,
    )
else:
    first[0].metric("Reported revenue (USD)", "–", help="No reported revenue in the warehouse.", border=True)
first[1].metric(
    "Panel spend (USD)",
    formatting.usd(head.spend),
    delta=formatting.signed_usd(head.spend_change),
    delta_description=f"vs {previous}",
    help="Σ amount_usd of the customer panel in the period.",
    border=True,
)
first[2].metric(
    f"Spend growth ({growth_name})",
    formatting.signed_pct(head.spend_growth) or "–",
    delta=formatting.pp(head.spend_growth_change_pp),
    delta_description="vs the growth of the period before",
    help=f"Panel spend of {period} vs {previous}.",
    border=True,
)
first[3].metric(
    "Annualised growth",
    formatting.signed_pct(head.annualised_growth) or "–",
    delta=formatting.pp(head.annualised_growth_change_pp),
    delta_description="vs the period before",
    help=f"The {growth_name} spend growth compounded over a year: (1 + g)^{4 if view.grain == 'quarter' else 12} − 1.",
    border=True,
)

# --- retention and new customers: the last month of the period vs the last month of the previous period ---
month = queries.shift_period(queries.shift_period(head.period_start, view.grain, 1), "month", -1)
previous_month = queries.shift_period(head.period_start, "month", -1)
month_label, previous_month_label = (
    formatting.period_label(month, "month"),
    formatting.period_label(previous_month, "month"),
)
customer_tables = ("marts.fct_retention_summary", "marts.fct_revenue_movements")
retention = (
    queries.retention_totals(ctx.path, view.segment, [previous_month, month])
    if ctx.info.has(*customer_tables)
    else None
)
by_month = {} if retention is None else {row["month"].date(): row for row in retention.to_dict("records")}
now_row, before_row = by_month.get(month, {}), by_month.get(previous_month, {})


def _rate_change_pp(column: str) -> float | None:
    current, before = now_row.get(column), before_row.get(column)
    if current is None or before is None or pd.isna(current) or pd.isna(before):
        return None
    return (current - before) * 100


second = st.columns(4)
second[0].metric(
    "NRR, 1 month",
    formatting.pct(now_row.get("nrr_1m")),
    delta=formatting.pp(_rate_change_pp("nrr_1m")),
    delta_description=f"{month_label} vs {previous_month_label}",
    help="Net revenue retention: MRR in the month of the accounts active the month before ÷ their MRR then; "
    "every vendor, weighted by base MRR.",
    border=True,
)
second[1].metric(
    "GRR, 1 month",
    formatting.pct(now_row.get("grr_1m")),
    delta=formatting.pp(_rate_change_pp("grr_1m")),
    delta_description=f"{month_label} vs {previous_month_label}",
    help="Gross revenue retention: as NRR with each account's MRR capped at its base (no expansion), 0–100%.",
    border=True,
)
second[2].metric(
    "New-customer rate",
    formatting.pct(now_row.get("new_customer_rate")),
    delta=formatting.pp(_rate_change_pp("new_customer_rate")),
    delta_description=f"{month_label} vs {previous_month_label}",
    help="New customers (first-ever month with a vendor) ÷ customers at the end of the month, every vendor.",
    border=True,
)
second[3].metric(
    "Active customers",
    formatting.count(head.customers),
    delta=formatting.signed_count(head.customers_change),
    delta_description=f"vs {previous}",
    help="Σ over vendors of panel accounts with spend > 0 in the period: an account buying from two vendors "
    "counts for each.",
    border=True,
)

third = st.columns(4)
with third[0]:
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
        st.caption(f"{md_escape(head.level.capitalize())} ({formatting.concentration_words(head.hhi)})")
third[1].metric(
    f"Spend leader: {md_escape(head.leader_name or '–')}",
    formatting.pct(head.leader_share),
    delta=formatting.pp(head.leader_share_change_pp),
    delta_description=f"vs {previous}",
    help="Share of panel spend of the largest vendor.",
    border=True,
)
if head.revenue_quarter is not None:
    third[2].metric(
        f"Revenue leader, {formatting.period_label(head.revenue_quarter, 'quarter')}: "
        f"{md_escape(head.revenue_leader_name)}",
        formatting.pct(head.revenue_leader_share),
        delta=formatting.pp(head.revenue_leader_share_change_pp),
        delta_description="vs the quarter before",
        help=f"Share of reported revenue (all vendors: {formatting.usd(head.revenue_total)}), all segments.",
        border=True,
    )
else:
    third[2].metric("Revenue leader", "–", help="No reported revenue in the warehouse.", border=True)
third[3].metric(
    "Vendors with spend",
    formatting.count(head.n_vendors),
    help="Vendors with panel spend > 0 in the period.",
    border=True,
)

fourth = st.columns(3)
prices = queries.price_trend(ctx.path, month) if ctx.info.has("marts.fct_price_index") else pd.DataFrame()
if len(prices):
    price_month = formatting.period_label(prices["month"].iloc[0].date(), "month")
    price_change = (
        prices["median_usd_per_mtok"].iloc[0] / prices["median_usd_per_mtok"].iloc[1] - 1 if len(prices) > 1 else None
    )
    fourth[0].metric(
        "Median input price (USD/Mtok)",
        f"${prices['median_usd_per_mtok'].iloc[0]:,.4g}",
        delta=formatting.signed_pct(price_change),
        delta_color="inverse",
        delta_description=f"{price_month} vs the month before",
        help="Median base input price of every vendor's models in force at the end of the month (price index, "
        "all vendors); a falling price shows green.",
        border=True,
    )
else:
    fourth[0].metric("Median input price (USD per million tokens)", "–", help="No price index.", border=True)
movers = (
    queries.sustainability_movers(ctx.path, view.end, view.vendors)
    if ctx.info.has("marts.fct_sustainability_scorecard")
    else pd.DataFrame()
)
if len(movers):
    quarter_label = formatting.period_label(movers["quarter"].iloc[0].date(), "quarter")
    previous_quarter_label = formatting.period_label(movers["previous_quarter"].iloc[0].date(), "quarter")
    for column, row, label in ((1, movers.iloc[0], "best"), (2, movers.iloc[-1], "worst")):
        fourth[column].metric(
            f"Sustainability, {label} mover, {quarter_label}",
            md_escape(row["vendor_name"]),
            delta=f"{row['composite_change']:+.1f} points",
            delta_description=f"composite {row['composite']:.1f} / 100 vs {previous_quarter_label}",
            help="Change of the composite sustainability score (0–100, 25% per dimension) since the previous "
            "quarter; the latest quarter whose median coverage is at least 50%, as on the Sustainability page.",
            border=True,
        )
else:
    fourth[1].metric("Sustainability movers", "–", help="Needs two quarters of scorecard.", border=True)

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

"""Switching: accounts that churned from one vendor and started with another in the same or the next month."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, components, formatting, queries, url_state

TABLES = (*components.MARKET_TABLES, "marts.fct_vendor_switching")
WIDTH_KEY = "flow_width"
WIDTHS = {"accounts": "Accounts", "mrr_moved": "MRR moved (USD)"}

ctx = components.page_context(TABLES)
view = ctx.filters
start, end = queries.month_window(view.start, view.end, view.grain)
scope = f"{view.segment_label}, churn months {view.period_label}"

st.title("Switching between vendors")
st.caption(
    "An account switches when it churns from one vendor (MRR 0 after an active month) and starts with another "
    "(new or reactivation) in the same or the next month. MRR moved = its MRR with the vendor it left, the month "
    f"before (USD). {scope}." + (" Flows into or out of the selected vendors." if view.vendors else "")
)

width_codes = list(WIDTHS)
width = st.segmented_control(
    "Flow width",
    width_codes,
    default=url_state.initial(WIDTH_KEY, width_codes, "accounts", "one"),
    key=WIDTH_KEY,
    required=True,
    format_func=WIDTHS.__getitem__,
)
url_state.publish(WIDTH_KEY, width, width_codes, "accounts", "one")
width = width if width in WIDTHS else "accounts"

flows = queries.switching(ctx.path, view.segment, view.vendors, start, end)
if flows.empty:
    components.empty_state("No account switched vendors in this period and segment.")
    st.stop()

cards = st.columns(3)
cards[0].metric(
    "Switches (accounts)",
    formatting.count(flows["accounts"].sum()),
    help="Σ over churn months of the distinct accounts per pair; an account starting with two vendors counts "
    "in both flows.",
    border=True,
)
cards[1].metric("MRR moved (USD)", formatting.usd(flows["mrr_moved"].sum()), border=True)
cards[2].metric("Vendor pairs", formatting.count(len(flows)), border=True)

st.plotly_chart(
    charts.switching_sankey(
        flows,
        ctx.colors,
        value=width,
        title=f"Switching flows, from → to, width = {WIDTHS[width].lower()}, {scope}",
        height=max(420, 34 * max(flows["from_vendor"].nunique(), flows["to_vendor"].nunique()) + 120),
    )
)

st.subheader("From → to")
components.table(
    flows,
    name=f"switching-{view.segment}",
    column_config={
        "from_vendor": st.column_config.TextColumn("From (id)"),
        "from_name": st.column_config.TextColumn("From"),
        "to_vendor": st.column_config.TextColumn("To (id)"),
        "to_name": st.column_config.TextColumn("To"),
        "accounts": st.column_config.NumberColumn("Accounts", format="%d"),
        "mrr_moved": st.column_config.NumberColumn("MRR moved (USD)", format="dollar"),
        "months": st.column_config.NumberColumn("Months with switches", format="%d"),
        "first_month": st.column_config.DateColumn("First", format="MMM YYYY"),
        "last_month": st.column_config.DateColumn("Last", format="MMM YYYY"),
    },
)

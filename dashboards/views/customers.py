"""Customers & retention: the monthly MRR movement waterfall, NRR/GRR over 1 and 12 months, cohort retention."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboards import charts, components, formatting, queries, url_state
from dashboards.formatting import md_escape

TABLES = (
    *components.MARKET_TABLES,
    "marts.fct_revenue_movements",
    "marts.fct_retention_summary",
    "marts.fct_cohort_retention",
)
VENDOR_KEY = "customer_vendor"
HORIZON_KEY = "horizon"
COHORT_KEY = "cohort_measure"
SECTION_KEY = "section"
# The page's two lower sections are tabs: drawing the 24-line retention chart and the cohort heatmap together
# took the page over a second in the browser at medium scale (issue 7); each tab is a link (?section=…).
SECTIONS = ("Net and gross retention", "Cohort retention")
HORIZONS = {"1m": "1 month", "12m": "12 months"}
COHORT_MEASURES = {"logo_retention": "Logo (accounts)", "revenue_retention": "Revenue (MRR)"}

ctx = components.page_context(TABLES)
view = ctx.filters
start, end = queries.month_window(view.start, view.end, view.grain)
scope = f"{view.segment_label}, {view.period_label}"

st.title("Customers & retention")
st.caption(
    f"Monthly recurring revenue (MRR = usage billed in the calendar month, USD) per vendor · {scope}. "
    "A customer is an account–vendor pair; definitions in docs/metrics.md."
)

available = queries.customer_vendors(ctx.path)
if view.vendors:
    available = available[available["vendor_id"].isin(view.vendors)]
if available.empty:
    components.empty_state("No vendor in the filter has customer data.")
    st.stop()
names = dict(zip(available["vendor_id"], available["vendor_name"], strict=True))
vendor_ids = list(names)
default_vendor = vendor_ids[0]
vendor = st.selectbox(
    "Vendor (waterfall and cohorts)",
    vendor_ids,
    index=vendor_ids.index(url_state.initial(VENDOR_KEY, vendor_ids, default_vendor, "one")),
    key=VENDOR_KEY,
    format_func=lambda vendor_id: names.get(vendor_id, vendor_id),
)
url_state.publish(VENDOR_KEY, vendor, vendor_ids, default_vendor, "one")
vendor_name = names.get(vendor, vendor)

# --- monthly movements ----------------------------------------------------------------------------------
st.subheader(f"MRR movements, {md_escape(vendor_name)}")
movements = queries.revenue_movements(ctx.path, vendor, view.segment, start, end)
if movements.empty:
    components.empty_state(f"{md_escape(vendor_name)} has no revenue movements for {scope}.")
else:
    months = [m.date() for m in movements["month"]]
    month: date = st.select_slider(
        "Month",
        months,
        value=months[-1],
        key="movement_month",
        format_func=lambda m: formatting.period_label(m, "month"),
    )
    row = movements[movements["month"].dt.date == month].iloc[0]
    month_label = formatting.period_label(month, "month")
    cards = st.columns(4)
    cards[0].metric("MRR start (USD)", formatting.usd(row["mrr_start"]), border=True)
    cards[1].metric(
        "MRR end (USD)",
        formatting.usd(row["mrr_end"]),
        delta=formatting.signed_usd(row["mrr_end"] - row["mrr_start"]),
        delta_description="vs the start of the month",
        border=True,
    )
    cards[2].metric(
        "Customers at the end",
        formatting.count(row["customers_end"]),
        delta=formatting.signed_count(row["customers_end"] - row["customers_start"]),
        border=True,
    )
    cards[3].metric(
        "New / reactivated / churned",
        f"{row['new_customers']:,} / {row['reactivated_customers']:,} / {row['churned_customers']:,}",
        border=True,
    )
    st.plotly_chart(
        charts.movement_waterfall(
            row.to_dict(), title=f"MRR waterfall, {vendor_name}, {view.segment_label}, {month_label} (USD)"
        )
    )
    with st.expander(f"Monthly movements of {md_escape(vendor_name)}, {scope}"):
        components.table(
            movements.drop(columns=["vendor_name"]),
            name=f"revenue-movements-{vendor}-{view.segment}",
            column_config={
                "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
                **{
                    column: st.column_config.NumberColumn(column, format="dollar")
                    for column in (
                        "mrr_start",
                        "new_mrr",
                        "reactivation_mrr",
                        "expansion_mrr",
                        "contraction_mrr",
                        "churned_mrr",
                        "mrr_end",
                    )
                },
            },
        )


# --- NRR/GRR and cohorts: two tabs, only the open one runs and draws (its name is kept in the URL) ---------
def retention_section() -> None:
    """NRR and GRR over the chosen horizon, per vendor."""
    st.subheader("Net and gross revenue retention")
    horizon_codes = list(HORIZONS)
    horizon = st.segmented_control(
        "Horizon",
        horizon_codes,
        default=url_state.initial(HORIZON_KEY, horizon_codes, "1m", "one"),
        key=HORIZON_KEY,
        required=True,
        format_func=HORIZONS.__getitem__,
        help="1 month: accounts active in m−1, their MRR in m. 12 months: accounts active in m−12.",
    )
    url_state.publish(HORIZON_KEY, horizon, horizon_codes, "1m", "one")
    horizon = horizon if horizon in HORIZONS else "1m"
    retention = queries.retention(ctx.path, view.segment, vendor_ids, start, end)
    series = retention.dropna(subset=[f"nrr_{horizon}"])
    if series.empty:
        hint = "12-month retention needs 13 months of data." if horizon == "12m" else None
        components.empty_state(hint)
    else:
        st.plotly_chart(
            charts.retention_lines(
                series,
                ctx.colors,
                horizon=horizon,
                title=f"NRR and GRR over {HORIZONS[horizon]} by vendor, {scope} (% of the base period's MRR)",
            )
        )
        components.table(
            series[
                [
                    "month",
                    "vendor_id",
                    "vendor_name",
                    f"nrr_{horizon}",
                    f"grr_{horizon}",
                    f"mrr_base_{horizon}",
                    "logo_churn_rate",
                    "new_customer_rate",
                ]
            ],
            name=f"retention-{horizon}-{view.segment}",
            column_config={
                "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
                f"nrr_{horizon}": st.column_config.NumberColumn(f"NRR {horizon}", format="percent"),
                f"grr_{horizon}": st.column_config.NumberColumn(f"GRR {horizon}", format="percent"),
                f"mrr_base_{horizon}": st.column_config.NumberColumn("Base MRR (USD)", format="dollar"),
                "logo_churn_rate": st.column_config.NumberColumn("Logo churn", format="percent"),
                "new_customer_rate": st.column_config.NumberColumn("New-customer rate", format="percent"),
            },
        )


def cohort_section() -> None:
    """Cohort retention of the chosen vendor (logo or revenue)."""
    st.subheader(f"Cohort retention, {md_escape(vendor_name)}")
    cohort_codes = list(COHORT_MEASURES)
    cohort_measure = st.segmented_control(
        "Retention",
        cohort_codes,
        default=url_state.initial(COHORT_KEY, cohort_codes, "logo_retention", "one"),
        key=COHORT_KEY,
        required=True,
        format_func=COHORT_MEASURES.__getitem__,
        help="Logo: share of the cohort's accounts active. Revenue: cohort MRR ÷ its MRR in the cohort month.",
    )
    url_state.publish(COHORT_KEY, cohort_measure, cohort_codes, "logo_retention", "one")
    cohort_measure = cohort_measure if cohort_measure in COHORT_MEASURES else "logo_retention"
    cohorts = queries.cohorts(ctx.path, vendor, view.segment, start, end)
    if cohorts.empty:
        components.empty_state(f"No {md_escape(vendor_name)} cohort starts in {view.period_label}.")
    else:
        st.plotly_chart(
            charts.cohort_heatmap(
                cohorts,
                value=cohort_measure,
                title=f"{COHORT_MEASURES[cohort_measure]} retention by monthly cohort, {vendor_name}, {scope} (%)",
                height=max(360, 26 * cohorts["cohort_month"].nunique() + 140),
            )
        )
        with st.expander("Cohort data"):
            components.table(
                cohorts,
                name=f"cohorts-{vendor}-{view.segment}",
                column_config={
                    "cohort_month": st.column_config.DateColumn("Cohort", format="MMM YYYY"),
                    "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
                    "logo_retention": st.column_config.NumberColumn("Logo retention", format="percent"),
                    "mrr": st.column_config.NumberColumn("MRR (USD)", format="dollar"),
                    "revenue_retention": st.column_config.NumberColumn("Revenue retention", format="percent"),
                },
            )


retention_tab, cohorts_tab = st.tabs(list(SECTIONS), key=SECTION_KEY, bind="query-params")
if retention_tab.open:
    with retention_tab:
        retention_section()
if cohorts_tab.open:
    with cohorts_tab:
        cohort_section()

"""Pricing: base price history per model, the monthly price index per vendor, and the current price table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, components, formatting, queries, url_state

TABLES = ("marts.dim_models", "marts.fct_model_prices", "marts.fct_price_index")
PRICE_TYPE_KEY = "price_type"
PRICE_VENDOR_KEY = "price_vendor"
STATISTIC_KEY = "price_statistic"
PRICE_TYPES = {"input": "Input", "output": "Output"}
STATISTICS = {
    "index": ("Index (median, first month = 100)", "Index (first month of the series = 100)", False),
    "median_usd_per_mtok": ("Median price", "Median USD per million tokens", True),
    "min_usd_per_mtok": ("Lowest price", "Lowest USD per million tokens", True),
}
DEFAULT_MODELS = 5

ctx = components.page_context(TABLES)
view = ctx.filters
start, end = queries.month_window(view.start, view.end, view.grain)

st.title("Model prices")
st.caption(
    "Base prices (no volume tier, no request variant) in USD per million tokens, from genai-prices and users' "
    f"price lists; the index covers {view.period_label}. Pricing rules in docs/metrics.md."
)

type_codes = list(PRICE_TYPES)
price_type = st.segmented_control(
    "Token price",
    type_codes,
    default=url_state.initial(PRICE_TYPE_KEY, type_codes, "input", "one"),
    key=PRICE_TYPE_KEY,
    required=True,
    format_func=PRICE_TYPES.__getitem__,
)
url_state.publish(PRICE_TYPE_KEY, price_type, type_codes, "input", "one")
price_type = price_type if price_type in PRICE_TYPES else "input"
type_label = PRICE_TYPES[price_type].lower()

# --- price history per model ----------------------------------------------------------------------------
st.subheader("Price history")
vendors = queries.price_vendors(ctx.path)
if vendors.empty:
    components.empty_state("The warehouse has no model prices.")
else:
    vendor_ids = vendors["vendor_id"].tolist()
    preferred = [v for v in (*view.vendors, "openai") if v in vendor_ids]
    default_vendor = preferred[0] if preferred else vendor_ids[0]
    models_per_vendor = dict(zip(vendors["vendor_id"], vendors["n_models"], strict=True))
    left, right = st.columns([1, 3])
    vendor = left.selectbox(
        "Vendor",
        vendor_ids,
        index=vendor_ids.index(url_state.initial(PRICE_VENDOR_KEY, vendor_ids, default_vendor, "one")),
        key=PRICE_VENDOR_KEY,
        format_func=lambda v: f"{ctx.vendor_names.get(v, v)} ({models_per_vendor[v]} models)",
    )
    url_state.publish(PRICE_VENDOR_KEY, vendor, vendor_ids, default_vendor, "one")
    models = queries.price_models(ctx.path, vendor, price_type)
    model_ids = models["model_id"].tolist()
    chosen = right.multiselect(
        "Models (the ones whose price changed most first)",
        model_ids,
        default=model_ids[:DEFAULT_MODELS],
        key=f"price_models-{vendor}-{price_type}",
        placeholder="Choose models",
    )
    history = queries.price_history(ctx.path, vendor, price_type, chosen) if chosen else pd.DataFrame()
    if history.empty:
        components.empty_state(f"No {type_label} base price for these models.")
    else:
        window = queries.price_index(ctx.path, price_type)
        window_start = pd.Timestamp(window["base_month"].min()) if len(window) else history["valid_from"].min()
        if pd.isna(window_start):
            window_start = pd.Timestamp(ctx.info.data_as_of or pd.Timestamp.today().date()) - pd.DateOffset(years=1)
        window_end = pd.Timestamp(ctx.info.data_as_of or pd.Timestamp.today().date())
        window_end = max(window_end, pd.Timestamp(history[["valid_from", "valid_to"]].max().max()))
        st.plotly_chart(
            charts.price_steps(
                history,
                window_start=window_start,
                window_end=window_end,
                title=f"{PRICE_TYPES[price_type]} price of {ctx.vendor_names.get(vendor, vendor)} models, "
                f"USD per million tokens, {window_start:%b %Y} – {window_end:%b %Y} (log scale)",
            )
        )
        st.caption("A price without a start date is genai-prices' original price: drawn from the start of the window.")
        components.table(
            history,
            name=f"price-history-{vendor}-{price_type}",
            column_config={
                "usd_per_mtok": st.column_config.NumberColumn("USD per Mtok", format="$%.4g"),
                "valid_from": st.column_config.DateColumn("Valid from"),
                "valid_to": st.column_config.DateColumn("Valid to (exclusive)"),
            },
        )

# --- price index ----------------------------------------------------------------------------------------
st.subheader(f"Price index, {type_label} tokens")
index_vendors = list(view.vendors) or list(ctx.vendor_names)
statistic_codes = list(STATISTICS)
statistic = st.segmented_control(
    "Statistic",
    statistic_codes,
    default=url_state.initial(STATISTIC_KEY, statistic_codes, "index", "one"),
    key=STATISTIC_KEY,
    required=True,
    format_func=lambda code: STATISTICS[code][0],
)
url_state.publish(STATISTIC_KEY, statistic, statistic_codes, "index", "one")
statistic = statistic if statistic in STATISTICS else "index"
index = queries.price_index(ctx.path, price_type, index_vendors, start, end)
if index.empty:
    components.empty_state("No price index for this period.")
else:
    label, y_title, log = STATISTICS[statistic]
    base = index.loc[index["vendor_id"] == "all", "base_month"]
    base_label = formatting.period_label(pd.Timestamp(base.iloc[0]).date(), "month") if len(base) else "–"
    st.plotly_chart(
        charts.price_index_lines(
            index,
            ctx.colors,
            column=statistic,
            title=f"{label} of {type_label} prices by vendor, monthly, {view.period_label}"
            + (f" (base {base_label} = 100)" if statistic == "index" else " (USD per million tokens)"),
            y_title=y_title,
            log=log,
        )
    )
    st.caption(
        "Each month: the base price in force on the month's last day of every model of the vendor; "
        "'All vendors' pools every vendor's models (not only those shown)."
    )
    components.table(
        index,
        name=f"price-index-{price_type}",
        column_config={
            "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
            "median_usd_per_mtok": st.column_config.NumberColumn("Median USD/Mtok", format="$%.4g"),
            "min_usd_per_mtok": st.column_config.NumberColumn("Lowest USD/Mtok", format="$%.4g"),
            "index": st.column_config.NumberColumn("Index", format="%.1f"),
            "base_month": st.column_config.DateColumn("Index base month", format="MMM YYYY"),
        },
    )

# --- current prices -------------------------------------------------------------------------------------
st.subheader("Current prices (USD per million tokens)")
search = st.text_input(
    "Search model or vendor", key="price_search", placeholder="e.g. gpt-4o, claude, mistral", max_chars=100
)
current = queries.current_prices(ctx.path, search, view.vendors)
if current.empty:
    components.empty_state(f"No current price matches “{formatting.md_escape(search)}”." if search else None)
else:
    st.caption(f"{len(current):,} models" + (f" matching “{formatting.md_escape(search)}”" if search else ""))
    components.table(
        current,
        name="current-prices",
        column_config={
            column: st.column_config.NumberColumn(f"{column} USD/Mtok", format="$%.4g")
            for column in ("input", "output", "cache_read", "cache_write")
        }
        | {
            "context_window": st.column_config.NumberColumn("Context window", format="localized"),
            "latest_change": st.column_config.DateColumn("Price since"),
        },
    )

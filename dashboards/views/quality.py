"""Data quality: refresh attempts, failed and warned checks, quarantined files, rejected rows and freshness."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import charts, components, formatting, queries
from dashboards.formatting import chart_text, md_escape
from ingest.settings import Settings

FRESHNESS_LIMIT = timedelta(hours=36)  # as the usage_is_fresh check of the pipeline
STATUS_COLORS = {"published": charts.INCREASE_COLOR, "failed": charts.DECREASE_COLOR}

ctx = components.page_context(())
settings = Settings.from_env()
info = ctx.info
now = datetime.now(UTC).replace(tzinfo=None)

st.title("Data quality")
st.caption(
    "Refreshes, quality checks (Great Expectations, as Dagster asset checks), rejected input and freshness of the "
    "published warehouse. Times in UTC."
)


def _missing(table: str) -> bool:
    if info.has(table):
        return False
    st.info(f"The published warehouse has no `{table}` yet: run `modelmarket refresh`", icon=":material/database:")
    return True


# --- refreshes ------------------------------------------------------------------------------------------
st.subheader("Refreshes")
attempts = queries.refresh_attempts(settings.refresh_log_path)
runs = queries.refresh_runs(ctx.path) if info.has("audit.refresh_runs") else pd.DataFrame()
published = runs[runs["status"] == "published"] if len(runs) else runs
cards = st.columns(3)
if len(attempts):
    last = attempts.iloc[0]
    cards[0].metric(
        "Last attempt",
        md_escape(last["status"]),
        help=f"Started {last['started_at']:%Y-%m-%d %H:%M}" if pd.notna(last["started_at"]) else None,
        border=True,
    )
else:
    cards[0].metric("Last attempt", "–", help=f"No {md_escape(settings.refresh_log_path.name)} yet.", border=True)
last_published = published["published_at"].max() if len(published) else None
cards[1].metric(
    "Last publish",
    f"{last_published:%Y-%m-%d %H:%M}" if last_published is not None and pd.notna(last_published) else "–",
    border=True,
)
failed_since = (
    attempts[~attempts["status"].str.startswith("published", na=False) & (attempts["started_at"] > last_published)]
    if len(attempts) and last_published is not None and pd.notna(last_published)
    else attempts[~attempts["status"].str.startswith("published", na=False)]
)
cards[2].metric(
    "Failed attempts since",
    formatting.count(len(failed_since)),
    help="Attempts after the last publish that did not publish (the published warehouse stayed as it was).",
    border=True,
)
if len(failed_since):
    st.error(f"Last failure: {md_escape(failed_since.iloc[0]['message'] or 'no message')}", icon=":material/error:")

if attempts.empty:
    components.empty_state("No refresh has been attempted in this home yet.")
else:
    timeline = attempts.sort_values("started_at")
    figure = go.Figure(
        go.Bar(
            x=timeline["started_at"],
            y=timeline["duration_s"],
            marker={"color": [STATUS_COLORS.get(s, charts.OTHER_COLOR) for s in timeline["status"]]},
            customdata=[chart_text(status) for status in timeline["status"]],
            hovertemplate="%{x}: %{customdata}, %{y:.1f} s<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"Refresh attempts: duration in seconds (green published, red failed), last {len(timeline)}",
        height=280,
        margin={"t": 50, "b": 20},
    )
    figure.update_yaxes(title="seconds")
    st.plotly_chart(figure)
    components.table(
        attempts,
        name="refresh-attempts",
        column_config={
            "started_at": st.column_config.DatetimeColumn("Started", format="YYYY-MM-DD HH:mm"),
            "finished_at": st.column_config.DatetimeColumn("Finished", format="YYYY-MM-DD HH:mm"),
            "duration_s": st.column_config.NumberColumn("Duration (s)", format="%.1f"),
        },
    )
if len(runs):
    with st.expander("Published runs recorded in the warehouse (audit.refresh_runs)"):
        components.table(runs, name="refresh-runs")

# --- quality checks -------------------------------------------------------------------------------------
st.subheader("Quality checks")
docs_index = settings.quality_reports_dir / "index.html"
if docs_index.is_file():
    st.markdown(
        f"Great Expectations data docs: [{md_escape(docs_index)}]({docs_index.as_uri()}) (open the file in a browser)."
    )
else:
    st.caption(f"No data docs yet at {md_escape(docs_index)}.")
if not _missing("audit.quality_results"):
    quality_runs = queries.quality_runs(ctx.path)
    if quality_runs.empty:
        components.empty_state("No quality results recorded yet.")
    else:
        latest = quality_runs.iloc[0]
        checks = st.columns(3)
        checks[0].metric(f"Checks, run of {latest['checked_at']:%Y-%m-%d %H:%M}", formatting.count(latest["checks"]))
        checks[1].metric("Failed (error)", formatting.count(latest["failed_errors"]))
        checks[2].metric("Failed (warning)", formatting.count(latest["failed_warnings"]))
    failures = queries.quality_failures(ctx.path)
    if failures.empty:
        st.success("No failed or warned check in the recorded runs.", icon=":material/check_circle:")
    else:
        st.markdown(f"**Failed and warned checks**, latest run first ({len(failures):,})")
        components.table(
            failures,
            name="quality-failures",
            column_config={
                "checked_at": st.column_config.DatetimeColumn("Checked", format="YYYY-MM-DD HH:mm"),
                "sample": st.column_config.TextColumn("Sample (JSON)", width="large"),
            },
        )
        labels = [
            f"{row['severity']} · {row['suite']} · {row['expectation']}"
            + (f" ({row['column']})" if pd.notna(row["column"]) and row["column"] else "")
            for row in failures.to_dict("records")
        ]
        chosen = st.selectbox("Sample of the failing rows", range(len(labels)), format_func=labels.__getitem__)
        sample = failures.iloc[int(chosen)]["sample"]
        try:
            st.json(json.loads(sample) if isinstance(sample, str) and sample else [], expanded=True)
        except ValueError:
            st.code(str(sample))

# --- quarantined files ----------------------------------------------------------------------------------
st.subheader("Quarantined and refused files")
if not _missing("audit.load_log"):
    problems = queries.load_problems(ctx.path)
    if problems.empty:
        st.success("Every delivered file is loaded (latest delivery per file).", icon=":material/check_circle:")
    else:
        components.table(
            problems,
            name="quarantined-files",
            column_config={"loaded_at": st.column_config.DatetimeColumn("Delivered", format="YYYY-MM-DD HH:mm")},
        )

# --- rejected rows --------------------------------------------------------------------------------------
st.subheader("Rejected rows")
if not _missing("audit.rejected_rows"):
    by_reason = queries.rejected_by_reason(ctx.path)
    if by_reason.empty:
        st.success("No row of the current files was rejected.", icon=":material/check_circle:")
    else:
        labelled = by_reason.assign(label=by_reason["dataset"] + ": " + by_reason["reason"].fillna("?"))
        st.plotly_chart(
            charts.horizontal_bars(
                labelled,
                x="rows_rejected",
                y="label",
                title=f"Rejected rows by reason, current files ({int(by_reason['rows_rejected'].sum()):,} rows)",
                x_title="rows",
                color=charts.DECREASE_COLOR,
                height=max(260, 34 * len(labelled) + 110),
            )
        )
        components.table(by_reason, name="rejected-rows-by-reason")
        with st.expander("Rejected rows (first 200)"):
            components.table(queries.rejected_sample(ctx.path), name="rejected-rows")

# --- freshness ------------------------------------------------------------------------------------------
st.subheader("Freshness")
if not _missing("audit.load_log"):
    newest_usage = queries.newest_usage_date(ctx.path, settings.raw_dir)
    if newest_usage is None:
        st.info("No usage day could be read from the loaded usage files.", icon=":material/schedule:")
    else:
        age = now - datetime.combine(newest_usage, datetime.max.time())
        age_hours = max(age.total_seconds() / 3600, 0.0)
        st.metric(
            "Newest usage day",
            newest_usage.isoformat(),
            delta=f"{age_hours:,.0f} h old",
            delta_color="inverse" if age > FRESHNESS_LIMIT else "off",
            help="The end of the newest usage_date in the loaded usage files vs now (UTC).",
        )
        if age > FRESHNESS_LIMIT:
            st.warning(
                f"Usage data is {age_hours:,.0f} hours old (limit {FRESHNESS_LIMIT.total_seconds() / 3600:.0f} h).",
                icon=":material/schedule:",
            )
    datasets = queries.freshness(ctx.path)
    if datasets.empty:
        components.empty_state("Nothing has been loaded yet.")
    else:
        datasets["hours_since_load"] = (now - datasets["last_loaded_at"]).dt.total_seconds() / 3600
        components.table(
            datasets,
            name="freshness",
            column_config={
                "last_loaded_at": st.column_config.DatetimeColumn("Last load", format="YYYY-MM-DD HH:mm"),
                "last_delivery_at": st.column_config.DatetimeColumn("Last delivery", format="YYYY-MM-DD HH:mm"),
                "hours_since_load": st.column_config.NumberColumn("Hours since the last load", format="%.1f"),
            },
        )

"""Every SQL query of the dashboards, against the published warehouse (DESIGN §5, §7).

Rules kept here, and nowhere else:
- a connection is opened read-only, with external access disabled, for one function call and closed again:
  a refresh replaces the file atomically, and a connection kept open would keep serving the old file;
- SQL is constant text with named parameters (`$name`); values chosen in the UI only ever travel as parameters;
- results are cached with `st.cache_data`, keyed on the file's version (mtime_ns, size, inode), so a new
  publish (or a rollback) is picked up on the next rerun without restarting the app.

Each public function takes the warehouse path, computes its version, and calls a cached inner function
with (path, version, parameters). They return pandas DataFrames or small frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

Version = tuple[int, int, int]

CACHE_ENTRIES = 256

CONNECT_CONFIG: Mapping[str, Any] = {"enable_external_access": False}


class WarehouseMissing(FileNotFoundError):
    """There is no published warehouse file yet."""


# --- connection and cache plumbing --------------------------------------------------------------------


def warehouse_version(path: Path) -> Version | None:
    """(mtime_ns, size, inode) of the warehouse file, or None when it does not exist.

    `os.replace` gives a new publish a new inode and modification time, so the version changes with every
    publish and every rollback.
    """
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _require_version(path: Path) -> Version:
    version = warehouse_version(path)
    if version is None:
        raise WarehouseMissing(f"no published warehouse at {path}")
    return version


@contextmanager
def _connect(path: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection that cannot touch any other file."""
    con = duckdb.connect(path, read_only=True, config=dict(CONNECT_CONFIG))
    try:
        yield con
    finally:
        con.close()


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    return con.execute(sql, dict(params or {})).df()


def _as_date(value: Any) -> date | None:
    """A DuckDB/pandas date or timestamp as a `datetime.date` (None for null)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _as_float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# --- warehouse info -----------------------------------------------------------------------------------

TABLES_SQL = """
select table_schema || '.' || table_name as table_name
from information_schema.tables
"""

LAST_REFRESH_SQL = """
select
    run_id,
    started_at,
    published_at,
    status,
    files_loaded,
    files_quarantined,
    rows_loaded,
    rows_rejected,
    duration_s
from audit.refresh_runs
order by (status = 'published') desc, published_at desc nulls last, started_at desc nulls last
limit 1
"""

IS_SYNTHETIC_SQL = """
select coalesce(bool_or(is_synthetic), false) as is_synthetic
from marts.dim_vendors
"""


@dataclass(frozen=True)
class RefreshRun:
    """The latest row of `audit.refresh_runs` in the published warehouse."""

    run_id: str
    started_at: datetime | None
    published_at: datetime | None
    status: str
    files_loaded: int | None
    files_quarantined: int | None
    rows_loaded: int | None
    rows_rejected: int | None
    duration_s: float | None


@dataclass(frozen=True)
class WarehouseInfo:
    """What the pages need to know before querying: is there a warehouse, how fresh, is it demo data."""

    path: Path
    exists: bool
    modified_at: datetime | None = None
    tables: frozenset[str] = field(default_factory=frozenset)
    last_refresh: RefreshRun | None = None
    is_synthetic: bool = False
    error: str | None = None

    def has(self, *tables: str) -> bool:
        """True when every `schema.table` named is in the warehouse."""
        return set(tables) <= self.tables

    @property
    def data_as_of(self) -> date | None:
        """The day the data was published (last refresh, else the file's modification time).

        A period counts as complete when it ended on or before this day.
        """
        if self.last_refresh is not None and self.last_refresh.published_at is not None:
            return self.last_refresh.published_at.date()
        return self.modified_at.date() if self.modified_at else None


def _refresh_run(row: Mapping[str, Any]) -> RefreshRun:
    def timestamp(value: Any) -> datetime | None:
        return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()

    def integer(value: Any) -> int | None:
        return None if pd.isna(value) else int(value)

    return RefreshRun(
        run_id=str(row["run_id"]),
        started_at=timestamp(row["started_at"]),
        published_at=timestamp(row["published_at"]),
        status=str(row["status"]),
        files_loaded=integer(row["files_loaded"]),
        files_quarantined=integer(row["files_quarantined"]),
        rows_loaded=integer(row["rows_loaded"]),
        rows_rejected=integer(row["rows_rejected"]),
        duration_s=_as_float(row["duration_s"]),
    )


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _warehouse_details(path: str, version: Version) -> tuple[frozenset[str], RefreshRun | None, bool]:
    with _connect(path) as con:
        tables = frozenset(_frame(con, TABLES_SQL)["table_name"].tolist())
        refresh_rows = _frame(con, LAST_REFRESH_SQL).to_dict("records") if "audit.refresh_runs" in tables else []
        is_synthetic = "marts.dim_vendors" in tables and bool(_frame(con, IS_SYNTHETIC_SQL).iat[0, 0])
    last_refresh = _refresh_run(refresh_rows[0]) if refresh_rows else None
    return tables, last_refresh, is_synthetic


def warehouse_info(path: Path) -> WarehouseInfo:
    """Existence, modification time, tables, last refresh and the synthetic flag of the published warehouse.

    Never raises: a file that cannot be opened comes back with `error` set.
    """
    version = warehouse_version(path)
    if version is None:
        return WarehouseInfo(path=path, exists=False)
    modified_at = datetime.fromtimestamp(version[0] / 1e9).astimezone()
    try:
        tables, last_refresh, is_synthetic = _warehouse_details(str(path), version)
    except duckdb.Error as exc:
        return WarehouseInfo(path=path, exists=True, modified_at=modified_at, error=str(exc).splitlines()[0])
    return WarehouseInfo(
        path=path,
        exists=True,
        modified_at=modified_at,
        tables=tables,
        last_refresh=last_refresh,
        is_synthetic=is_synthetic,
    )


# --- vendors and filter options -----------------------------------------------------------------------

VENDORS_SQL = """
with market_vendors as (
    select distinct vendor_id
    from marts.fct_market_share
)
select
    coalesce(dim_vendors.vendor_id, market_vendors.vendor_id) as vendor_id,
    coalesce(dim_vendors.vendor_name, market_vendors.vendor_id) as vendor_name,
    dim_vendors.hq_region,
    dim_vendors.primary_segment,
    dim_vendors.ownership,
    dim_vendors.business_models,
    dim_vendors.source,
    coalesce(dim_vendors.is_synthetic, false) as is_synthetic,
    coalesce(dim_vendors.in_genai_prices, false) as in_genai_prices,
    market_vendors.vendor_id is not null as has_market_data
from marts.dim_vendors as dim_vendors
full outer join market_vendors
    on dim_vendors.vendor_id = market_vendors.vendor_id
order by vendor_id
"""

PERIODS_SQL = """
select distinct
    period_grain,
    period_start
from marts.fct_market_share
order by period_grain, period_start
"""

SEGMENTS_SQL = """
select distinct segment
from marts.fct_market_share
order by segment <> 'all', segment
"""

MEASURES_SQL = """
select distinct measure
from marts.fct_market_share
order by measure
"""


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _vendors(path: str, version: Version) -> pd.DataFrame:
    with _connect(path) as con:
        return _frame(con, VENDORS_SQL)


def vendors(path: Path) -> pd.DataFrame:
    """Every vendor of `marts.dim_vendors` (plus any vendor with market data but no dim row), sorted by id.

    Columns: the dim_vendors columns and `has_market_data` (the vendor has rows in fct_market_share).
    """
    return _vendors(str(path), _require_version(path))


@dataclass(frozen=True)
class FilterOptions:
    """The values the sidebar filters can take in the published warehouse."""

    periods: Mapping[str, tuple[date, ...]]  # grain → period starts, ascending
    segments: tuple[str, ...]  # 'all' first
    measures: tuple[str, ...]

    def periods_for(self, grain: str) -> tuple[date, ...]:
        return tuple(self.periods.get(grain, ()))


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _filter_options(path: str, version: Version) -> FilterOptions:
    with _connect(path) as con:
        periods_frame = _frame(con, PERIODS_SQL)
        segments = tuple(_frame(con, SEGMENTS_SQL)["segment"].tolist())
        measures = tuple(_frame(con, MEASURES_SQL)["measure"].tolist())
    periods: dict[str, tuple[date, ...]] = {}
    for grain, group in periods_frame.groupby("period_grain", sort=True):
        periods[str(grain)] = tuple(d for d in (_as_date(v) for v in group["period_start"]) if d is not None)
    return FilterOptions(periods=periods, segments=segments, measures=measures)


def filter_options(path: Path) -> FilterOptions:
    """Available periods per grain, segments and measures of `marts.fct_market_share`."""
    return _filter_options(str(path), _require_version(path))


# --- market share and concentration -------------------------------------------------------------------

MARKET_SHARE_SQL = """
select
    market_share.period_start,
    market_share.vendor_id,
    coalesce(dim_vendors.vendor_name, market_share.vendor_id) as vendor_name,
    cast(market_share.value as double) as value,
    cast(market_share.total as double) as total,
    market_share.share,
    market_share.share_change_pp,
    market_share.rank
from marts.fct_market_share as market_share
left join marts.dim_vendors as dim_vendors
    on market_share.vendor_id = dim_vendors.vendor_id
where market_share.period_grain = $grain
    and market_share.measure = $measure
    and market_share.segment = $segment
    and ($start is null or market_share.period_start >= $start)
    and ($end is null or market_share.period_start <= $end)
    and (len($vendors) = 0 or list_contains($vendors, market_share.vendor_id))
order by market_share.period_start, market_share.rank, market_share.vendor_id
"""

CONCENTRATION_SQL = """
select
    period_start,
    n_vendors,
    hhi,
    cr4,
    level
from marts.fct_market_concentration
where period_grain = $grain
    and measure = $measure
    and segment = $segment
    and ($start is null or period_start >= $start)
    and ($end is null or period_start <= $end)
order by period_start
"""


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _market_share(
    path: str,
    version: Version,
    grain: str,
    measure: str,
    segment: str,
    vendor_ids: tuple[str, ...],
    start: date | None,
    end: date | None,
) -> pd.DataFrame:
    params = {
        "grain": grain,
        "measure": measure,
        "segment": segment,
        "vendors": list(vendor_ids),
        "start": start,
        "end": end,
    }
    with _connect(path) as con:
        return _frame(con, MARKET_SHARE_SQL, params)


def market_share(
    path: Path,
    grain: str,
    measure: str,
    segment: str,
    vendors: Sequence[str] = (),
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Vendor shares of one measure per period (inclusive range; None = open end), all vendors when none given.

    Columns: period_start, vendor_id, vendor_name, value, total, share (0..1), share_change_pp, rank.
    """
    vendor_ids = tuple(sorted({str(v) for v in vendors}))
    return _market_share(str(path), _require_version(path), grain, measure, segment, vendor_ids, start, end)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _concentration(
    path: str, version: Version, grain: str, measure: str, segment: str, start: date | None, end: date | None
) -> pd.DataFrame:
    params = {"grain": grain, "measure": measure, "segment": segment, "start": start, "end": end}
    with _connect(path) as con:
        return _frame(con, CONCENTRATION_SQL, params)


def concentration(
    path: Path, grain: str, measure: str, segment: str, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Market concentration per period: period_start, n_vendors, hhi (0..10,000), cr4 (0..1), level."""
    return _concentration(str(path), _require_version(path), grain, measure, segment, start, end)


# --- headline figures (Overview) ----------------------------------------------------------------------

HEADLINE_PERIOD_SQL = """
with periods as (
    select distinct
        period_start,
        cast(
            period_start + interval (case when period_grain = 'quarter' then 3 else 1 end) month as date
        ) as period_end
    from marts.fct_market_share
    where period_grain = $grain
        and measure = 'spend'
        and segment = $segment
        and ($as_of is null or period_start <= $as_of)
)
select
    max(period_start) filter (where $data_as_of is null or period_end <= $data_as_of) as latest_complete,
    max(period_start) as latest
from periods
"""

HEADLINE_TOTALS_SQL = """
select
    period_start,
    measure,
    cast(max(total) as double) as total
from marts.fct_market_share
where period_grain = $grain
    and segment = $segment
    and measure in ('spend', 'customers')
    and list_contains($periods, period_start)
group by period_start, measure
"""

HEADLINE_CONCENTRATION_SQL = """
select
    period_start,
    n_vendors,
    hhi,
    cr4,
    level
from marts.fct_market_concentration
where period_grain = $grain
    and measure = 'spend'
    and segment = $segment
    and list_contains($periods, period_start)
"""

HEADLINE_LEADER_SQL = """
select
    market_share.vendor_id,
    coalesce(dim_vendors.vendor_name, market_share.vendor_id) as vendor_name,
    market_share.share,
    market_share.share_change_pp
from marts.fct_market_share as market_share
left join marts.dim_vendors as dim_vendors
    on market_share.vendor_id = dim_vendors.vendor_id
where market_share.period_grain = $grain
    and market_share.measure = 'spend'
    and market_share.segment = $segment
    and market_share.period_start = $period
order by market_share.rank, market_share.vendor_id
limit 1
"""

REVENUE_LEADER_SQL = """
with latest_quarter as (
    select max(period_start) as period_start
    from marts.fct_market_share
    where period_grain = 'quarter'
        and measure = 'revenue'
        and segment = 'all'
        and ($as_of is null or period_start <= $as_of)
)
select
    market_share.period_start,
    market_share.vendor_id,
    coalesce(dim_vendors.vendor_name, market_share.vendor_id) as vendor_name,
    market_share.share,
    market_share.share_change_pp,
    cast(market_share.total as double) as total
from marts.fct_market_share as market_share
inner join latest_quarter
    on market_share.period_start = latest_quarter.period_start
left join marts.dim_vendors as dim_vendors
    on market_share.vendor_id = dim_vendors.vendor_id
where market_share.period_grain = 'quarter'
    and market_share.measure = 'revenue'
    and market_share.segment = 'all'
order by market_share.rank, market_share.vendor_id
limit 1
"""


@dataclass(frozen=True)
class Headline:
    """The Overview's figures for the latest complete period of one grain and segment (panel spend)."""

    grain: str
    segment: str
    period_start: date | None = None  # None: no spend data at all
    is_complete: bool = True  # False: no period has ended yet, the latest (partial) one is shown
    previous_start: date | None = None
    spend: float | None = None
    previous_spend: float | None = None
    spend_growth: float | None = None  # ratio vs the previous period
    previous_spend_growth: float | None = None  # the previous period's own growth
    customers: float | None = None
    previous_customers: float | None = None
    hhi: float | None = None
    previous_hhi: float | None = None
    level: str | None = None
    cr4: float | None = None
    n_vendors: int | None = None
    leader_id: str | None = None
    leader_name: str | None = None
    leader_share: float | None = None
    leader_share_change_pp: float | None = None
    revenue_quarter: date | None = None
    revenue_leader_id: str | None = None
    revenue_leader_name: str | None = None
    revenue_leader_share: float | None = None
    revenue_leader_share_change_pp: float | None = None
    revenue_total: float | None = None

    @property
    def spend_change(self) -> float | None:
        """Panel spend minus the previous period's (USD)."""
        return _difference(self.spend, self.previous_spend)

    @property
    def spend_growth_change_pp(self) -> float | None:
        """This period's growth minus the previous period's growth, in percentage points."""
        change = _difference(self.spend_growth, self.previous_spend_growth)
        return None if change is None else change * 100

    @property
    def customers_change(self) -> float | None:
        return _difference(self.customers, self.previous_customers)

    @property
    def hhi_change(self) -> float | None:
        return _difference(self.hhi, self.previous_hhi)


def _difference(current: float | None, previous: float | None) -> float | None:
    return None if current is None or previous is None else current - previous


def shift_period(start: date, grain: str, periods: int) -> date:
    """The start of the period `periods` months or quarters away (negative = earlier)."""
    months = periods * (3 if grain == "quarter" else 1)
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def is_complete(start: date, grain: str, data_as_of: date | None) -> bool:
    """True when the period ended on or before `data_as_of` (None: unknown, counted as complete)."""
    return data_as_of is None or shift_period(start, grain, 1) <= data_as_of


def _growth(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None or previous == 0:
        return None
    return current / previous - 1


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _headline(
    path: str, version: Version, grain: str, segment: str, as_of: date | None, data_as_of: date | None
) -> Headline:
    with _connect(path) as con:
        chosen = _frame(
            con, HEADLINE_PERIOD_SQL, {"grain": grain, "segment": segment, "as_of": as_of, "data_as_of": data_as_of}
        ).iloc[0]
        latest_complete, latest = _as_date(chosen["latest_complete"]), _as_date(chosen["latest"])
        revenue = _frame(con, REVENUE_LEADER_SQL, {"as_of": as_of}).to_dict("records")
        revenue_fields: dict[str, Any] = {}
        if revenue:
            row = revenue[0]
            revenue_fields = {
                "revenue_quarter": _as_date(row["period_start"]),
                "revenue_leader_id": row["vendor_id"],
                "revenue_leader_name": row["vendor_name"],
                "revenue_leader_share": _as_float(row["share"]),
                "revenue_leader_share_change_pp": _as_float(row["share_change_pp"]),
                "revenue_total": _as_float(row["total"]),
            }
        period = latest_complete or latest
        if period is None:
            return Headline(grain=grain, segment=segment, **revenue_fields)
        previous, before_previous = shift_period(period, grain, -1), shift_period(period, grain, -2)
        scope = {"grain": grain, "segment": segment, "periods": [period, previous, before_previous]}
        totals = {
            (_as_date(row["period_start"]), row["measure"]): _as_float(row["total"])
            for row in _frame(con, HEADLINE_TOTALS_SQL, scope).to_dict("records")
        }
        concentration_rows = {
            _as_date(row["period_start"]): row
            for row in _frame(con, HEADLINE_CONCENTRATION_SQL, scope).to_dict("records")
        }
        leader = _frame(con, HEADLINE_LEADER_SQL, {"grain": grain, "segment": segment, "period": period})
    current_concentration = concentration_rows.get(period, {})
    previous_concentration = concentration_rows.get(previous, {})
    leader_row = leader.to_dict("records")[0] if len(leader) else {}
    spend = totals.get((period, "spend"))
    previous_spend = totals.get((previous, "spend"))
    return Headline(
        grain=grain,
        segment=segment,
        period_start=period,
        is_complete=latest_complete is not None,
        previous_start=previous,
        spend=spend,
        previous_spend=previous_spend,
        spend_growth=_growth(spend, previous_spend),
        previous_spend_growth=_growth(previous_spend, totals.get((before_previous, "spend"))),
        customers=totals.get((period, "customers")),
        previous_customers=totals.get((previous, "customers")),
        hhi=_as_float(current_concentration.get("hhi")),
        previous_hhi=_as_float(previous_concentration.get("hhi")),
        level=current_concentration.get("level"),
        cr4=_as_float(current_concentration.get("cr4")),
        n_vendors=None if current_concentration.get("n_vendors") is None else int(current_concentration["n_vendors"]),
        leader_id=leader_row.get("vendor_id"),
        leader_name=leader_row.get("vendor_name"),
        leader_share=_as_float(leader_row.get("share")),
        leader_share_change_pp=_as_float(leader_row.get("share_change_pp")),
        **revenue_fields,
    )


def headline(
    path: Path, grain: str, segment: str, as_of: date | None = None, data_as_of: date | None = None
) -> Headline:
    """Headline figures for the latest complete period of `grain` up to `as_of` (None = the latest there is).

    A period is complete when it ended on or before `data_as_of` (the day the data was published); when no
    period has ended yet the latest one is used and `is_complete` is False. Panel spend (total, change,
    growth), active customers (Σ of each vendor's active accounts), HHI and level of the spend market,
    the spend leader and its share; and the reported-revenue leader of the latest quarter up to `as_of`.
    """
    return _headline(str(path), _require_version(path), grain, segment, as_of, data_as_of)

"""Every SQL query of the dashboards, against the published warehouse (DESIGN §5, §7).

Rules kept here, and nowhere else:
- a connection is opened read-only, with external access disabled, for one function call and closed again:
  a refresh replaces the file atomically, and a connection kept open would keep serving the old file;
- SQL is constant text with named parameters (`$name`); values chosen in the UI only ever travel as parameters;
- results are cached with `st.cache_data`, keyed on the file's version (mtime_ns, size, inode), so a new
  publish (or a rollback) is picked up on the next rerun without restarting the app;
- a file that cannot be read (locked by an analyst's read-write session, damaged) raises `PublishedUnavailable`
  with one line; while it lasts the queries answer from the last version that read well (its cached results),
  and `warehouse_info` carries a notice saying so.

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

from orchestration.published import PublishedUnavailable, open_published, unavailable

Version = tuple[int, int, int]

CACHE_ENTRIES = 256

CONNECT_CONFIG: Mapping[str, Any] = {"enable_external_access": False, "lock_configuration": True}


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


@st.cache_resource(show_spinner=False)
def _last_readable() -> dict[str, Version]:
    """Per warehouse path, the last version that opened and read (shared by the sessions of this server)."""
    return {}


def _require_version(path: Path) -> Version:
    """The version to query: the file's own, or while it cannot be read, the last version that could."""
    version = warehouse_version(path)
    if version is None:
        raise WarehouseMissing(f"no published warehouse at {path}")
    last = _last_readable().get(str(path))
    if last is None or last == version:
        return version
    try:
        _warehouse_details(str(path), version)  # cached once it has read
    except PublishedUnavailable:
        return last  # the cached results of the last readable version keep the pages going
    _last_readable()[str(path)] = version
    return version


@contextmanager
def _connect(path: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection that cannot touch any other file.

    Raises PublishedUnavailable (one line) when the file is locked, damaged or not a DuckDB database.
    """
    con = open_published(Path(path), CONNECT_CONFIG)
    try:
        yield con
    except duckdb.IOException as exc:  # a block that cannot be read: the file is damaged
        raise unavailable(Path(path), exc) from None
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
    error: str | None = None  # the file cannot be read and there is nothing earlier to show
    notice: str | None = None  # the file cannot be read: what is shown is the last version that could

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

    Never raises: a file that cannot be read comes back with `notice` set and the details of the last version
    that could (whose cached results the queries then return), or with `error` set when there is none.
    """
    version = warehouse_version(path)
    if version is None:
        return WarehouseInfo(path=path, exists=False)
    readable = _last_readable()
    try:
        details = _warehouse_details(str(path), version)
    except (PublishedUnavailable, duckdb.Error) as exc:
        message = str(exc) if isinstance(exc, PublishedUnavailable) else str(unavailable(path, exc))
        last = readable.get(str(path))
        try:
            if last is None:
                raise PublishedUnavailable(message, "damaged")
            details = _warehouse_details(str(path), last)
        except (PublishedUnavailable, duckdb.Error):
            modified_at = datetime.fromtimestamp(version[0] / 1e9).astimezone()
            return WarehouseInfo(path=path, exists=True, modified_at=modified_at, error=message)
        shown_at = datetime.fromtimestamp(last[0] / 1e9).astimezone()
        notice = f"{message}. Showing the last results this dashboard had (warehouse of {shown_at:%Y-%m-%d %H:%M})."
        return _info(path, last, details, notice)
    readable[str(path)] = version
    return _info(path, version, details)


def _info(
    path: Path, version: Version, details: tuple[frozenset[str], RefreshRun | None, bool], notice: str | None = None
) -> WarehouseInfo:
    tables, last_refresh, is_synthetic = details
    return WarehouseInfo(
        path=path,
        exists=True,
        modified_at=datetime.fromtimestamp(version[0] / 1e9).astimezone(),
        tables=tables,
        last_refresh=last_refresh,
        is_synthetic=is_synthetic,
        notice=notice,
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
    def annualised_growth(self) -> float | None:
        """The period's spend growth compounded over a year: (1 + g)^12 − 1 (months) or (1 + g)^4 − 1 (quarters)."""
        return _annualise(self.spend_growth, self.grain)

    @property
    def annualised_growth_change_pp(self) -> float | None:
        """Annualised growth minus the previous period's annualised growth, in percentage points."""
        change = _difference(self.annualised_growth, _annualise(self.previous_spend_growth, self.grain))
        return None if change is None else change * 100

    @property
    def customers_change(self) -> float | None:
        return _difference(self.customers, self.previous_customers)

    @property
    def hhi_change(self) -> float | None:
        return _difference(self.hhi, self.previous_hhi)


def _annualise(growth: float | None, grain: str) -> float | None:
    if growth is None or growth <= -1:
        return None
    return (1 + growth) ** (4 if grain == "quarter" else 12) - 1


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


# --- Overview: retention, revenue, prices and sustainability movers -------------------------------------

RETENTION_TOTALS_SQL = """
with retention as (
    select
        month,
        sum(nrr_1m * cast(mrr_base_1m as double)) filter (where nrr_1m is not null)
            / nullif(sum(cast(mrr_base_1m as double)) filter (where nrr_1m is not null), 0) as nrr_1m,
        sum(grr_1m * cast(mrr_base_1m as double)) filter (where grr_1m is not null)
            / nullif(sum(cast(mrr_base_1m as double)) filter (where grr_1m is not null), 0) as grr_1m
    from marts.fct_retention_summary
    where segment = $segment
        and list_contains($months, month)
    group by month
),

movements as (
    select
        month,
        sum(new_customers) as new_customers,
        sum(customers_end) as customers_end
    from marts.fct_revenue_movements
    where segment = $segment
        and list_contains($months, month)
    group by month
)

select
    movements.month,
    retention.nrr_1m,
    retention.grr_1m,
    cast(movements.new_customers as double) / nullif(movements.customers_end, 0) as new_customer_rate
from movements
left join retention
    on movements.month = retention.month
order by movements.month
"""

REVENUE_TOTALS_SQL = """
with quarters as (
    select distinct
        period_start,
        total
    from marts.fct_market_share
    where period_grain = 'quarter'
        and measure = 'revenue'
        and segment = 'all'
        and ($as_of is null or period_start <= $as_of)
)

select
    period_start,
    cast(total as double) as total
from quarters
order by period_start desc
limit 2
"""

PRICE_TREND_SQL = """
select
    month,
    median_usd_per_mtok,
    index
from marts.fct_price_index
where vendor_id = 'all'
    and price_type = $price_type
    and month <= $month
order by month desc
limit 2
"""

SUSTAINABILITY_MOVERS_SQL = """
with latest_quarter as (
    select max(quarter) as quarter
    from (
        select quarter
        from marts.fct_sustainability_scorecard
        where $as_of is null or quarter <= $as_of
        group by quarter
        having median(coverage) >= $min_coverage
    ) as well_covered
),

changes as (
    select
        current_quarter.vendor_id,
        current_quarter.quarter,
        previous_quarter.quarter as previous_quarter,
        current_quarter.composite,
        current_quarter.composite - previous_quarter.composite as composite_change
    from marts.fct_sustainability_scorecard as current_quarter
    inner join latest_quarter
        on current_quarter.quarter = latest_quarter.quarter
    inner join marts.fct_sustainability_scorecard as previous_quarter
        on current_quarter.vendor_id = previous_quarter.vendor_id
        and previous_quarter.quarter = cast(latest_quarter.quarter - interval 3 month as date)
    where len($vendors) = 0 or list_contains($vendors, current_quarter.vendor_id)
)

select
    changes.vendor_id,
    coalesce(dim_vendors.vendor_name, changes.vendor_id) as vendor_name,
    changes.quarter,
    changes.previous_quarter,
    changes.composite,
    changes.composite_change
from changes
left join marts.dim_vendors as dim_vendors
    on changes.vendor_id = dim_vendors.vendor_id
order by changes.composite_change desc, changes.vendor_id
"""


def retention_totals(path: Path, segment: str, months: Sequence[date]) -> pd.DataFrame:
    """Market-wide NRR and GRR over one month (the vendors' ratios weighted by their base MRR) and the
    new-customer rate (Σ new customers ÷ Σ customers at the end) of each month given: month, nrr_1m, grr_1m,
    new_customer_rate."""
    return _query(path, RETENTION_TOTALS_SQL, segment=segment, months=tuple(months))


def revenue_totals(path: Path, as_of: date | None = None) -> pd.DataFrame:
    """Total reported revenue (USD, every vendor) of the latest two quarters up to `as_of`, latest first."""
    return _query(path, REVENUE_TOTALS_SQL, as_of=as_of)


def price_trend(path: Path, month: date, price_type: str = "input") -> pd.DataFrame:
    """The all-vendor price index (median USD per million tokens) of `month` and the month before, latest first."""
    return _query(path, PRICE_TREND_SQL, month=month, price_type=price_type)


def sustainability_movers(
    path: Path, as_of: date | None = None, vendors: Sequence[str] = (), min_coverage: float = 0.5
) -> pd.DataFrame:
    """Composite change of every vendor from the quarter before to the latest quarter up to `as_of` whose median
    coverage is at least `min_coverage` (as the Sustainability page's default quarter), best first."""
    return _query(path, SUSTAINABILITY_MOVERS_SQL, as_of=as_of, vendors=tuple(vendors), min_coverage=min_coverage)


# --- generic cached query ---------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _cached_query(path: str, version: Version, sql: str, params: Mapping[str, Any]) -> pd.DataFrame:
    with _connect(path) as con:
        return _frame(con, sql, params)


def _query(path: Path, sql: str, **params: Any) -> pd.DataFrame:
    """Run one of this module's constant SQL texts with named parameters, cached per warehouse version.

    Sequences travel as lists (DuckDB binds them as LIST values, used with `list_contains`).
    """
    bound = {name: list(value) if isinstance(value, tuple | list) else value for name, value in params.items()}
    return _cached_query(str(path), _require_version(path), sql, bound)


def month_window(start: date | None, end: date | None, grain: str) -> tuple[date | None, date | None]:
    """The months covered by a sidebar period range: (first month, first month after the range), None = open."""
    return start, (None if end is None else shift_period(end, grain, 1))


# --- customers & retention ------------------------------------------------------------------------------

CUSTOMER_VENDORS_SQL = """
select
    revenue_movements.vendor_id,
    coalesce(any_value(dim_vendors.vendor_name), revenue_movements.vendor_id) as vendor_name,
    cast(sum(revenue_movements.mrr_end) as double) as mrr_total
from marts.fct_revenue_movements as revenue_movements
left join marts.dim_vendors as dim_vendors
    on revenue_movements.vendor_id = dim_vendors.vendor_id
where revenue_movements.segment = 'all'
group by revenue_movements.vendor_id
order by mrr_total desc, revenue_movements.vendor_id
"""

REVENUE_MOVEMENTS_SQL = """
select
    revenue_movements.month,
    revenue_movements.vendor_id,
    coalesce(dim_vendors.vendor_name, revenue_movements.vendor_id) as vendor_name,
    cast(revenue_movements.mrr_start as double) as mrr_start,
    cast(revenue_movements.new_mrr as double) as new_mrr,
    cast(revenue_movements.reactivation_mrr as double) as reactivation_mrr,
    cast(revenue_movements.expansion_mrr as double) as expansion_mrr,
    cast(revenue_movements.contraction_mrr as double) as contraction_mrr,
    cast(revenue_movements.churned_mrr as double) as churned_mrr,
    cast(revenue_movements.mrr_end as double) as mrr_end,
    revenue_movements.customers_start,
    revenue_movements.new_customers,
    revenue_movements.reactivated_customers,
    revenue_movements.churned_customers,
    revenue_movements.customers_end
from marts.fct_revenue_movements as revenue_movements
left join marts.dim_vendors as dim_vendors
    on revenue_movements.vendor_id = dim_vendors.vendor_id
where revenue_movements.segment = $segment
    and revenue_movements.vendor_id = $vendor
    and ($start is null or revenue_movements.month >= $start)
    and ($end is null or revenue_movements.month < $end)
order by revenue_movements.month
"""

RETENTION_SQL = """
select
    retention.month,
    retention.vendor_id,
    coalesce(dim_vendors.vendor_name, retention.vendor_id) as vendor_name,
    retention.nrr_1m,
    retention.grr_1m,
    retention.nrr_12m,
    retention.grr_12m,
    retention.logo_churn_rate,
    retention.new_customer_rate,
    cast(retention.mrr_base_1m as double) as mrr_base_1m,
    cast(retention.mrr_base_12m as double) as mrr_base_12m
from marts.fct_retention_summary as retention
left join marts.dim_vendors as dim_vendors
    on retention.vendor_id = dim_vendors.vendor_id
where retention.segment = $segment
    and (len($vendors) = 0 or list_contains($vendors, retention.vendor_id))
    and ($start is null or retention.month >= $start)
    and ($end is null or retention.month < $end)
order by retention.vendor_id, retention.month
"""

COHORTS_SQL = """
select
    cohort_month,
    months_since,
    month,
    cohort_size,
    active_customers,
    logo_retention,
    cast(mrr as double) as mrr,
    revenue_retention
from marts.fct_cohort_retention
where vendor_id = $vendor
    and segment = $segment
    and ($start is null or cohort_month >= $start)
    and ($end is null or month < $end)
order by cohort_month, months_since
"""


def customer_vendors(path: Path) -> pd.DataFrame:
    """Vendors with revenue movements: vendor_id, vendor_name, mrr_total (Σ monthly MRR), largest first."""
    return _query(path, CUSTOMER_VENDORS_SQL)


def revenue_movements(
    path: Path, vendor: str, segment: str, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """MRR waterfall rows of one vendor and segment for months in [start, end) (USD as double), by month."""
    return _query(path, REVENUE_MOVEMENTS_SQL, vendor=vendor, segment=segment, start=start, end=end)


def retention(
    path: Path, segment: str, vendors: Sequence[str] = (), start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """fct_retention_summary rows of one segment for months in [start, end), every vendor when none given."""
    return _query(path, RETENTION_SQL, segment=segment, vendors=tuple(vendors), start=start, end=end)


def cohorts(path: Path, vendor: str, segment: str, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Cohort retention of one vendor and segment: cohorts starting in [start, end), observed before `end`."""
    return _query(path, COHORTS_SQL, vendor=vendor, segment=segment, start=start, end=end)


# --- vendor switching -----------------------------------------------------------------------------------

SWITCHING_SQL = """
select
    switching.from_vendor,
    coalesce(from_vendors.vendor_name, switching.from_vendor) as from_name,
    switching.to_vendor,
    coalesce(to_vendors.vendor_name, switching.to_vendor) as to_name,
    sum(switching.accounts) as accounts,
    cast(sum(switching.mrr_moved) as double) as mrr_moved,
    count(*) as months,
    min(switching.month) as first_month,
    max(switching.month) as last_month
from marts.fct_vendor_switching as switching
left join marts.dim_vendors as from_vendors
    on switching.from_vendor = from_vendors.vendor_id
left join marts.dim_vendors as to_vendors
    on switching.to_vendor = to_vendors.vendor_id
where switching.segment = $segment
    and ($start is null or switching.month >= $start)
    and ($end is null or switching.month < $end)
    and (
        len($vendors) = 0
        or list_contains($vendors, switching.from_vendor)
        or list_contains($vendors, switching.to_vendor)
    )
group by all
order by accounts desc, mrr_moved desc, switching.from_vendor, switching.to_vendor
"""


def switching(
    path: Path, segment: str, vendors: Sequence[str] = (), start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Switches per (from_vendor, to_vendor) summed over churn months in [start, end) of one segment.

    With vendors given, the flows into or out of any of them. Columns: from_vendor, from_name, to_vendor,
    to_name, accounts (Σ monthly distinct accounts), mrr_moved (USD), months, first_month, last_month.
    """
    return _query(path, SWITCHING_SQL, segment=segment, vendors=tuple(vendors), start=start, end=end)


# --- pricing --------------------------------------------------------------------------------------------

PRICE_VENDORS_SQL = """
select
    vendor_id,
    count(distinct model_id) as n_models
from marts.fct_model_prices
group by vendor_id
order by vendor_id
"""

PRICE_MODELS_SQL = """
select
    model_prices.model_id,
    coalesce(max(dim_models.model_name), model_prices.model_id) as model_name,
    count(*) as n_rows,
    bool_or(model_prices.is_current) as has_current
from marts.fct_model_prices as model_prices
left join marts.dim_models as dim_models
    on model_prices.vendor_id = dim_models.vendor_id
    and model_prices.model_id = dim_models.model_id
where model_prices.vendor_id = $vendor
    and model_prices.price_type = $price_type
    and model_prices.tier_start is null
    and model_prices.condition is null
    and model_prices.unit = 'mtok'
group by model_prices.model_id
order by n_rows desc, has_current desc, model_prices.model_id
"""

PRICE_HISTORY_SQL = """
select
    model_id,
    cast(usd_per_unit as double) as usd_per_mtok,
    valid_from,
    valid_to,
    is_current,
    source
from marts.fct_model_prices
where vendor_id = $vendor
    and price_type = $price_type
    and list_contains($models, model_id)
    and tier_start is null
    and condition is null
    and unit = 'mtok'
order by model_id, valid_from nulls first, source
"""

PRICE_INDEX_SQL = """
select
    price_index.month,
    price_index.vendor_id,
    case
        when price_index.vendor_id = 'all' then 'All vendors'
        else coalesce(dim_vendors.vendor_name, price_index.vendor_id)
    end as vendor_name,
    price_index.median_usd_per_mtok,
    price_index.min_usd_per_mtok,
    price_index.n_models,
    price_index.index,
    min(price_index.month) over (partition by price_index.vendor_id) as base_month
from marts.fct_price_index as price_index
left join marts.dim_vendors as dim_vendors
    on price_index.vendor_id = dim_vendors.vendor_id
where price_index.price_type = $price_type
    and (price_index.vendor_id = 'all' or list_contains($vendors, price_index.vendor_id))
qualify ($start is null or price_index.month >= $start)
    and ($end is null or price_index.month < $end)
order by price_index.vendor_id <> 'all', price_index.vendor_id, price_index.month
"""

CURRENT_PRICES_SQL = """
select
    model_prices.vendor_id,
    model_prices.model_id,
    dim_models.model_name,
    cast(max(model_prices.usd_per_unit) filter (where model_prices.price_type = 'input') as double) as input,
    cast(max(model_prices.usd_per_unit) filter (where model_prices.price_type = 'output') as double) as output,
    cast(max(model_prices.usd_per_unit) filter (where model_prices.price_type = 'cache_read') as double)
        as cache_read,
    cast(max(model_prices.usd_per_unit) filter (where model_prices.price_type = 'cache_write') as double)
        as cache_write,
    dim_models.context_window,
    max(model_prices.valid_from) as latest_change,
    string_agg(distinct model_prices.source, ', ') as source
from marts.fct_model_prices as model_prices
left join marts.dim_models as dim_models
    on model_prices.vendor_id = dim_models.vendor_id
    and model_prices.model_id = dim_models.model_id
where model_prices.is_current
    and model_prices.tier_start is null
    and model_prices.condition is null
    and model_prices.unit = 'mtok'
    and (len($vendors) = 0 or list_contains($vendors, model_prices.vendor_id))
    and (
        $pattern = '%%'
        or model_prices.model_id ilike $pattern escape '\\'
        or model_prices.vendor_id ilike $pattern escape '\\'
        or dim_models.model_name ilike $pattern escape '\\'
    )
group by model_prices.vendor_id, model_prices.model_id, dim_models.model_name, dim_models.context_window
order by model_prices.vendor_id, model_prices.model_id
"""


def like_pattern(text: str) -> str:
    """A `%…%` ILIKE pattern matching `text` literally (%, _ and the escape character escaped)."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def price_vendors(path: Path) -> pd.DataFrame:
    """Vendors with prices: vendor_id, n_models."""
    return _query(path, PRICE_VENDORS_SQL)


def price_models(path: Path, vendor: str, price_type: str) -> pd.DataFrame:
    """A vendor's models with a base price of `price_type` (per Mtok): model_id, model_name, n_rows, has_current.

    Ordered by price rows (the models whose price changed most first).
    """
    return _query(path, PRICE_MODELS_SQL, vendor=vendor, price_type=price_type)


def price_history(path: Path, vendor: str, price_type: str, models: Sequence[str]) -> pd.DataFrame:
    """Base prices (no tier, no condition, USD per Mtok) with their validity of the given models of one vendor."""
    return _query(path, PRICE_HISTORY_SQL, vendor=vendor, price_type=price_type, models=tuple(sorted(models)))


def price_index(
    path: Path, price_type: str, vendors: Sequence[str] = (), start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """fct_price_index rows of 'all' and the vendors given for months in [start, end).

    `base_month` is the first month of each vendor's whole series (index = 100 there).
    """
    return _query(path, PRICE_INDEX_SQL, price_type=price_type, vendors=tuple(sorted(vendors)), start=start, end=end)


def current_prices(path: Path, search: str = "", vendors: Sequence[str] = ()) -> pd.DataFrame:
    """Current base prices (USD per Mtok) per model, one column per token price type.

    `search` matches model id, model name or vendor id as a literal substring (case-insensitive).
    """
    return _query(path, CURRENT_PRICES_SQL, pattern=like_pattern(search), vendors=tuple(sorted(vendors)))


# --- sustainability -------------------------------------------------------------------------------------

SCORECARD_QUARTERS_SQL = """
select
    quarter,
    count(*) as n_vendors,
    median(coverage) as median_coverage
from marts.fct_sustainability_scorecard
group by quarter
order by quarter
"""

SCORECARD_SQL = """
select
    scorecard.vendor_id,
    coalesce(dim_vendors.vendor_name, scorecard.vendor_id) as vendor_name,
    scorecard.rank,
    scorecard.composite,
    scorecard.financial,
    scorecard.technical,
    scorecard.market,
    scorecard.social,
    scorecard.coverage
from marts.fct_sustainability_scorecard as scorecard
left join marts.dim_vendors as dim_vendors
    on scorecard.vendor_id = dim_vendors.vendor_id
where scorecard.quarter = $quarter
order by scorecard.rank nulls last, scorecard.vendor_id
"""

INDICATOR_ROWS_SQL = """
select
    indicators.dimension,
    indicators.indicator,
    dim_indicators.name,
    indicators.raw_value,
    dim_indicators.unit,
    dim_indicators.direction,
    indicators.normalized,
    indicators.weight,
    indicators.weight / sum(indicators.weight) over (partition by indicators.dimension) as weight_in_dimension,
    indicators.origin,
    indicators.source
from marts.fct_sustainability_indicators as indicators
left join marts.dim_indicators as dim_indicators
    on indicators.indicator = dim_indicators.indicator
where indicators.vendor_id = $vendor
    and indicators.quarter = $quarter
order by indicators.dimension, indicators.weight desc, indicators.indicator
"""


def scorecard_quarters(path: Path) -> pd.DataFrame:
    """Quarters of the scorecard: quarter, n_vendors, median_coverage (ascending)."""
    return _query(path, SCORECARD_QUARTERS_SQL)


def scorecard(path: Path, quarter: date) -> pd.DataFrame:
    """The scorecard of one quarter, every vendor, by warehouse rank."""
    return _query(path, SCORECARD_SQL, quarter=quarter)


def indicator_rows(path: Path, vendor: str, quarter: date) -> pd.DataFrame:
    """The indicator rows behind one scorecard row, with the catalog's name, unit and direction."""
    return _query(path, INDICATOR_ROWS_SQL, vendor=vendor, quarter=quarter)


# --- data quality ---------------------------------------------------------------------------------------

REFRESH_RUNS_SQL = """
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
order by started_at desc nulls last
limit 50
"""

QUALITY_RUNS_SQL = """
select
    run_id,
    max(checked_at) as checked_at,
    count(*) filter (where severity <> 'info') as checks,
    count(*) filter (where not success and severity = 'error') as failed_errors,
    count(*) filter (where not success and severity = 'warning') as failed_warnings
from audit.quality_results
group by run_id
order by checked_at desc
limit 20
"""

QUALITY_FAILURES_SQL = """
select
    checked_at,
    run_id,
    severity,
    suite,
    relation,
    expectation,
    "column",
    element_count,
    unexpected_count,
    description,
    sample
from audit.quality_results
where not success
    and severity in ('error', 'warning')
order by checked_at desc, severity = 'warning', suite, expectation, "column"
limit 500
"""

LOAD_PROBLEMS_SQL = """
with latest as (
    select *
    from audit.load_log
    qualify row_number() over (partition by source_file order by loaded_at desc) = 1
)
select
    loaded_at,
    status,
    source,
    dataset,
    source_file,
    reason,
    delivered_rows,
    loaded_rows,
    rejected_rows,
    quarantine_path
from latest
where status <> 'loaded'
order by loaded_at desc, source_file
"""

REJECTED_BY_REASON_SQL = """
select
    source,
    dataset,
    reason,
    count(*) as rows_rejected,
    count(distinct source_file) as files
from audit.rejected_rows
where is_current
group by all
order by rows_rejected desc, source, dataset, reason
"""

REJECTED_SAMPLE_SQL = """
select
    source,
    dataset,
    source_file,
    row_number,
    reason,
    row_json
from audit.rejected_rows
where is_current
order by source, dataset, source_file, row_number
limit 200
"""

FRESHNESS_SQL = """
select
    source,
    dataset,
    count(*) filter (where status = 'loaded') as files_loaded,
    count(*) filter (where status <> 'loaded') as files_not_loaded,
    max(loaded_at) filter (where status = 'loaded') as last_loaded_at,
    max(loaded_at) as last_delivery_at
from audit.load_log
group by source, dataset
order by source, dataset
"""

USAGE_RAW_PATHS_SQL = """
select distinct raw_path
from audit.load_log
where source = 'customers'
    and dataset = 'usage'
    and status = 'loaded'
    and raw_path is not null
order by raw_path
"""


def refresh_runs(path: Path) -> pd.DataFrame:
    """The published runs recorded in audit.refresh_runs, newest first (50 at most)."""
    return _query(path, REFRESH_RUNS_SQL)


def quality_runs(path: Path) -> pd.DataFrame:
    """Per quality run (newest first): checked_at, checks (error + warning), failed_errors, failed_warnings."""
    return _query(path, QUALITY_RUNS_SQL)


def quality_failures(path: Path) -> pd.DataFrame:
    """Failed error- and warning-severity expectations, latest run first (500 at most), with their sample."""
    return _query(path, QUALITY_FAILURES_SQL)


def load_problems(path: Path) -> pd.DataFrame:
    """Files whose latest delivery was not loaded (quarantined, refused, unrecognised), with the reason."""
    return _query(path, LOAD_PROBLEMS_SQL)


def rejected_by_reason(path: Path) -> pd.DataFrame:
    """Current rejected rows counted per source, dataset and reason."""
    return _query(path, REJECTED_BY_REASON_SQL)


def rejected_sample(path: Path) -> pd.DataFrame:
    """Up to 200 current rejected rows with their reason and content."""
    return _query(path, REJECTED_SAMPLE_SQL)


def freshness(path: Path) -> pd.DataFrame:
    """Per source and dataset: files loaded / not loaded, the last load and the last delivery time."""
    return _query(path, FRESHNESS_SQL)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _newest_usage_date(path: str, version: Version, raw_dir: str) -> date | None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    with _connect(path) as con:
        relative = [str(p) for p in _frame(con, USAGE_RAW_PATHS_SQL)["raw_path"]]
    root = Path(raw_dir).resolve()
    newest: date | None = None
    for name in relative:
        file = (root / name).resolve()
        if not file.is_relative_to(root) or not file.is_file():
            continue
        column = pq.read_table(file, columns=["usage_date"])["usage_date"]
        value = pc.max(column).as_py() if len(column) else None
        if value is not None and (newest is None or value > newest):
            newest = value
    return newest


def newest_usage_date(path: Path, raw_dir: Path) -> date | None:
    """The newest usage_date of the loaded usage files (their archived Parquet copies under raw/).

    The warehouse keeps usage at month grain, so the day comes from the archive the load log points to
    (read with pyarrow, only paths inside `raw_dir`). None when nothing can be read.
    """
    try:
        return _newest_usage_date(str(path), _require_version(path), str(raw_dir))
    except (duckdb.Error, OSError, KeyError, ValueError):
        return None


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _refresh_attempts(path: str, version: tuple[int, int]) -> pd.DataFrame:
    import json

    rows = []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict):
            rows.append(doc)
    columns = ["started_at", "finished_at", "status", "duration_s", "files_loaded", "rows_loaded", "message", "run_id"]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("started_at", "finished_at"):
        frame[column] = pd.to_datetime(frame[column], errors="coerce", format="ISO8601")
    return frame.sort_values("started_at", ascending=False, na_position="last").head(50).reset_index(drop=True)


def refresh_attempts(log_path: Path) -> pd.DataFrame:
    """Every refresh attempt of refresh_log.jsonl (published or failed), newest first (50 at most).

    Columns: started_at, finished_at, status, duration_s, files_loaded, rows_loaded, message, run_id.
    An empty frame when there is no log yet; unreadable lines are skipped.
    """
    try:
        stat = log_path.stat()
    except FileNotFoundError:
        return _refresh_attempts_empty()
    return _refresh_attempts(str(log_path), (stat.st_mtime_ns, stat.st_size))


def _refresh_attempts_empty() -> pd.DataFrame:
    columns = ["started_at", "finished_at", "status", "duration_s", "files_loaded", "rows_loaded", "message", "run_id"]
    return pd.DataFrame(columns=columns)

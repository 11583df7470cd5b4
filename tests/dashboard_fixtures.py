"""A tiny hand-made published warehouse for the dashboard tests.

The marts hold what dbt would publish for the values below (shares, changes, ranks and concentration are
derived here in plain Python from the raw values), with the exact table and column names of DESIGN §4.
Three vendors with market data (openai, anthropic, mistral) and one genai-prices-only vendor (x-ai);
months Jan–Mar 2025 and quarter Q1 2025 of panel measures for segments all/enterprise/smb;
reported revenue for Q4 2024 and Q1 2025.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

MONTHS = (date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1))
QUARTERS = (date(2024, 10, 1), date(2025, 1, 1))
PUBLISHED_AT = datetime(2025, 4, 2, 3, 0, 0)

VENDORS = (
    # vendor_id, vendor_name, source, is_synthetic, in_genai_prices
    ("openai", "OpenAI", "synthetic:demo-data", True, True),
    ("anthropic", "Anthropic", "synthetic:demo-data", True, True),
    ("mistral", "Mistral AI", "synthetic:demo-data", True, True),
    ("x-ai", "xAI", "genai-prices@0.2.3", False, True),
)

# panel spend in USD per (month, segment) and vendor
SPEND: dict[tuple[date, str], dict[str, float]] = {
    (MONTHS[0], "enterprise"): {"openai": 1000, "anthropic": 500, "mistral": 100},
    (MONTHS[0], "smb"): {"openai": 200, "anthropic": 100},
    (MONTHS[1], "enterprise"): {"openai": 1100, "anthropic": 700, "mistral": 100},
    (MONTHS[1], "smb"): {"openai": 250, "anthropic": 150, "mistral": 50},
    (MONTHS[2], "enterprise"): {"openai": 1200, "anthropic": 1250, "mistral": 200},
    (MONTHS[2], "smb"): {"openai": 300, "anthropic": 200, "mistral": 100},
}
# active accounts per (month, segment) and vendor
CUSTOMERS: dict[tuple[date, str], dict[str, float]] = {
    (MONTHS[0], "enterprise"): {"openai": 3, "anthropic": 2, "mistral": 1},
    (MONTHS[0], "smb"): {"openai": 4, "anthropic": 2},
    (MONTHS[1], "enterprise"): {"openai": 3, "anthropic": 3, "mistral": 1},
    (MONTHS[1], "smb"): {"openai": 5, "anthropic": 3, "mistral": 1},
    (MONTHS[2], "enterprise"): {"openai": 4, "anthropic": 4, "mistral": 2},
    (MONTHS[2], "smb"): {"openai": 5, "anthropic": 4, "mistral": 2},
}
# reported revenue in USD per quarter and vendor
REVENUE: dict[date, dict[str, float]] = {
    QUARTERS[0]: {"openai": 3.0e9, "anthropic": 1.0e9, "mistral": 0.1e9},
    QUARTERS[1]: {"openai": 3.5e9, "anthropic": 1.5e9, "mistral": 0.15e9},
}

# audit.load_log: source, dataset, source_file, status, reason, delivered, loaded, rejected, quarantine_path, age
LOAD_LOG = (
    ("customers", "usage", "customers/usage/2025-03.csv", "loaded", None, 3463, 3456, 7, None, timedelta(0)),
    (
        "market",
        "vendors",
        "market/vendors/v.csv",
        "quarantined",
        "missing required column vendor_id",
        3,
        0,
        0,
        "market/vendors/v.csv.q",
        timedelta(hours=1),
    ),
    # quarantined first, then delivered again and loaded: no longer a problem
    (
        "customers",
        "accounts",
        "customers/accounts/a.csv",
        "quarantined",
        "not UTF-8",
        2,
        0,
        0,
        "q/a.csv",
        timedelta(hours=2),
    ),
    ("customers", "accounts", "customers/accounts/a.csv", "loaded", None, 2, 2, 0, None, timedelta(hours=1)),
)
# audit.quality_results: suite, relation, expectation, column, severity, success, elements, unexpected, sample
QUALITY_RESULTS = (
    (
        "usage",
        "staging.stg_customers__usage",
        "expect_column_values_to_be_between",
        "amount_usd",
        "error",
        False,
        3456,
        2,
        '[{"account_id": "a1", "amount_usd": -5}]',
    ),
    (
        "usage",
        "staging.stg_customers__usage",
        "expect_table_row_count_to_not_drop",
        None,
        "warning",
        False,
        3456,
        1,
        "[]",
    ),
    (
        "usage",
        "staging.stg_customers__usage",
        "expect_column_values_to_not_be_null",
        "account_id",
        "error",
        True,
        3456,
        0,
        "[]",
    ),
    ("usage", "staging.stg_customers__usage", "expect_table_row_count", None, "info", True, 3456, 0, "[]"),
)

DDL = """
create schema marts;
create schema audit;
create table marts.dim_vendors (
    vendor_id varchar, vendor_name varchar, hq_region varchar, primary_segment varchar, ownership varchar,
    business_models varchar, source varchar, is_synthetic boolean, in_genai_prices boolean
);
create table marts.dim_accounts (
    account_id varchar, segment varchar, industry varchar, region varchar, signup_date date
);
create table marts.fct_market_share (
    period_grain varchar, period_start date, measure varchar, segment varchar, vendor_id varchar,
    value decimal(38,6), total decimal(38,6), share double, share_change_pp double, rank integer
);
create table marts.fct_market_concentration (
    period_grain varchar, period_start date, measure varchar, segment varchar, n_vendors integer,
    hhi double, cr4 double, level varchar
);
create table audit.refresh_runs (
    run_id varchar, started_at timestamp, published_at timestamp, status varchar, files_loaded bigint,
    files_quarantined bigint, rows_loaded bigint, rows_rejected bigint, duration_s double
);
create table audit.load_log (
    load_id varchar, run_id varchar, source varchar, dataset varchar, source_file varchar, file_sha256 varchar,
    file_bytes bigint, status varchar, reason varchar, delivered_rows bigint, loaded_rows bigint,
    rejected_rows bigint, raw_path varchar, quarantine_path varchar, replaces_sha256 varchar, loaded_at timestamp
);
create table audit.quality_results (
    run_id varchar, checked_at timestamp, suite varchar, relation varchar, expectation varchar, "column" varchar,
    severity varchar, success boolean, element_count bigint, unexpected_count bigint, sample varchar,
    description varchar
);
create table audit.rejected_rows (
    source varchar, dataset varchar, source_file varchar, row_number bigint, reason varchar, row_json varchar,
    loaded_at timestamp, is_current boolean
);
"""

Key = tuple[str, date, str, str]  # grain, period_start, measure, segment


def _with_all_segment(values: dict[tuple[date, str], dict[str, float]]) -> dict[tuple[date, str], dict[str, float]]:
    result = {key: dict(vendors) for key, vendors in values.items()}
    for (period, _segment), vendors in values.items():
        total = result.setdefault((period, "all"), {})
        for vendor, value in vendors.items():
            total[vendor] = total.get(vendor, 0) + value
    return result


def measure_values() -> dict[Key, dict[str, float]]:
    """Vendor values per (grain, period, measure, segment): the raw input of the fixture marts."""
    values: dict[Key, dict[str, float]] = {}
    for measure, monthly in (("spend", SPEND), ("customers", CUSTOMERS)):
        for (month, segment), vendors in _with_all_segment(monthly).items():
            values[("month", month, measure, segment)] = vendors
            quarter: dict[str, float] = values.setdefault(("quarter", date(2025, 1, 1), measure, segment), {})
            for vendor, value in vendors.items():
                # quarter spend is the sum of its months; quarter customers (accounts active in the quarter)
                # are hand-set as the largest monthly count
                before = quarter.get(vendor, 0)
                quarter[vendor] = before + value if measure == "spend" else max(before, value)
        for (month, segment), vendors in _with_all_segment(SPEND).items():
            values[("month", month, "tokens", segment)] = {vendor: value * 1000 for vendor, value in vendors.items()}
    for quarter_start, vendors in REVENUE.items():
        values[("quarter", quarter_start, "revenue", "all")] = dict(vendors)
    return values


def _previous(grain: str, start: date) -> date:
    months = 3 if grain == "quarter" else 1
    index = start.year * 12 + start.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def market_share_rows(values: dict[Key, dict[str, float]]) -> list[tuple]:
    """fct_market_share rows: share = value / total, change in pp vs the calendar-previous period, rank."""
    shares = {key: {v: x / sum(vendors.values()) for v, x in vendors.items()} for key, vendors in values.items()}
    rows = []
    for (grain, start, measure, segment), vendors in values.items():
        previous = shares.get((grain, _previous(grain, start), measure, segment))
        ordered = sorted(vendors.values(), reverse=True)
        for vendor, value in vendors.items():
            share = shares[(grain, start, measure, segment)][vendor]
            change = None if previous is None else (share - previous.get(vendor, 0.0)) * 100
            rank = ordered.index(value) + 1
            rows.append((grain, start, measure, segment, vendor, value, sum(vendors.values()), share, change, rank))
    return rows


def level_of(hhi: float) -> str:
    if hhi < 1000:
        return "unconcentrated"
    return "moderately concentrated" if hhi <= 1800 else "highly concentrated"


def concentration_rows(values: dict[Key, dict[str, float]]) -> list[tuple]:
    """fct_market_concentration rows: n_vendors, HHI = Σ (share × 100)², CR4, level."""
    rows = []
    for (grain, start, measure, segment), vendors in values.items():
        total = sum(vendors.values())
        shares = sorted((value / total for value in vendors.values()), reverse=True)
        hhi = sum((share * 100) ** 2 for share in shares)
        n_vendors = sum(1 for value in vendors.values() if value > 0)
        rows.append((grain, start, measure, segment, n_vendors, hhi, sum(shares[:4]), level_of(hhi)))
    return rows


def build_warehouse(path: Path, *, published_at: datetime = PUBLISHED_AT, synthetic: bool = True) -> Path:
    """Write the fixture warehouse to `path` (parents created) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    values = measure_values()
    with duckdb.connect(str(path)) as con:
        con.execute(DDL)
        con.executemany(
            "insert into marts.dim_vendors values (?, ?, 'us', 'both', 'private', 'api_usage', ?, ?, ?)",
            [(vid, name, source, flag and synthetic, genai) for vid, name, source, flag, genai in VENDORS],
        )
        con.executemany(
            "insert into marts.dim_accounts values (?, ?, 'software', 'eu', date '2024-06-01')",
            [("a1", "enterprise"), ("a2", "smb"), ("a3", "smb")],
        )
        con.executemany(
            "insert into marts.fct_market_share values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", market_share_rows(values)
        )
        con.executemany(
            "insert into marts.fct_market_concentration values (?, ?, ?, ?, ?, ?, ?, ?)", concentration_rows(values)
        )
        con.execute(
            "insert into audit.refresh_runs values ('run-1', ?, ?, 'published', 12, 1, 3456, 7, 4.2)",
            [published_at - timedelta(seconds=5), published_at],
        )
        con.executemany(
            "insert into audit.load_log (source, dataset, source_file, status, reason, delivered_rows, loaded_rows, "
            "rejected_rows, quarantine_path, loaded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, published_at - age) for *row, age in LOAD_LOG],
        )
        con.executemany(
            "insert into audit.quality_results values ('run-1', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')",
            [(published_at - timedelta(seconds=30), *row) for row in QUALITY_RESULTS],
        )
        con.execute(
            "insert into audit.rejected_rows values ('customers', 'usage', 'customers/usage/2025-03.csv', 12, "
            "'negative amount_usd', '{}', ?, true)",
            [published_at],
        )
    return path

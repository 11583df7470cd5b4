"""Legal but unusual deliveries publish: old transactions, figures at the contract's numeric edge, an accounts
correction that drops an account with usage, and vendor ids spelled several ways. One refresh on a tiny home."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest.contracts import ACCOUNTS, VENDORS
from ingest.run import ingest_dataset
from ingest.settings import Settings
from orchestration.refresh import run_refresh
from tests.conftest import VENDOR_ROWS

pytestmark = pytest.mark.slow

EDGE = 9.99e23  # below the contract's limit for indicator values (10^24)
MONEY_EDGE = "999999999999.999999"  # the largest amount_usd decimal(18,6) holds
TOKENS_EDGE = 9_000_000_000_000_000_000  # within bigint; two of them are not


def usage_1990s() -> list[dict[str, object]]:
    """Transactions of 1997 (two accounts, two vendors), one from 1970, and usage of the account to be dropped."""
    rows: list[dict[str, object]] = [
        {"account_id": "a1", "vendor_id": "openai", "usage_date": "1970-01-01", "amount_usd": "1.25"},
        {"account_id": "gone", "vendor_id": "acme-ai", "usage_date": "1997-02-10", "amount_usd": "40"},
        {"account_id": "gone", "vendor_id": "acme-ai", "usage_date": "1997-03-10", "amount_usd": "10"},
    ]
    for month in range(1, 13):
        rows.append(
            {"account_id": "a1", "vendor_id": "OpenAI", "usage_date": f"1997-{month:02d}-15", "amount_usd": "100"}
        )
        if month <= 6:
            rows.append(
                {"account_id": "a2", "vendor_id": " openai", "usage_date": f"1997-{month:02d}-03", "amount_usd": "7.5"}
            )
    return rows


def write(path: Path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def csv_rows(rows: list[dict[str, object]], columns: list[str]) -> list[str]:
    return [",".join(str(row.get(c, "")) for c in columns) for row in rows]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = replace(Settings.from_env({}), home=tmp_path_factory.mktemp("contract") / "home")
    landing = settings.landing_dir
    vendors = [*VENDOR_ROWS, {"vendor_id": "Open\u200bAI", "vendor_name": "OpenAI lookalike"}]
    vendors.append({"vendor_id": "ACME-AI", "vendor_name": "Acme again"})  # one vendor, spelled another way
    write(
        landing / "market/vendors/vendors.csv", "vendor_id,vendor_name", csv_rows(vendors, ["vendor_id", "vendor_name"])
    )
    accounts = ["a1,enterprise", "a2,smb", "gone,consumer"]
    write(landing / "customers/accounts/accounts.csv", "account_id,segment", accounts)
    for dataset in (VENDORS, ACCOUNTS):  # the first delivery, loaded before the correction below
        ingest_dataset(settings, dataset, run_id="first", today=datetime.now(UTC).date())
    write(landing / "customers/accounts/accounts.csv", "account_id,segment", accounts[:2])  # drops 'gone'
    usage = usage_1990s()
    write(
        landing / "customers/usage/1997.csv",
        "account_id,vendor_id,usage_date,amount_usd",
        csv_rows(usage, ["account_id", "vendor_id", "usage_date", "amount_usd"]),
    )
    write(  # two line items at the money limit and tokens at bigint's: their sums must not overflow
        landing / "customers/usage/edge.csv",
        "account_id,vendor_id,usage_date,amount_usd,tokens_input,tokens_output",
        [f"a2,anthropic,1997-12-{day},{MONEY_EDGE},{TOKENS_EDGE},{TOKENS_EDGE}" for day in (1, 2)],
    )
    write(
        landing / "market/indicators/revenue.csv",
        "vendor_id,period,indicator,value",
        [f"openai,1997Q1,revenue_usd,{EDGE}", "acme-ai,1997Q1,revenue_usd,5e11", "acme-ai,1997Q2,revenue_usd,1e24"],
    )
    outcome = run_refresh(settings, progress=lambda _m: None, quiet=True)
    assert outcome.success, outcome.message
    return settings


def query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_transactions_from_1970_and_1997_publish(home):
    months = query(home, "select min(month), max(month), count(*) from marts.fct_account_vendor_months")
    assert months[0][:2] == (date(1970, 1, 1), date(1997, 12, 1))
    spend = query(
        home,
        "select vendor_id, sum(value) from marts.fct_market_share"
        " where measure = 'spend' and period_grain = 'month' and segment = 'all' group by 1 order by 1",
    )
    assert spend == [
        ("acme-ai", Decimal(50)),
        ("anthropic", 2 * Decimal(MONEY_EDGE)),
        ("openai", Decimal("1.25") + 12 * 100 + 6 * Decimal("7.5")),
    ]


def test_sums_of_line_items_at_the_contract_limits_do_not_overflow(home):
    mrr = query(home, "select mrr from marts.fct_account_vendor_months where vendor_id = 'anthropic'")
    assert mrr == [(2 * Decimal(MONEY_EDGE),)]
    tokens = query(
        home,
        "select value from marts.fct_market_share where measure = 'tokens' and vendor_id = 'anthropic'"
        " and period_grain = 'month' and segment = 'all'",
    )
    assert tokens == [(Decimal(4 * TOKENS_EDGE),)]


def test_an_account_a_correction_dropped_keeps_its_usage_and_is_flagged(home):
    assert query(home, "select account_id, segment, is_current from marts.dim_accounts order by 1") == [
        ("a1", "enterprise", True),
        ("a2", "smb", True),
        ("gone", "consumer", False),
    ]
    mrr = query(home, "select month, mrr from marts.fct_account_vendor_months where account_id = 'gone' order by 1")
    assert mrr[:2] == [(date(1997, 2, 1), Decimal(40)), (date(1997, 3, 1), Decimal(10))]


def test_vendor_ids_spelled_apart_are_one_vendor_and_a_lookalike_is_rejected(home):
    listed = query(home, "select vendor_id from marts.dim_vendors where source is null or source not like 'genai%'")
    assert sorted(v for (v,) in listed) == ["acme-ai", "anthropic", "openai"]
    reasons = [r for (r,) in query(home, "select reason from audit.rejected_rows where dataset = 'vendors'")]
    assert sorted(reasons) == [
        "duplicate vendor_id 'acme-ai' (first at row 3 as 'acme-ai'; delivered here as 'ACME-AI')",
        "vendor_id 'Open\u200bAI' contains an invisible or control character (U+200B)",
    ]


def test_an_indicator_at_the_numeric_edge_publishes_and_one_beyond_is_rejected(home):
    revenue = query(
        home,
        "select vendor_id, cast(value as double), share from marts.fct_market_share"
        " where measure = 'revenue' and period_start = date '1997-01-01' order by 1",
    )
    assert [(v, value) for v, value, _ in revenue] == [("acme-ai", 5e11), ("openai", pytest.approx(EDGE))]
    assert sum(share for *_, share in revenue) == pytest.approx(1)
    reasons = [r for (r,) in query(home, "select reason from audit.rejected_rows where dataset = 'indicators'")]
    assert reasons == ["value '1e24' is out of range (|value| < 10^24 for float)"]

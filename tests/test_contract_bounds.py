"""The contract's bounds and ids, enforced at ingest row by row: what the warehouse can hold loads, what it
cannot is rejected with a reason naming the column and the value; ids are normalised and collisions reported."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from ingest.contracts import ACCOUNTS, DATE_MIN, INDICATORS, NUMERIC_LIMITS, PRICES, USAGE, VENDORS, Kind
from tests.test_ingest_contracts import current_rows, ingest, log_of, rejected_of, usage_row

VENDOR = {"vendor_id": "openai", "vendor_name": "OpenAI"}


def indicator_row(value: str, period: str = "2025Q3") -> dict[str, object]:
    return {"vendor_id": "openai", "period": period, "indicator": "revenue_usd", "value": value}


def assert_conserved(settings, dataset) -> None:
    for row in log_of(settings, dataset).filter(pl.col("status") == "loaded").iter_rows(named=True):
        assert row["delivered_rows"] == row["loaded_rows"] + row["rejected_rows"], row


MONEY_RANGE = "is out of range (|value| < 10^12 for money)"
INT_RANGE = "is out of range (|value| < 2^63 for int)"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (usage_row(usage_date="1899-12-31"), "usage_date 1899-12-31 is before 1900-01-01"),
        (usage_row(amount_usd="1000000000000"), f"amount_usd '1000000000000' {MONEY_RANGE}"),
        (usage_row(amount_usd="999999999999.9999999"), f"amount_usd '999999999999.9999999' {MONEY_RANGE}"),
        (usage_row(amount_usd="1e400"), f"amount_usd '1e400' {MONEY_RANGE}"),
        (usage_row(requests="9223372036854775808"), f"requests '9223372036854775808' {INT_RANGE}"),
        (usage_row(tokens_input="9" * 400), "tokens_input '" + "9" * 60 + f"…' {INT_RANGE}"),
    ],
)
def test_values_beyond_the_contract_reject_their_row_with_a_reason(settings, base_landing, write_csv, row, reason):
    write_csv("customers/usage/u.csv", [usage_row(), row])
    ingest(settings, VENDORS, ACCOUNTS, USAGE)
    assert rejected_of(settings, USAGE)["reason"].to_list() == [reason]
    assert current_rows(settings, USAGE)["_row_number"].to_list() == [1]
    assert_conserved(settings, USAGE)


def test_values_at_the_edges_of_the_contract_load_exactly(settings, base_landing, write_csv):
    edges = [
        usage_row(usage_date="1900-01-01", amount_usd="999999999999.999999"),
        usage_row(usage_date="1970-01-01", requests="9223372036854775807", tokens_input="9007199254740993"),
        usage_row(usage_date="1997-03-14", amount_usd="0.000001"),
    ]
    write_csv("customers/usage/u.csv", edges)
    ingest(settings, VENDORS, ACCOUNTS, USAGE)
    assert rejected_of(settings, USAGE).height == 0
    rows = current_rows(settings, USAGE)
    assert rows["usage_date"].to_list() == [date(1900, 1, 1), date(1970, 1, 1), date(1997, 3, 14)]
    assert [str(v) for v in rows["amount_usd"].to_list()] == ["999999999999.999999", "10.500000", "0.000001"]
    assert rows["requests"].to_list()[1] == 2**63 - 1  # exact, not through a float
    assert rows["tokens_input"].to_list()[1] == 9007199254740993


def test_indicator_values_load_up_to_the_float_limit_and_not_beyond(settings, write_csv):
    limit = NUMERIC_LIMITS[Kind.FLOAT]
    write_csv("market/vendors/v.csv", [VENDOR])
    write_csv(
        "market/indicators/i.csv",
        [
            indicator_row("9.99e23"),
            indicator_row("-9.99e23", "2025Q4") | {"indicator": "operating_cash_flow_usd"},
            indicator_row("1e24", "2026Q1"),
        ],
    )
    ingest(settings, VENDORS, INDICATORS)
    assert current_rows(settings, INDICATORS)["value"].to_list() == [9.99e23, -9.99e23]
    assert rejected_of(settings, INDICATORS)["reason"].to_list() == [
        f"value '1e24' is out of range (|value| < 10^{len(str(limit)) - 1} for float)"
    ]


def test_revenue_is_non_negative_while_other_figures_may_be_negative(settings, write_csv):
    write_csv("market/vendors/v.csv", [VENDOR])
    cash_flow = indicator_row("-3e8") | {"indicator": "operating_cash_flow_usd"}
    write_csv("market/indicators/i.csv", [indicator_row("-5"), cash_flow, indicator_row("0", "2025Q4")])
    ingest(settings, VENDORS, INDICATORS)
    assert current_rows(settings, INDICATORS)["value"].to_list() == [-3e8, 0.0]
    assert rejected_of(settings, INDICATORS)["reason"].to_list() == ["negative value for revenue_usd -5.0"]


def test_a_parquet_float_beyond_a_decimal_column_rejects_its_row_and_not_the_file(settings, base_landing):
    folder = settings.landing_dir / "pricing/prices"
    folder.mkdir(parents=True)
    pl.DataFrame(
        {
            "vendor_id": ["openai", "openai"],
            "model_id": ["m", "m"],
            "price_type": ["input", "output"],
            "usd_per_unit": [2.5, 1e12],  # decimal(18,9) holds less than 10^9
            "effective_from": [date(1990, 1, 1), date(2025, 1, 1)],
        }
    ).write_parquet(folder / "p.parquet")
    ingest(settings, VENDORS, PRICES)
    assert log_of(settings, PRICES)["status"].to_list() == ["loaded"]
    assert current_rows(settings, PRICES)["usd_per_unit"].cast(pl.Float64).to_list() == [2.5]
    assert rejected_of(settings, PRICES)["reason"].to_list() == [
        "usd_per_unit '1000000000000.0' is out of range (|value| < 10^9 for price)"
    ]


def test_a_quarter_before_the_contract_minimum_is_rejected(settings, write_csv):
    write_csv("market/vendors/v.csv", [VENDOR])
    write_csv("market/indicators/i.csv", [indicator_row("1", "1899Q4"), indicator_row("2", "1900Q1")])
    ingest(settings, VENDORS, INDICATORS)
    assert current_rows(settings, INDICATORS)["period_start"].to_list() == [DATE_MIN]
    assert rejected_of(settings, INDICATORS)["reason"].to_list() == ["period 1899Q4 is before 1900-01-01"]


# --- ids ---------------------------------------------------------------------------------------------------
def test_vendor_ids_that_differ_by_case_space_or_normalisation_are_one_vendor(settings, write_csv):
    write_csv(
        "market/vendors/v.csv",
        [
            {"vendor_id": "Caf\u00e9-AI", "vendor_name": "Café AI"},  # é precomposed
            {"vendor_id": " cafe\u0301-ai ", "vendor_name": "Café AI (again)"},  # e + combining accent, padded
            {"vendor_id": "CAFÉ-AI", "vendor_name": "CAFÉ"},
            {"vendor_id": "openai", "vendor_name": "OpenAI"},
        ],
    )
    ingest(settings, VENDORS)
    assert current_rows(settings, VENDORS)["vendor_id"].to_list() == ["caf\u00e9-ai", "openai"]
    assert rejected_of(settings, VENDORS)["reason"].to_list() == [
        "duplicate vendor_id 'caf\u00e9-ai' (first at row 1 as 'Caf\u00e9-AI'; delivered here as ' cafe\u0301-ai ')",
        "duplicate vendor_id 'caf\u00e9-ai' (first at row 1 as 'Caf\u00e9-AI'; delivered here as 'CAFÉ-AI')",
    ]
    assert_conserved(settings, VENDORS)


def test_usage_and_indicators_refer_to_vendors_whatever_the_case(settings, write_csv):
    write_csv("market/vendors/v.csv", [{"vendor_id": "OpenAI", "vendor_name": "OpenAI"}])
    write_csv("customers/accounts/a.csv", [{"account_id": "Acc-1"}])
    write_csv("customers/usage/u.csv", [usage_row(account_id="Acc-1", vendor_id=" OPENAI")])
    write_csv("market/indicators/i.csv", [indicator_row("5") | {"vendor_id": "openAI"}])
    ingest(settings, VENDORS, ACCOUNTS, USAGE, INDICATORS)
    assert current_rows(settings, VENDORS)["vendor_id"].to_list() == ["openai"]
    assert current_rows(settings, USAGE)["vendor_id"].to_list() == ["openai"]
    assert current_rows(settings, INDICATORS)["vendor_id"].to_list() == ["openai"]


@pytest.mark.parametrize(
    ("delivered", "code_point"),
    [("open\u200bai", "U+200B"), ("openai\ufeff", "U+FEFF"), ("open\u00a0ai", "U+00A0"), ("open\x07ai", "U+0007")],
)
def test_an_id_with_an_invisible_or_control_character_is_rejected(settings, write_csv, delivered, code_point):
    write_csv("market/vendors/v.csv", [VENDOR, {"vendor_id": delivered, "vendor_name": "Lookalike"}])
    ingest(settings, VENDORS)
    assert current_rows(settings, VENDORS)["vendor_id"].to_list() == ["openai"]
    (reason,) = rejected_of(settings, VENDORS)["reason"].to_list()
    assert reason.startswith("vendor_id '")
    assert reason.endswith(f"contains an invisible or control character ({code_point})")


def test_account_ids_keep_their_case_but_are_nfc_and_trimmed(settings, write_csv):
    write_csv("market/vendors/v.csv", [VENDOR])
    write_csv(
        "customers/accounts/a.csv",
        [{"account_id": "Jos\u00e9"}, {"account_id": "jos\u00e9"}, {"account_id": " Jose\u0301 "}],
    )
    write_csv("customers/usage/u.csv", [usage_row(account_id="Jose\u0301")])
    ingest(settings, VENDORS, ACCOUNTS, USAGE)
    assert current_rows(settings, ACCOUNTS)["account_id"].to_list() == ["Jos\u00e9", "jos\u00e9"]
    assert rejected_of(settings, ACCOUNTS)["reason"].to_list() == [
        "duplicate account_id 'Jos\u00e9' (first at row 1 as 'Jos\u00e9'; delivered here as ' Jose\u0301 ')"
    ]
    assert current_rows(settings, USAGE)["account_id"].to_list() == ["Jos\u00e9"]


# --- a correction that drops an id -----------------------------------------------------------------------------
def test_ids_a_correction_dropped_stay_known_and_listed_in_the_history(settings, write_csv):
    write_csv("market/vendors/v.csv", [VENDOR])
    write_csv("customers/accounts/a.csv", [{"account_id": "a1"}, {"account_id": "gone"}])
    ingest(settings, VENDORS, ACCOUNTS)
    write_csv("customers/accounts/a.csv", [{"account_id": "a1", "note": "x"}])  # drops 'gone', adds a column
    write_csv("customers/usage/u.csv", [usage_row(account_id="gone"), usage_row(account_id="never")])
    ingest(settings, ACCOUNTS, USAGE)
    assert current_rows(settings, ACCOUNTS)["account_id"].to_list() == ["a1"]
    history = pl.read_parquet(settings.manifest_dir / f"{ACCOUNTS.history_relation}.parquet")["raw_path"]
    versions = pl.concat([pl.read_parquet(path) for path in history], how="diagonal")
    assert versions["account_id"].sort().to_list() == ["a1", "a1", "gone"]
    assert current_rows(settings, USAGE)["account_id"].to_list() == ["gone"]
    assert rejected_of(settings, USAGE)["reason"].to_list() == ["unknown account_id 'never'"]

"""No gate is stricter than the landing contract.

Every GX expectation and every dbt YAML test that bounds a landing-derived column (a column of a staging model
of a dataset, or a column of a later model named after a contract column) must accept every value the contract
accepts: otherwise a legal delivery passes ingest and then blocks every publish. The walkers below list the
violations; the first tests assert there are none, the others that each kind of stricter bound is caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import great_expectations.expectations as gxe
import pytest
import yaml

from ingest.contracts import DATASETS, Column, Dataset, Kind
from ingest.settings import DBT_PROJECT_DIR
from quality.suites import Suite, SuiteContext, all_suites

TODAY = date(2026, 11, 23)
CTX = SuiteContext(
    vendor_ids=frozenset({"openai", "acme"}),
    account_ids=frozenset({"a1"}),
    indicator_codes=frozenset({"revenue_usd"}),
    today=TODAY,
)
# Columns of later models named after a contract column whose bound is the model's own definition, not a
# rule on delivered data.
DERIVED = {
    ("fct_price_index", "price_type"): "the index is defined over the four token price types",
}


@dataclass(frozen=True)
class Bound:
    """One gate's bound on one column, in the contract's terms."""

    where: str  # e.g. "gx stg_customers__usage" or "dbt dim_accounts"
    model: str  # the model (staging.x → x) the bound applies to
    column: str
    rule: str  # not_null | unique | in_set | references | min | max
    value: object = None


def candidates(model: str, column: str) -> list[Column]:
    """The contract columns a model's column carries: its dataset's for a staging model, else any of that name."""
    for dataset in DATASETS:
        if model in (f"stg_{dataset.relation}", f"stg_{dataset.history_relation}"):
            return _named(dataset, column)
    if model.startswith("stg_") or (model, column) in DERIVED:
        return []
    return [c for d in DATASETS for c in _named(d, column)]


def _named(dataset: Dataset, column: str) -> list[Column]:
    return [c for c in dataset.columns if column in (c.name, f"{c.name}_start" if c.kind is Kind.QUARTER else "")]


def stricter(bound: Bound, column: Column) -> bool:
    """Does `bound` refuse a value the contract accepts in `column`?"""
    limits = column.bounds(TODAY)
    staged = bound.model.startswith("stg_")
    if bound.rule == "not_null":  # later models may define a column as not null (coalesced, keys)
        return staged and not limits.required
    if bound.rule == "unique":  # the contract's keys are unique within one file only; later models deduplicate
        return staged
    if bound.rule == "references":
        return limits.references is None
    if bound.rule == "in_set":
        values = set(bound.value)  # type: ignore[arg-type]
        return limits.accepted is None or not limits.accepted <= values
    if bound.rule == "min":
        return limits.minimum is None or _as(bound.value, limits.minimum) > limits.minimum
    if bound.rule == "max":
        return limits.maximum is None or _as(bound.value, limits.maximum) < limits.maximum
    raise AssertionError(f"{bound.where}: no rule for {bound.rule}")


def _as(value: object, like: object) -> object:
    if isinstance(like, date):
        return value.date() if isinstance(value, datetime) else date.fromisoformat(str(value))
    return Decimal(str(value))


def violations(bounds: list[Bound]) -> list[str]:
    out = []
    for bound in bounds:
        columns = candidates(bound.model, bound.column)
        if columns and all(stricter(bound, c) for c in columns):  # a shared name: the loosest contract column
            out.append(f"{bound.where}: {bound.rule} {bound.value!r} on {bound.model}.{bound.column}")
    return out


# --- GX ------------------------------------------------------------------------------------------------------
def gx_bounds(suites: list[Suite], ctx: SuiteContext = CTX) -> list[Bound]:
    out: list[Bound] = []
    for suite in suites:
        model = suite.relation.split(".")[-1]
        where = f"gx {suite.name}"
        for expectation in suite.expectations(ctx):
            kwargs = expectation.configuration.kwargs
            column = kwargs.get("column")
            if column is None or str(getattr(expectation, "severity", "")).lower().endswith("warning"):
                continue  # table-level rules, and warnings that never block
            kind = expectation.expectation_type
            found: list[tuple[str, object]] = []
            if kind == "expect_column_values_to_not_be_null":
                found = [("not_null", None)]
            elif kind == "expect_column_values_to_be_unique":
                found = [("unique", None)]
            elif kind == "expect_column_values_to_be_in_set":
                values = set(kwargs["value_set"])
                ids = {"vendors": ctx.vendor_ids, "accounts": ctx.account_ids, "indicators": ctx.indicator_codes}
                found = [("references", None) if values in map(set, ids.values()) else ("in_set", values)]
            elif kind in (
                "expect_column_values_to_be_between",
                "expect_column_min_to_be_between",
                "expect_column_max_to_be_between",
            ):
                # a min/max of the column bounds every value the same way a per-row between does
                low, high = kwargs.get("min_value"), kwargs.get("max_value")
                if kind == "expect_column_max_to_be_between":
                    low = None
                if kind == "expect_column_min_to_be_between":
                    high = None
                found = [(rule, value) for rule, value in (("min", low), ("max", high)) if value is not None]
            elif candidates(model, column):
                raise AssertionError(f"{where}: teach this test what {kind} bounds")
            out += [Bound(where, model, column, rule, value) for rule, value in found]
    return out


# --- dbt -----------------------------------------------------------------------------------------------------
def dbt_bounds(documents: list[dict]) -> list[Bound]:
    out: list[Bound] = []
    for document in documents:
        for model in document.get("models", []) or []:
            for column in model.get("columns", []) or []:
                for test in column.get("data_tests", []) or column.get("tests", []) or []:
                    name, config = (test, {}) if isinstance(test, str) else next(iter(test.items()))
                    arguments = (config or {}).get("arguments", config or {})
                    where = f"dbt {model['name']}"
                    found: list[tuple[str, object]] = {
                        "not_null": [("not_null", None)],
                        "unique": [("unique", None)],
                        "relationships": [("references", None)],
                        "accepted_values": [("in_set", set(arguments.get("values", [])))],
                        "accepted_range": [
                            (rule, arguments[key])
                            for rule, key in (("min", "min_value"), ("max", "max_value"))
                            if arguments.get(key) is not None
                        ],
                    }.get(name, [])
                    if (config or {}).get("config", {}).get("severity") == "warn":
                        continue
                    # expression_is_true and the other generic tests state model invariants, not bounds
                    out += [Bound(where, model["name"], column["name"], rule, value) for rule, value in found]
    return out


def dbt_documents() -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml"))]


# --- the project's gates ---------------------------------------------------------------------------------------
def test_no_gx_expectation_is_stricter_than_the_contract():
    bounds = gx_bounds(all_suites())
    assert {b.model for b in bounds} >= {f"stg_{d.relation}" for d in DATASETS if d.key != "reference/indicators"}
    assert violations(bounds) == []


def test_no_dbt_test_is_stricter_than_the_contract():
    bounds = dbt_bounds(dbt_documents())
    assert any(b.rule == "in_set" and b.model == "dim_accounts" for b in bounds)  # the walker sees the YAML
    assert violations(bounds) == []


def test_the_staging_suites_assert_every_bound_the_contract_has():
    """Generated from the contract: each required column, accepted set, reference and range is checked."""
    bounds = {(b.model, b.column, b.rule) for b in gx_bounds(all_suites())}
    assert ("stg_customers__usage", "usage_date", "min") in bounds
    assert ("stg_customers__usage", "usage_date", "max") in bounds
    assert ("stg_customers__usage", "amount_usd", "min") in bounds
    assert ("stg_market__indicators", "value", "max") in bounds
    assert ("stg_market__indicators", "period_start", "not_null") in bounds
    assert ("stg_customers__accounts", "segment", "in_set") in bounds
    assert ("stg_pricing__prices", "vendor_id", "references") in bounds


# --- the walkers catch a stricter bound ------------------------------------------------------------------------
def _usage_suite(expectations: list) -> Suite:
    return Suite("u", "staging.stg_customers__usage", ("staging", "u"), lambda ctx: expectations)


@pytest.mark.parametrize(
    "expectation",
    [
        gxe.ExpectColumnMinToBeBetween(column="usage_date", min_value=datetime(2000, 1, 1)),
        gxe.ExpectColumnValuesToBeBetween(column="amount_usd", min_value=0.01),
        gxe.ExpectColumnValuesToBeBetween(column="amount_usd", min_value=0, max_value=1e6),
        gxe.ExpectColumnValuesToBeInSet(column="plan", value_set=["free", "pro"]),
        gxe.ExpectColumnValuesToNotBeNull(column="model_id"),
        gxe.ExpectColumnValuesToBeUnique(column="account_id"),
        gxe.ExpectColumnValuesToBeInSet(column="model_id", value_set=["gpt-4o"]),
    ],
    ids=["date-min", "money-min", "money-max", "accepted-subset", "optional-not-null", "unique", "free-text-set"],
)
def test_a_stricter_gx_expectation_is_caught(expectation):
    assert len(violations(gx_bounds([_usage_suite([expectation])]))) == 1


def test_an_expectation_as_loose_as_the_contract_passes():
    loose = [
        gxe.ExpectColumnMinToBeBetween(column="usage_date", min_value=datetime(1900, 1, 1)),
        gxe.ExpectColumnValuesToBeBetween(column="amount_usd", min_value=0),
        gxe.ExpectColumnValuesToBeInSet(column="vendor_id", value_set=sorted(CTX.vendor_ids)),
        gxe.ExpectColumnValuesToBeUnique(column="account_id", severity="warning"),
    ]
    assert violations(gx_bounds([_usage_suite(loose)])) == []


@pytest.mark.parametrize(
    ("model", "column", "test"),
    [
        ("dim_accounts", "segment", {"accepted_values": {"arguments": {"values": ["enterprise", "smb"]}}}),
        ("fct_account_vendor_months", "amount_usd", {"accepted_range": {"arguments": {"min_value": 1}}}),
        ("stg_market__indicators", "value", {"accepted_range": {"arguments": {"max_value": 1e20}}}),
        ("stg_customers__accounts", "signup_date", {"accepted_range": {"arguments": {"min_value": "2000-01-01"}}}),
        ("stg_customers__usage", "vendor_id", "unique"),
        ("fct_model_prices", "model_id", {"relationships": {"arguments": {"to": "ref('dim_models')"}}}),
    ],
)
def test_a_stricter_dbt_test_is_caught(model, column, test):
    document = {"models": [{"name": model, "columns": [{"name": column, "data_tests": [test]}]}]}
    assert len(violations(dbt_bounds([document]))) == 1


def test_the_contract_minimum_date_lets_historical_data_through():
    assert Column("d", Kind.DATE).bounds(TODAY).minimum <= date(1970, 1, 1)

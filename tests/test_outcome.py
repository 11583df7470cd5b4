"""How a run ended, told from its events: published, published with warnings, or failed — naming what failed."""

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from dagster import AssetCheckResult, AssetCheckSeverity, DagsterInstance, asset, asset_check, materialize

from orchestration.outcome import PUBLISHED_KEY, Verdict, dbt_failures, describe, verdict


@asset(key=PUBLISHED_KEY)
def published() -> None:
    """Stands for the publish step."""


@asset
def after_publish_independent() -> None:
    raise OSError(28, "No space left on device", "/home/raw/usage.parquet")


@asset
def before_publish_upstream() -> None:
    raise ValueError("bad delivery in landing/customers/usage/u.csv: column usage_date")


@asset(key=PUBLISHED_KEY, deps=[before_publish_upstream])
def published_after_upstream() -> None:
    """Publish, waiting for a step that fails."""


@asset
def marts_table() -> None:
    """A mart with a blocking check."""


@asset_check(asset=marts_table, blocking=True)
def shares_sum_to_one() -> AssetCheckResult:
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR, metadata={"failures": "- 3 rows\n- x"})


def run(*assets, checks=()) -> Verdict:
    with DagsterInstance.ephemeral() as instance:
        result = materialize([*assets, *checks], instance=instance, raise_on_error=False)
    return verdict(result.all_events)


def test_a_clean_publish_is_published():
    outcome = run(published)
    assert (outcome.status, outcome.problems) == ("published", [])


def test_a_step_that_fails_while_publish_still_happens_is_published_with_warnings():
    outcome = run(published, after_publish_independent)
    assert outcome.status == "published_with_warnings"
    (problem,) = outcome.problems
    assert problem.startswith("after_publish_independent:") and "/home/raw/usage.parquet" in problem


def test_a_step_that_stops_publish_fails_the_run_and_names_the_file():
    outcome = run(before_publish_upstream, published_after_upstream)
    assert outcome.status == "failed"
    assert outcome.problems == [
        "before_publish_upstream: ValueError: bad delivery in landing/customers/usage/u.csv: column usage_date"
    ]


def test_a_failed_blocking_check_is_named_with_its_details_on_one_line():
    outcome = run(marts_table, checks=[shares_sum_to_one])
    assert outcome.problems == ["check shares_sum_to_one on marts_table: - 3 rows - x"]
    assert outcome.status == "failed"


def test_the_message_says_what_happened_and_where_the_output_is(tmp_path: Path):
    warned = describe(Verdict(True, ["freshness: OSError"]), tmp_path / "market.duckdb", "/x/last_refresh.log")
    assert warned.startswith("published, with warnings: freshness: OSError") and "/x/last_refresh.log" in warned
    failed = describe(Verdict(False, ["check c on m: 3 rows"]), tmp_path / "market.duckdb", "/x/last_refresh.log")
    assert failed == "check c on m: 3 rows (full output: /x/last_refresh.log)"


def write_run_results(folder: Path, generated_at: datetime, results: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"metadata": {"generated_at": generated_at.isoformat() + "Z"}, "results": results}
    (folder / "run_results.json").write_text(json.dumps(doc))


@pytest.mark.parametrize("age_s, expected", [(-5, True), (60, False)])
def test_dbt_failures_name_the_model_from_this_build_only(tmp_path: Path, age_s: int, expected: bool):
    started = datetime(2026, 12, 1, 2, 0, 0)
    results = [
        {"unique_id": "model.modelmarket.fct_market_share", "status": "error", "message": "Conversion Error:\n x"},
        {"unique_id": "model.modelmarket.dim_vendors", "status": "success", "message": "OK"},
        {"unique_id": "test.modelmarket.unique_dim_vendors_vendor_id.abc", "status": "fail", "message": "Got 2"},
    ]
    write_run_results(tmp_path, started - timedelta(seconds=age_s), results)
    found = dbt_failures(tmp_path, since=started)
    if not expected:
        assert found == {}  # a run_results.json older than this run belongs to an earlier build
        return
    assert found == {
        "fct_market_share": "dbt model fct_market_share: Conversion Error: x",
        "unique_dim_vendors_vendor_id": "dbt test unique_dim_vendors_vendor_id: Got 2",
    }

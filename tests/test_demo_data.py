"""Properties of the synthetic landing zone written by `ingest.demo` (tiny scale unless said otherwise)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest import demo
from ingest.contracts import LANDING_DATASETS, dataset
from ingest.settings import INDICATOR_CATALOG

SEED = 42


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, demo.DemoSummary]:
    root = tmp_path_factory.mktemp("tiny")
    return root, demo.write_demo_landing(root, "tiny", seed=SEED)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _read(path: Path) -> pl.DataFrame:
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, infer_schema=False)


def _dataset_frame(root: Path, key: str) -> pl.DataFrame:
    frames = [_read(p) for p in sorted((root / key).iterdir())]
    return pl.concat([f.select(pl.all().cast(pl.String)) for f in frames])


def _usage(root: Path) -> pl.DataFrame:
    return _dataset_frame(root, "customers/usage").with_columns(
        pl.col("usage_date").str.to_date(),
        pl.col("amount_usd").cast(pl.Float64),
        month=pl.col("usage_date").str.to_date().dt.year() * 12 + pl.col("usage_date").str.to_date().dt.month() - 1,
    )


def _catalog() -> list[dict[str, str]]:
    with INDICATOR_CATALOG.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --- API ---------------------------------------------------------------------------------------------------------


def test_parse_scale() -> None:
    assert demo.parse_scale("tiny") == demo.SCALES["tiny"]
    assert demo.parse_scale(" Large ") == demo.SCALES["large"]
    assert demo.parse_scale("5000") == 5000
    assert demo.parse_scale("1_000_000") == 1_000_000
    for bad in ("huge", "0", "-5", "12.5", "", "999"):
        with pytest.raises(ValueError) as err:
            demo.parse_scale(bad)
        assert "\n" not in str(err.value)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    for bad in ("2026-13", "2026/10", "October"):
        with pytest.raises(ValueError):
            demo.write_demo_landing(tmp_path, "tiny", end_month=bad)
    with pytest.raises(ValueError):
        demo.write_demo_landing(tmp_path, "tiny", seed=-1)
    assert not list(tmp_path.iterdir())  # refused before writing anything


def test_summary_and_progress(tmp_path: Path) -> None:
    lines: list[str] = []
    summary = demo.write_demo_landing(tmp_path, 2000, seed=1, progress=lines.append)
    assert len(lines) == len(summary.files) == len(set(summary.files))
    assert all(p.is_file() and p.is_relative_to(tmp_path) for p in summary.files)
    assert set(summary.rows) == {d.key for d in LANDING_DATASETS}
    assert summary.first_day == date(2024, 11, 1) and summary.last_day == date(2026, 10, 31)
    for key, rows in summary.rows.items():
        assert rows == _dataset_frame(tmp_path, key).height
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".")]  # no temporary files left


# --- determinism -------------------------------------------------------------------------------------------------


def test_same_inputs_give_byte_identical_files(tiny: tuple[Path, demo.DemoSummary], tmp_path: Path) -> None:
    root, _ = tiny
    demo.write_demo_landing(tmp_path, "tiny", seed=SEED)
    first, second = _files(root), _files(tmp_path)
    assert list(first) == list(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_another_seed_gives_other_data(tiny: tuple[Path, demo.DemoSummary], tmp_path: Path) -> None:
    root, _ = tiny
    demo.write_demo_landing(tmp_path, "tiny", seed=SEED + 1)
    first, second = _files(root), _files(tmp_path)
    usage = [name for name in first if name.startswith("customers/usage/")]
    assert all(first[name] != second.get(name) for name in usage)
    assert first["customers/accounts/accounts.csv"] != second["customers/accounts/accounts.csv"]


# --- files and contracts -------------------------------------------------------------------------------------------


def test_file_layout(tiny: tuple[Path, demo.DemoSummary]) -> None:
    root, _ = tiny
    names = list(_files(root))
    assert "market/vendors/vendors.csv" in names
    assert "pricing/prices/price_list.csv" in names
    assert {"customers/accounts/accounts.csv", "customers/accounts/accounts_late.csv"} <= set(names)
    assert [n for n in names if n.startswith("market/indicators/")] == [
        f"market/indicators/indicators_{y}.csv" for y in (2024, 2025, 2026)
    ]
    usage = [n.removeprefix("customers/usage/") for n in names if n.startswith("customers/usage/")]
    assert usage[:2] == ["usage_2024_11.csv", "usage_2024_12.csv"]
    assert usage[2] == "usage_2025_01.parquet" and usage[-1] == "usage_2026_10.parquet"
    assert len(usage) == 24 and all(n.endswith(".parquet") for n in usage[2:])


def test_columns_match_the_contracts(tiny: tuple[Path, demo.DemoSummary]) -> None:
    root, summary = tiny
    for path in summary.files:
        source, name = path.relative_to(root).parts[:2]
        contract = dataset(source, name)
        columns = _read(path).columns
        assert columns == [c.name for c in contract.columns], path
        assert set(contract.required) <= set(columns)


def test_usage_parquet_types(tiny: tuple[Path, demo.DemoSummary]) -> None:
    root, _ = tiny
    schema = pq.read_schema(root / "customers/usage/usage_2025_01.parquet")
    assert schema.field("amount_usd").type == pa.decimal128(18, 6)
    assert schema.field("usage_date").type == pa.date32()
    for name in ("requests", "tokens_input", "tokens_output"):
        assert schema.field(name).type == pa.int64()
    for name in ("account_id", "vendor_id", "model_id", "plan"):
        assert schema.field(name).type == pa.string()


def test_values_are_accepted_by_the_contracts(tiny: tuple[Path, demo.DemoSummary]) -> None:
    root, _ = tiny
    for key in ("market/vendors", "pricing/prices", "customers/accounts", "customers/usage"):
        frame = _dataset_frame(root, key)
        for column in dataset(*key.split("/")).columns:
            if column.accepted is None:
                continue
            values = frame[column.name].drop_nulls()
            if column.list_separator:
                values = values.str.split(column.list_separator).explode()
            assert set(values) <= set(column.accepted), (key, column.name)
        required = dataset(*key.split("/")).required
        assert frame.select(pl.col(required).null_count()).sum_horizontal().item() == 0
    numbers = _usage(root).select(pl.col("amount_usd", "requests", "tokens_input", "tokens_output").cast(pl.Float64))
    assert numbers.min().min_horizontal().item() >= 0


# --- integrity and the window ----------------------------------------------------------------------------------------


def test_referential_integrity(tiny: tuple[Path, demo.DemoSummary]) -> None:
    root, _ = tiny
    vendors = set(_dataset_frame(root, "market/vendors")["vendor_id"])
    accounts = _dataset_frame(root, "customers/accounts")["account_id"]
    assert len(vendors) == 12 and accounts.is_unique().all()
    usage = _usage(root)
    assert set(usage["vendor_id"]) <= vendors
    assert set(usage["account_id"]) <= set(accounts)
    assert set(_dataset_frame(root, "market/indicators")["vendor_id"]) == vendors
    assert set(_dataset_frame(root, "pricing/prices")["vendor_id"]) <= vendors


def test_vendor_ids_and_models_are_genai_prices_ids(tiny: tuple[Path, demo.DemoSummary]) -> None:
    from genai_prices.data import providers

    models = {p.id: {m.id for m in p.models} for p in providers}
    root, _ = tiny
    vendors = _dataset_frame(root, "market/vendors")
    assert set(vendors["vendor_id"]) - set(models) == {"alibaba"}
    assert set(vendors["source"]) == {f"synthetic: modelmarket demo-data (seed {SEED})"}
    used = _usage(root).select("vendor_id", "model_id").unique()
    for vendor, model in used.iter_rows():
        assert vendor == "alibaba" or model in models[vendor], (vendor, model)
    for vendor, specs in demo.VENDOR_MODELS.items():  # also the models tiny did not happen to draw
        assert vendor == "alibaba" or {s[0] for s in specs} <= models[vendor], vendor


def test_dates_stay_in_the_window(tiny: tuple[Path, demo.DemoSummary]) -> None:
    root, summary = tiny
    usage = _usage(root)
    assert usage["usage_date"].min() >= summary.first_day
    assert usage["usage_date"].max() <= summary.last_day
    accounts = _dataset_frame(root, "customers/accounts").with_columns(pl.col("signup_date").str.to_date())
    assert accounts["signup_date"].max() <= summary.last_day
    joined = usage.join(accounts, on="account_id")
    assert (joined["usage_date"] >= joined["signup_date"]).all()
    late = _read(root / "customers/accounts/accounts_late.csv")["signup_date"].str.to_date()
    early = _read(root / "customers/accounts/accounts.csv")["signup_date"].str.to_date()
    assert late.min() >= early.max()
    prices = _dataset_frame(root, "pricing/prices")["effective_from"].str.to_date()
    assert prices.min() >= summary.first_day and prices.max() <= summary.last_day
    indicators = _dataset_frame(root, "market/indicators")
    assert indicators["as_of"].str.to_date().max() <= summary.last_day


@pytest.mark.parametrize("scale", ["tiny", 5000])
def test_row_count_is_near_the_target(tmp_path: Path, scale: str | int) -> None:
    summary = demo.write_demo_landing(tmp_path, scale, seed=7)
    target = demo.parse_scale(str(scale))
    assert abs(summary.rows["customers/usage"] - target) <= 0.15 * target
    assert _usage(tmp_path).height == summary.rows["customers/usage"]


def test_another_end_month_moves_the_window(tmp_path: Path) -> None:
    summary = demo.write_demo_landing(tmp_path, 2000, end_month="2025-06")
    assert summary.first_day == date(2023, 7, 1) and summary.last_day == date(2025, 6, 30)
    assert _usage(tmp_path)["usage_date"].max() <= date(2025, 6, 30)
    periods = _dataset_frame(tmp_path, "market/indicators")
    quarters = set(periods["period"].filter(periods["period"].str.contains("Q")))
    assert min(quarters) == "2023Q3" and max(quarters) == "2025Q2"  # June closes 2025Q2
    assert periods["as_of"].str.to_date().max() <= date(2025, 6, 30)


# --- indicators ------------------------------------------------------------------------------------------------------


def _quarter_of(period: pl.Expr) -> pl.Expr:
    as_date = period.str.to_date(strict=False)
    from_date = as_date.dt.year().cast(pl.String) + "Q" + as_date.dt.quarter().cast(pl.String)
    return pl.when(as_date.is_null()).then(period).otherwise(from_date)


def test_indicators_cover_the_reported_catalog(tiny: tuple[Path, demo.DemoSummary]) -> None:
    root, _ = tiny
    catalog = _catalog()
    reported = {row["code"]: row["unit"] for row in catalog if row["origin"] == "reported"}
    frame = _dataset_frame(root, "market/indicators").with_columns(quarter=_quarter_of(pl.col("period")))
    assert set(frame["indicator"]) == set(reported)  # every reported one, and no derived one
    # indicators with a real source (origin 'reference': Epoch AI, FMTI) are never generated
    real = {row["code"] for row in catalog if row["origin"] == "reference"}
    assert {"model_releases", "transparency_score"} <= real
    assert not real & set(frame["indicator"])
    assert set(demo.REPORTED_INDICATORS) == set(reported)
    assert dict(frame.select("indicator", "unit").unique().iter_rows()) == reported
    assert sorted(set(frame["quarter"])) == [
        "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"
    ]  # fmt: skip
    assert frame["period"].str.contains(r"^\d{4}-\d{2}-\d{2}$").any()  # the date form is exercised
    assert frame["period"].str.contains(r"^\d{4}Q\d$").any()
    counts = frame.group_by("vendor_id", "indicator").agg(quarters=pl.col("quarter").n_unique())
    assert counts.height == 12 * len(reported)
    assert counts["quarters"].min() >= 6
    assert counts["quarters"].max() == 8
    cells = 12 * len(reported) * 8
    assert 0 < cells - frame.height <= 0.06 * cells  # a few deliberate gaps
    assert frame.select("vendor_id", "quarter", "indicator").is_unique().all()
    values = frame.with_columns(pl.col("value").cast(pl.Float64)).pivot(
        "indicator", index=["vendor_id", "quarter"], values="value"
    )
    assert values["uptime_pct"].drop_nulls().is_between(99.0, 99.99).all()
    assert values["gross_margin_pct"].drop_nulls().is_between(30, 75).all()
    assert values["p95_latency_ms"].drop_nulls().is_between(400, 4000).all()
    openai = values.filter(pl.col("vendor_id") == "openai").sort("quarter")["revenue_usd"].drop_nulls()
    assert 2e9 <= openai[0] <= 5e9 and openai[-1] > openai[0]


# --- behaviour of the panel ------------------------------------------------------------------------------------------


def _active_months(usage: pl.DataFrame) -> pl.DataFrame:
    return usage.select("account_id", "vendor_id", "month").unique().sort("account_id", "vendor_id", "month")


def test_reactivation_after_a_gap(tiny: tuple[Path, demo.DemoSummary]) -> None:
    months = _active_months(_usage(tiny[0])).with_columns(
        gap=pl.col("month") - pl.col("month").shift(1).over("account_id", "vendor_id") - 1
    )
    assert months.filter(pl.col("gap").is_between(1, 6)).height > 0


def test_multi_homing(tiny: tuple[Path, demo.DemoSummary]) -> None:
    vendors = _usage(tiny[0]).group_by("account_id").agg(n=pl.col("vendor_id").n_unique())
    share = (vendors["n"] >= 2).mean()
    assert 0.15 <= share <= 0.6


def test_vendor_switching(tiny: tuple[Path, demo.DemoSummary]) -> None:
    usage = _usage(tiny[0])
    first_month, last_month = usage["month"].min(), usage["month"].max()
    spans = usage.group_by("account_id", "vendor_id").agg(start=pl.col("month").min(), end=pl.col("month").max())
    switches = spans.join(spans, on="account_id", suffix="_to").filter(
        (pl.col("vendor_id") != pl.col("vendor_id_to"))
        & (pl.col("end") < last_month)
        & (pl.col("start_to") > first_month)
        & (pl.col("start_to") - pl.col("end")).is_in([0, 1])
    )
    assert switches.height > 0


def test_line_items(tiny: tuple[Path, demo.DemoSummary]) -> None:
    usage = _usage(tiny[0])
    assert (usage["amount_usd"] == 0).any()
    assert set(usage.filter(pl.col("amount_usd") == 0)["plan"]) >= {"free"}
    per_day = usage.group_by("account_id", "vendor_id", "usage_date").len()
    assert per_day["len"].max() >= 2


def test_market_shape_at_small_scale(tmp_path: Path) -> None:
    demo.write_demo_landing(tmp_path, "small", seed=SEED)
    usage = _usage(tmp_path)
    by_vendor = usage.group_by("vendor_id").agg(spend=pl.col("amount_usd").sum()).sort("spend", descending=True)
    assert by_vendor["vendor_id"][0] == "openai"
    assert {"anthropic", "google"} <= set(by_vendor["vendor_id"].head(4))
    tokens = (pl.col("tokens_input") + pl.col("tokens_output")).cast(pl.Float64)
    monthly = (
        usage.group_by("month")
        .agg(
            accounts=pl.col("account_id").n_unique(),
            spend=pl.col("amount_usd").sum(),
            tokens=tokens.filter(pl.col("amount_usd") > 0).sum(),
        )
        .sort("month")
    )
    assert monthly["accounts"][-3:].mean() > 1.3 * monthly["accounts"][:3].mean()  # the market grows
    assert monthly["spend"][-3:].mean() > monthly["spend"][:3].mean()
    per_dollar = monthly["tokens"] / monthly["spend"]
    assert per_dollar[-3:].mean() > per_dollar[:3].mean()  # price cuts: more tokens per dollar
    months = usage.with_columns(calendar=pl.col("usage_date").dt.month()).group_by("month", "calendar").len()
    august = months.filter(pl.col("calendar") == 8)["len"]
    neighbours = months.filter(pl.col("calendar").is_in([7, 9]))["len"]
    assert august.mean() < neighbours.mean()  # seasonality
    segments = (
        usage.join(_dataset_frame(tmp_path, "customers/accounts"), on="account_id")
        .group_by("segment")
        .agg(accounts=pl.col("account_id").n_unique(), spend=pl.col("amount_usd").sum())
    )
    seg = {row["segment"]: row for row in segments.iter_rows(named=True)}
    assert seg["enterprise"]["accounts"] < seg["consumer"]["accounts"]
    assert seg["enterprise"]["spend"] > seg["consumer"]["spend"]

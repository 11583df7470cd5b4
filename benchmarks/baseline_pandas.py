"""Baseline: the same core marts as `baseline_sql`, in idiomatic pandas (one process, whole frames in memory).

python -m benchmarks.baseline_pandas --landing DIR --out DIR  → Parquet per mart in DIR and a JSON summary on stdout.
Money is float64 here (pandas has no fast exact decimal); the figures agree with the SQL script to the cent.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.landing import usage_files

COLUMNS = ["account_id", "vendor_id", "usage_date", "amount_usd"]


def read_usage(landing: Path) -> pd.DataFrame:
    parquet, csv = usage_files(landing)
    # The pyarrow backend keeps decimals and dates vectorised (the default gives Python Decimal/date objects).
    frames = [pd.read_parquet(path, columns=COLUMNS, dtype_backend="pyarrow") for path in parquet]
    frames += [pd.read_csv(path, usecols=COLUMNS, dtype_backend="pyarrow") for path in csv]
    # Cast inside Arrow first: decimal/date32 straight to numpy dtypes goes through Python objects (~100× slower).
    arrow = {"amount_usd": "float64[pyarrow]", "usage_date": "timestamp[s][pyarrow]"}
    types = {"account_id": "str", "vendor_id": "str", "amount_usd": "float64", "usage_date": "datetime64[s]"}
    return pd.concat([frame.astype(arrow).astype(types) for frame in frames], ignore_index=True)


def read_accounts(landing: Path) -> pd.Series:
    paths = sorted((landing / "customers" / "accounts").glob("*.csv"))
    accounts = pd.concat([pd.read_csv(p, usecols=["account_id", "segment"]) for p in paths], ignore_index=True)
    return accounts.drop_duplicates("account_id").set_index("account_id")["segment"].fillna("unknown")


def account_vendor_months(usage: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    usage["month"] = usage["usage_date"].dt.to_period("M")
    monthly = usage.groupby(["account_id", "vendor_id", "month"])["amount_usd"].sum()
    wide = monthly.unstack("month", fill_value=0.0)  # account×vendor rows, month columns: the dense grid
    wide = wide.reindex(columns=pd.period_range(wide.columns.min(), wide.columns.max(), freq="M"), fill_value=0.0)
    mrr = wide.to_numpy()
    previous = np.zeros_like(mrr)
    previous[:, 1:] = mrr[:, :-1]
    active = mrr > 0
    started = np.cumsum(active, axis=1) > 0  # from the first active month on
    was_active = np.zeros_like(active)
    was_active[:, 1:] = np.cumsum(active, axis=1)[:, :-1] > 0
    movement = np.select(
        [
            active & (previous == 0) & ~was_active,
            active & (previous == 0),
            (previous > 0) & (mrr > previous),
            active & (mrr < previous),
            ~active & (previous > 0),
        ],
        ["new", "reactivation", "expansion", "contraction", "churn"],
        default="flat",
    )
    first = np.argmax(active, axis=1)
    keys = wide.index.to_frame(index=False)
    n_rows, n_months = mrr.shape
    frame = pd.DataFrame(
        {
            "account_id": np.repeat(keys["account_id"].to_numpy(), n_months),
            "vendor_id": np.repeat(keys["vendor_id"].to_numpy(), n_months),
            "month": np.tile(wide.columns.to_timestamp().to_numpy(), n_rows),
            "months_since": (np.arange(n_months)[None, :] - first[:, None]).ravel(),
            "cohort_month": np.repeat(wide.columns.to_timestamp().to_numpy()[first], n_months),
            "mrr": mrr.ravel(),
            "previous_mrr": previous.ravel(),
            "movement": movement.ravel(),
        }
    )[started.ravel()]
    frame["segment"] = frame["account_id"].map(segments).fillna("unknown")
    return frame.reset_index(drop=True)


def _with_all(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.assign(segment="all")], ignore_index=True)


def revenue_movements(avm: pd.DataFrame) -> pd.DataFrame:
    df = _with_all(avm)
    delta = df["mrr"] - df["previous_mrr"]
    df = df.assign(
        new_mrr=df["mrr"].where(df["movement"] == "new", 0.0),
        reactivation_mrr=df["mrr"].where(df["movement"] == "reactivation", 0.0),
        expansion_mrr=delta.where(df["movement"] == "expansion", 0.0),
        contraction_mrr=(-delta).where(df["movement"] == "contraction", 0.0),
        churned_mrr=df["previous_mrr"].where(df["movement"] == "churn", 0.0),
        customers_start=df["previous_mrr"] > 0,
        new_customers=df["movement"] == "new",
        reactivated_customers=df["movement"] == "reactivation",
        churned_customers=df["movement"] == "churn",
        customers_end=df["mrr"] > 0,
        retained_mrr=df["mrr"].where(df["previous_mrr"] > 0, 0.0),
        kept_mrr=np.minimum(df["mrr"], df["previous_mrr"]),
    )
    out = (
        df.groupby(["vendor_id", "segment", "month"])
        .agg(
            mrr_start=("previous_mrr", "sum"),
            new_mrr=("new_mrr", "sum"),
            reactivation_mrr=("reactivation_mrr", "sum"),
            expansion_mrr=("expansion_mrr", "sum"),
            contraction_mrr=("contraction_mrr", "sum"),
            churned_mrr=("churned_mrr", "sum"),
            mrr_end=("mrr", "sum"),
            customers_start=("customers_start", "sum"),
            new_customers=("new_customers", "sum"),
            reactivated_customers=("reactivated_customers", "sum"),
            churned_customers=("churned_customers", "sum"),
            customers_end=("customers_end", "sum"),
            retained_mrr=("retained_mrr", "sum"),
            kept_mrr=("kept_mrr", "sum"),
        )
        .reset_index()
    )
    start = out["mrr_start"].replace(0.0, np.nan)
    out["nrr_1m"] = out.pop("retained_mrr") / start
    out["grr_1m"] = out.pop("kept_mrr") / start
    return out


def cohorts(avm: pd.DataFrame) -> pd.DataFrame:
    df = _with_all(avm).assign(active=lambda d: d["mrr"] > 0)
    out = (
        df.groupby(["vendor_id", "segment", "cohort_month", "months_since"])
        .agg(active_customers=("active", "sum"), mrr=("mrr", "sum"))
        .reset_index()
        .sort_values(["vendor_id", "segment", "cohort_month", "months_since"])
    )
    first = out.groupby(["vendor_id", "segment", "cohort_month"])[["active_customers", "mrr"]].transform("first")
    out["cohort_size"] = first["active_customers"]
    out["logo_retention"] = out["active_customers"] / first["active_customers"]
    out["revenue_retention"] = out["mrr"] / first["mrr"].replace(0.0, np.nan)
    return out


def market_share(usage: pd.DataFrame, segments: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    spend = usage.groupby(["month", "account_id", "vendor_id"])["amount_usd"].sum().reset_index()
    spend["segment"] = spend["account_id"].map(segments).fillna("unknown")
    share = _with_all(spend).groupby(["month", "segment", "vendor_id"])["amount_usd"].sum().rename("value")
    share = share.reset_index()
    share["total"] = share.groupby(["month", "segment"])["value"].transform("sum")
    share["share"] = share["value"] / share["total"].replace(0.0, np.nan)
    concentration = (
        share.assign(points=(share["share"] * 100) ** 2)
        .groupby(["month", "segment"])
        .agg(n_vendors=("vendor_id", "count"), hhi=("points", "sum"))
        .reset_index()
    )
    share["month"] = share["month"].dt.to_timestamp()
    concentration["month"] = concentration["month"].dt.to_timestamp()
    return share, concentration


def run(landing: Path, out: Path) -> dict[str, object]:
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    usage = read_usage(landing)
    segments = read_accounts(landing)
    avm = account_vendor_months(usage, segments)
    marts = {"account_vendor_months": avm, "revenue_movements": revenue_movements(avm), "cohorts": cohorts(avm)}
    marts["market_share"], marts["market_concentration"] = market_share(usage, segments)
    for name, frame in marts.items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    movements = marts["revenue_movements"]
    totals = movements[movements["segment"] == "all"]
    return {
        "engine": "pandas",
        "seconds": round(time.perf_counter() - started, 3),
        "rows": {name: len(frame) for name, frame in marts.items()},
        "check": {
            "mrr_total": round(float(totals["mrr_end"].sum()), 2),
            "new_customers": int(totals["new_customers"].sum()),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(json.dumps(run(args.landing, args.out)))


if __name__ == "__main__":
    main()

"""Independent recomputation of the market marts straight from landing files, with pandas.

Nothing here imports the project's ingest or SQL: it reads the files as a third party would and applies
DESIGN §4's definitions, so a bug in our pipeline cannot hide in a shared helper.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def read_dataset(landing: Path, source: str, dataset: str) -> pd.DataFrame:
    frames = []
    for path in sorted((landing / source / dataset).glob("*")):
        if path.suffix == ".csv":
            frames.append(pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]))
        elif path.suffix == ".parquet":
            frames.append(pd.read_parquet(path))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def valid_usage(landing: Path, vendor_ids: set[str]) -> pd.DataFrame:
    usage = read_dataset(landing, "customers", "usage")
    accounts = read_dataset(landing, "customers", "accounts").drop_duplicates("account_id")
    usage["amount"] = pd.to_numeric(usage["amount_usd"].astype(str), errors="coerce")
    usage["day"] = pd.to_datetime(usage["usage_date"].astype(str).str[:10], errors="coerce")
    tokens_in = pd.to_numeric(usage.get("tokens_input"), errors="coerce").fillna(0)
    tokens_out = pd.to_numeric(usage.get("tokens_output"), errors="coerce").fillna(0)
    usage["tokens"] = tokens_in + tokens_out
    ok = (
        usage["account_id"].isin(set(accounts["account_id"]))
        & usage["vendor_id"].isin(vendor_ids)
        & usage["day"].notna()
        & (usage["amount"] >= 0)
    )
    usage = usage[ok].merge(accounts[["account_id", "segment"]], on="account_id", how="left")
    usage["segment"] = usage["segment"].fillna("unknown")
    usage["month"] = usage["day"].dt.to_period("M").dt.start_time
    usage["quarter"] = usage["day"].dt.to_period("Q").dt.start_time
    return usage


def _shares(values: pd.DataFrame, grain: str, measure: str, segment: str) -> pd.DataFrame:
    """values: period_start, vendor_id, value (all vendors with data). Adds total, share, change, rank."""
    totals = values.groupby("period_start")["value"].transform("sum")
    out = values.assign(total=totals)
    out = out[out["total"] > 0].copy()
    out["share"] = out["value"] / out["total"]
    out["rank"] = out.groupby("period_start")["value"].rank(method="min", ascending=False).astype(int)
    periods = sorted(out["period_start"].unique())
    offset = pd.DateOffset(months=1 if grain == "month" else 3)
    share_of = {(r.period_start, r.vendor_id): r.share for r in out.itertuples()}
    present = set(periods)
    changes = []
    for row in out.itertuples():
        previous = row.period_start - offset
        if previous not in present:
            changes.append(np.nan)
        else:
            changes.append((row.share - share_of.get((previous, row.vendor_id), 0.0)) * 100)
    out["share_change_pp"] = changes
    return out.assign(period_grain=grain, measure=measure, segment=segment)


def market_share(landing: Path, vendor_ids: set[str]) -> pd.DataFrame:
    usage = valid_usage(landing, vendor_ids)
    frames = []
    for grain, column in (("month", "month"), ("quarter", "quarter")):
        for segment in ["all", *sorted(usage["segment"].unique())]:
            part = usage if segment == "all" else usage[usage["segment"] == segment]
            keyed = part.rename(columns={column: "period_start"})
            spend = keyed.groupby(["period_start", "vendor_id"], as_index=False)["amount"].sum()
            frames.append(_shares(spend.rename(columns={"amount": "value"}), grain, "spend", segment))
            tokens = keyed.groupby(["period_start", "vendor_id"], as_index=False)["tokens"].sum()
            frames.append(_shares(tokens.rename(columns={"tokens": "value"}), grain, "tokens", segment))
            per_account = keyed.groupby(["period_start", "vendor_id", "account_id"], as_index=False)["amount"].sum()
            per_account["active"] = per_account["amount"] > 0
            customers = per_account.groupby(["period_start", "vendor_id"], as_index=False)["active"].sum()
            frames.append(_shares(customers.rename(columns={"active": "value"}), grain, "customers", segment))
    revenue = reported_revenue(landing, vendor_ids)
    if not revenue.empty:
        frames.append(_shares(revenue, "quarter", "revenue", "all"))
    result = pd.concat(frames, ignore_index=True)
    result["period_start"] = pd.to_datetime(result["period_start"]).dt.date
    return result[
        ["period_grain", "period_start", "measure", "segment", "vendor_id", "value", "total", "share",
         "share_change_pp", "rank"]
    ]  # fmt: skip


def _quarter_start(text: str) -> pd.Timestamp:
    text = text.strip()
    if "Q" in text.upper():
        year, quarter = text.upper().replace("-", "").split("Q")
        return pd.Timestamp(int(year), (int(quarter) - 1) * 3 + 1, 1)
    return pd.Timestamp(text[:10]).to_period("Q").start_time


def reported_revenue(landing: Path, vendor_ids: set[str]) -> pd.DataFrame:
    """revenue_usd per vendor and quarter; of several observations the one with the latest as_of wins."""
    indicators = read_dataset(landing, "market", "indicators")
    if indicators.empty:
        return pd.DataFrame(columns=["period_start", "vendor_id", "value"])
    revenue = indicators[(indicators["indicator"] == "revenue_usd") & indicators["vendor_id"].isin(vendor_ids)].copy()
    revenue["period_start"] = revenue["period"].map(_quarter_start)
    revenue["value"] = revenue["value"].astype(float)
    revenue = revenue.sort_values("as_of").groupby(["period_start", "vendor_id"], as_index=False).last()
    return revenue[["period_start", "vendor_id", "value"]]


def concentration(shares: pd.DataFrame) -> pd.DataFrame:
    keys = ["period_grain", "period_start", "measure", "segment"]
    rows = []
    for key, group in shares.groupby(keys):
        ordered = group["share"].sort_values(ascending=False)
        hhi = float(((group["share"] * 100) ** 2).sum())
        level = "unconcentrated" if hhi < 1000 else "moderately concentrated" if hhi <= 1800 else "highly concentrated"
        rows.append(dict(zip(keys, key, strict=True)) | {
            "n_vendors": int((group["value"] > 0).sum()), "hhi": hhi, "cr4": float(ordered.head(4).sum()),
            "level": level,
        })  # fmt: skip
    return pd.DataFrame(rows)

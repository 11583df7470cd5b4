"""Independent recomputation of the customer marts straight from landing files, in plain Python.

Nothing here imports the project's ingest or SQL: the landing files are read as a third party would, and
DESIGN §4's definitions are applied with integer micro-dollars (exact, like the warehouse's decimal(18,6)), so
"flat", "expansion" and "contraction" never depend on floating-point noise. Months are integers
(year * 12 + month - 1). Ratios are computed from the exact integer sums.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from tests.independent import read_dataset

MICROS = Decimal("0.000001")


def to_micros(value: object) -> int | None:
    """An amount as integer micro-dollars (rounded like a cast to decimal(18,6)); None when not a number."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError:
        return None
    if not amount.is_finite():
        return None
    return int((amount.quantize(MICROS, rounding=ROUND_HALF_UP) * 1_000_000).to_integral_value())


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_date(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class Panel:
    """Monthly spend per (account, vendor) in micro-dollars, the segment of each account, and the calendar."""

    spend: dict[tuple[str, str], dict[int, int]]  # every month with a usage row (zero amounts included)
    segment: dict[str, str]
    first_month: dict[tuple[str, str], int]  # (vendor, segment incl. 'all') -> first month with a usage row
    last_month: int  # the last month of usage data in the warehouse

    def segment_of(self, account: str) -> str:
        return self.segment.get(account) or "unknown"

    def active(self, key: tuple[str, str]) -> dict[int, int]:
        return {m: v for m, v in self.spend[key].items() if v > 0}


def read_panel(landing: Path, vendor_ids: set[str]) -> Panel:
    """Valid usage rows (known account and vendor, a date, amount >= 0) summed per account, vendor and month."""
    accounts = read_dataset(landing, "customers", "accounts")
    segment: dict[str, str] = {}
    for row in accounts.itertuples():
        value = getattr(row, "segment", None)
        segment[str(row.account_id)] = value if isinstance(value, str) and value else "unknown"
    usage = read_dataset(landing, "customers", "usage")
    days = pd.to_datetime(usage["usage_date"].astype(str).str[:10], errors="coerce")
    spend: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    first_month: dict[tuple[str, str], int] = {}
    last_month = None
    for account, vendor, day, amount in zip(
        usage["account_id"], usage["vendor_id"], days, usage["amount_usd"], strict=True
    ):
        micros = to_micros(amount)
        if account not in segment or vendor not in vendor_ids or pd.isna(day) or micros is None or micros < 0:
            continue
        month = month_index(day.date())
        spend[(account, vendor)][month] += micros
        for seg in ("all", segment[account]):
            first_month[(vendor, seg)] = min(first_month.get((vendor, seg), month), month)
        last_month = month if last_month is None else max(last_month, month)
    return Panel(dict(spend), segment, first_month, last_month if last_month is not None else 0)


def account_vendor_months(panel: Panel) -> pd.DataFrame:
    rows = []
    for account, vendor in panel.spend:
        active = panel.active((account, vendor))
        seen_before = False
        for month in sorted(active):
            mrr, previous = active[month], active.get(month - 1, 0)
            if previous > 0:
                movement = "expansion" if mrr > previous else "contraction" if mrr < previous else "flat"
            else:
                movement = "reactivation" if seen_before else "new"
            rows.append((account, vendor, month, mrr, previous, movement))
            seen_before = True
            if month + 1 not in active and month + 1 <= panel.last_month:
                rows.append((account, vendor, month + 1, 0, mrr, "churn"))
    frame = pd.DataFrame(rows, columns=["account_id", "vendor_id", "month", "mrr", "previous_mrr", "movement"])
    frame["segment"] = frame["account_id"].map(panel.segment_of)
    return frame


def _with_all(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.assign(segment="all")], ignore_index=True)


def revenue_movements(panel: Panel, avm: pd.DataFrame) -> pd.DataFrame:
    sums: dict[tuple[str, str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in _with_all(avm).itertuples():
        cell = sums[(row.vendor_id, row.segment, row.month)]
        cell["mrr_start"] += row.previous_mrr
        cell["mrr_end"] += row.mrr
        cell["customers_start"] += row.previous_mrr > 0
        cell["customers_end"] += row.mrr > 0
        if row.movement == "new":
            cell["new_mrr"] += row.mrr
            cell["new_customers"] += 1
        elif row.movement == "reactivation":
            cell["reactivation_mrr"] += row.mrr
            cell["reactivated_customers"] += 1
        elif row.movement == "expansion":
            cell["expansion_mrr"] += row.mrr - row.previous_mrr
        elif row.movement == "contraction":
            cell["contraction_mrr"] += row.previous_mrr - row.mrr
        elif row.movement == "churn":
            cell["churned_mrr"] += row.previous_mrr
            cell["churned_customers"] += 1
    columns = [
        "mrr_start", "new_mrr", "reactivation_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "mrr_end",
        "customers_start", "new_customers", "reactivated_customers", "churned_customers", "customers_end",
    ]  # fmt: skip
    rows = []
    for (vendor, segment), first in panel.first_month.items():
        for month in range(first, panel.last_month + 1):
            cell = sums.get((vendor, segment, month), {})
            rows.append([vendor, segment, month] + [int(cell.get(c, 0)) for c in columns])
    return pd.DataFrame(rows, columns=["vendor_id", "segment", "month", *columns])


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float("nan")


def retention_summary(panel: Panel, avm: pd.DataFrame, movements: pd.DataFrame) -> pd.DataFrame:
    one: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0, 0])  # base, retained, kept
    for row in _with_all(avm[avm["previous_mrr"] > 0]).itertuples():
        cell = one[(row.vendor_id, row.segment, row.month)]
        cell[0] += row.previous_mrr
        cell[1] += row.mrr
        cell[2] += min(row.mrr, row.previous_mrr)
    twelve: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for account, vendor in panel.spend:
        active = panel.active((account, vendor))
        for base_month, base in active.items():
            month = base_month + 12
            if month > panel.last_month:
                continue
            later = active.get(month, 0)
            for segment in ("all", panel.segment_of(account)):
                cell = twelve[(vendor, segment, month)]
                cell[0] += base
                cell[1] += later
                cell[2] += min(later, base)
    rows = []
    for row in movements.itertuples():
        key = (row.vendor_id, row.segment, row.month)
        base_1, retained_1, kept_1 = one.get(key, (0, 0, 0))
        base_12, retained_12, kept_12 = twelve.get(key, (0, 0, 0))
        rows.append({
            "vendor_id": row.vendor_id, "segment": row.segment, "month": row.month,
            "nrr_1m": _ratio(retained_1, base_1), "grr_1m": _ratio(kept_1, base_1),
            "nrr_12m": _ratio(retained_12, base_12), "grr_12m": _ratio(kept_12, base_12),
            "logo_churn_rate": _ratio(row.churned_customers, row.customers_start),
            "new_customer_rate": _ratio(row.new_customers, row.customers_end),
            "mrr_base_1m": base_1, "mrr_base_12m": base_12,
        })  # fmt: skip
    return pd.DataFrame(rows)


def cohort_retention(panel: Panel) -> pd.DataFrame:
    sizes: dict[tuple[str, str, int], int] = defaultdict(int)
    cells: dict[tuple[str, str, int, int], list[int]] = defaultdict(lambda: [0, 0])  # active, mrr
    for account, vendor in panel.spend:
        active = panel.active((account, vendor))
        if not active:
            continue
        cohort = min(active)
        for segment in ("all", panel.segment_of(account)):
            sizes[(vendor, segment, cohort)] += 1
            for month, mrr in active.items():
                cell = cells[(vendor, segment, cohort, month)]
                cell[0] += 1
                cell[1] += mrr
    rows = []
    for (vendor, segment, cohort), size in sizes.items():
        cohort_mrr = cells[(vendor, segment, cohort, cohort)][1]
        for month in range(cohort, panel.last_month + 1):
            active_customers, mrr = cells.get((vendor, segment, cohort, month), (0, 0))
            rows.append({
                "vendor_id": vendor, "segment": segment, "cohort_month": cohort, "months_since": month - cohort,
                "month": month, "cohort_size": size, "active_customers": active_customers,
                "logo_retention": active_customers / size, "mrr": mrr, "revenue_retention": mrr / cohort_mrr,
            })  # fmt: skip
    return pd.DataFrame(rows)


def vendor_switching(avm: pd.DataFrame) -> pd.DataFrame:
    starts: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for row in avm[avm["movement"].isin(["new", "reactivation"])].itertuples():
        starts[row.account_id].append((row.vendor_id, row.month))
    flows: dict[tuple[int, str, str, str], list] = defaultdict(lambda: [set(), 0])
    for row in avm[avm["movement"] == "churn"].itertuples():
        for vendor, month in starts.get(row.account_id, []):
            if vendor != row.vendor_id and month in (row.month, row.month + 1):
                for segment in ("all", row.segment):
                    flow = flows[(row.month, segment, row.vendor_id, vendor)]
                    flow[0].add(row.account_id)
                    flow[1] += row.previous_mrr
    rows = [
        {"month": month, "segment": segment, "from_vendor": source, "to_vendor": target,
         "accounts": len(flow[0]), "mrr_moved": flow[1]}
        for (month, segment, source, target), flow in flows.items()
    ]  # fmt: skip
    columns = ["month", "segment", "from_vendor", "to_vendor", "accounts", "mrr_moved"]
    return pd.DataFrame(rows, columns=columns)


MONEY = {
    "fct_account_vendor_months": ["mrr", "previous_mrr"],
    "fct_revenue_movements": [
        "mrr_start", "new_mrr", "reactivation_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "mrr_end",
    ],
    "fct_retention_summary": ["mrr_base_1m", "mrr_base_12m"],
    "fct_cohort_retention": ["mrr"],
    "fct_vendor_switching": ["mrr_moved"],
}  # fmt: skip
MONTHS = {"month", "cohort_month"}


def customer_marts(landing: Path, vendor_ids: set[str]) -> dict[str, pd.DataFrame]:
    """The five customer marts, money in USD (float of the exact micro-dollar sums), months as dates."""
    panel = read_panel(landing, vendor_ids)
    avm = account_vendor_months(panel)
    movements = revenue_movements(panel, avm)
    marts = {
        "fct_account_vendor_months": avm,
        "fct_revenue_movements": movements,
        "fct_retention_summary": retention_summary(panel, avm, movements),
        "fct_cohort_retention": cohort_retention(panel),
        "fct_vendor_switching": vendor_switching(avm),
    }
    for name, frame in marts.items():
        for column in MONEY[name]:
            frame[column] = frame[column].astype("int64") / 1_000_000
        for column in MONTHS & set(frame.columns):
            frame[column] = frame[column].map(month_date)
    return marts

"""Deterministic synthetic landing zone for the demo (DESIGN §3, "Demo data").

`write_demo_landing` writes, under ``<landing_dir>/<source>/<dataset>/``, every landing dataset of
`ingest.contracts` with exactly the contract's columns:

- ``market/vendors/vendors.csv``: twelve vendors; ids are genai-prices provider ids where one exists.
- ``market/indicators/indicators_<year>.csv``: every *reported* catalog indicator for every vendor over the
  8 complete quarters up to ``end_month``, long form, with a few deliberate gaps; one file writes some periods
  as a date inside the quarter instead of ``2025Q3``. Indicators with a real source (catalog origin
  ``reference``, e.g. model releases, transparency) are not generated.
- ``pricing/prices/price_list.csv``: a small user price list with price cuts over time.
- ``customers/accounts/accounts.csv`` and ``accounts_late.csv`` (the latest ~1% of sign-ups).
- ``customers/usage/usage_YYYY_MM.parquet``: daily spend line items, one file a month for 24 months ending with
  ``end_month``; the first two months are written as CSV to exercise both formats.

The usage panel is simulated in two passes. Pass one runs a monthly, vectorised state machine over every
(account, vendor) pair: sign-ups that grow over time, multi-homing, churn, switching to another vendor in the
same or the next month, reactivation after a gap of 1-6 months, plan upgrades, expansion and contraction of
spend, seasonality, and market shares that shift between vendors. It keeps only one byte (plan) and one float
(spend) per account, vendor and month, and calibrates the number of line items so that the total hits the
requested row count. Pass two expands one month at a time into daily line items and writes that month's file,
so memory stays bounded (the ``large`` scale needs well under 4 GB).

Everything is derived from ``numpy.random.default_rng`` streams seeded by ``(seed, purpose[, month])`` and files
are written with fixed settings, so the same ``(scale, seed, end_month)`` gives byte-identical files. Every value
is labelled synthetic (vendor and indicator ``source`` columns).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ingest.contracts import ACCOUNTS, INDICATORS, INDUSTRIES, PLANS, PRICES, SEGMENTS, USAGE, VENDORS

SCALES: dict[str, int] = {"tiny": 20_000, "small": 400_000, "medium": 3_000_000, "large": 30_000_000}
MIN_ROWS = 1_000  # below this the panel's one-row-per-active-month floor dominates the target
MONTHS = 24  # months of usage, ending with end_month
QUARTERS = 8  # complete quarters of indicators, ending with the last one complete by end_month
CSV_USAGE_MONTHS = 2  # the first months of usage are written as CSV instead of Parquet
ROWS_PER_ACCOUNT = 140  # accounts = rows / this (tiny ~143 accounts, large ~214k)
MIN_ACCOUNTS = 20
LATE_ACCOUNT_SHARE = 0.01
PARQUET_ROW_GROUP = 1_000_000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoSummary:
    files: list[Path]
    rows: dict[str, int]  # "market/vendors", ... -> rows written
    first_day: date  # first day of the usage window
    last_day: date  # last day of end_month


def source_label(seed: int) -> str:
    return f"synthetic: modelmarket demo-data (seed {seed})"


# --- vendors -------------------------------------------------------------------------------------------------


class _Vendor(NamedTuple):
    id: str
    name: str
    hq_region: str
    segment: str  # B2B | B2C | both
    ownership: str
    business_models: str
    share0: float  # weight when an account picks a vendor, first month
    share1: float  # ... last month (interpolated geometrically)
    spend: float  # spend multiplier of a relationship
    churn0: float  # churn hazard multiplier, first month
    churn1: float  # ... last month
    revenue0: float  # reported revenue of the first quarter, USD
    growth: float  # revenue growth quarter on quarter
    margin: float  # gross margin, percent
    ocf0: float  # operating cash flow / revenue, first quarter
    ocf1: float  # ... last quarter
    quality: float  # 0-1: drives benchmark, latency, uptime, releases
    rd: float  # R&D intensity, percent of revenue
    open_weights: int  # open-weights models at the start
    open_rate: float  # open-weights releases a quarter
    regions: int  # regions served at the start
    certs: int  # privacy certifications at the start
    retention: int  # default prompt retention, days
    transparency: float  # FMTI-like score at the start
    energy: float  # Wh per Mtok at the start
    csr: float  # CSR spend, percent of revenue


_V = _Vendor
VENDOR_SPECS: tuple[_Vendor, ...] = (
    _V("openai", "OpenAI", "us", "both", "private", "subscription;api_usage;licensing;services",
       0.40, 0.32, 1.00, 1.00, 1.15, 3.2e9, 0.08, 46, -0.55, -0.30, 0.95, 55, 0, 0.3, 45, 5, 30, 42, 260, 0.4),
    _V("anthropic", "Anthropic", "us", "B2B", "private", "subscription;api_usage;services",
       0.15, 0.20, 1.00, 0.90, 0.85, 0.9e9, 0.17, 52, -0.80, -0.25, 0.95, 60, 0, 0.0, 40, 5, 30, 55, 240, 0.5),
    _V("google", "Google", "us", "both", "public", "subscription;api_usage;advertising;freemium;data_platform",
       0.12, 0.16, 0.95, 0.95, 0.85, 1.3e9, 0.10, 66, 0.20, 0.25, 0.92, 35, 8, 0.5, 60, 8, 55, 48, 180, 0.8),
    _V("mistral", "Mistral AI", "eu", "B2B", "private", "api_usage;licensing;subscription;services",
       0.055, 0.045, 0.60, 1.00, 1.10, 4.5e7, 0.12, 55, -0.60, -0.40, 0.75, 70, 18, 0.6, 25, 3, 30, 50, 150, 0.3),
    _V("deepseek", "DeepSeek", "cn", "B2B", "open_source", "api_usage;licensing",
       0.03, 0.05, 0.30, 1.00, 0.90, 6.0e7, 0.15, 58, 0.05, 0.15, 0.80, 45, 12, 0.5, 15, 1, 30, 35, 110, 0.1),
    _V("x-ai", "xAI", "us", "B2C", "private", "subscription;api_usage;advertising",
       0.02, 0.035, 0.70, 1.20, 1.00, 1.5e8, 0.20, 32, -1.80, -1.20, 0.85, 85, 1, 0.1, 20, 2, 30, 25, 320, 0.1),
    _V("meta", "Meta", "us", "B2C", "public", "advertising;licensing;api_usage;freemium",
       0.045, 0.03, 0.50, 1.20, 1.30, 1.8e8, 0.06, 36, -0.25, -0.15, 0.82, 90, 24, 0.6, 50, 7, 90, 38, 200, 0.6),
    _V("cohere", "Cohere", "ca", "B2B", "private", "api_usage;licensing;services",
       0.04, 0.025, 0.70, 1.25, 1.40, 5.5e7, 0.08, 60, -0.45, -0.30, 0.65, 50, 6, 0.2, 30, 6, 7, 45, 140, 0.4),
    _V("moonshotai", "Moonshot AI", "cn", "B2C", "private", "subscription;api_usage;freemium",
       0.015, 0.025, 0.35, 1.10, 0.95, 2.5e7, 0.18, 40, -0.70, -0.45, 0.78, 75, 4, 0.4, 6, 1, 30, 30, 150, 0.1),
    _V("zhipuai", "Zhipu AI", "cn", "B2B", "private", "api_usage;licensing;services;subscription",
       0.015, 0.02, 0.35, 1.00, 1.00, 4.0e7, 0.12, 38, -0.90, -0.60, 0.72, 80, 10, 0.5, 8, 2, 30, 33, 170, 0.2),
    _V("minimax", "MiniMax", "cn", "B2C", "private", "subscription;api_usage;freemium;advertising",
       0.01, 0.015, 0.35, 1.15, 1.00, 3.0e7, 0.15, 42, -0.80, -0.50, 0.70, 70, 3, 0.4, 10, 1, 60, 28, 190, 0.1),
    _V("alibaba", "Alibaba Cloud (Qwen)", "cn", "B2B", "public", "api_usage;data_platform;licensing;subscription",
       0.03, 0.035, 0.45, 0.95, 0.90, 3.5e8, 0.09, 48, 0.10, 0.15, 0.80, 30, 40, 1.5, 30, 9, 30, 40, 160, 0.5),
)  # fmt: skip
VENDOR_IDS: tuple[str, ...] = tuple(v.id for v in VENDOR_SPECS)

# Models a vendor's usage is billed under: (model_id, first window month it is used, USD/Mtok input, output).
# Ids are genai-prices model ids of that provider (alibaba is not a genai-prices provider).
VENDOR_MODELS: dict[str, tuple[tuple[str, int, float, float], ...]] = {
    "openai": (("gpt-4o-mini", 0, 0.15, 0.6), ("gpt-4o", 0, 2.5, 10), ("o3-mini", 2, 1.1, 4.4),
               ("gpt-4.1", 5, 2, 8), ("gpt-4.1-mini", 5, 0.4, 1.6), ("gpt-5", 9, 1.25, 10),
               ("gpt-5-mini", 9, 0.25, 2), ("gpt-5.2", 17, 1.75, 14)),
    "anthropic": (("claude-3-5-haiku-latest", 0, 0.8, 4), ("claude-3-5-sonnet", 0, 3, 15),
                  ("claude-3-7-sonnet-latest", 3, 3, 15), ("claude-sonnet-4-0", 6, 3, 15),
                  ("claude-sonnet-4-5", 11, 3, 15),
                  ("claude-haiku-4-5", 12, 1, 5), ("claude-opus-4-5", 13, 5, 25)),
    "google": (("gemini-1.5-flash", 0, 0.075, 0.3), ("gemini-1.5-pro", 0, 1.25, 5), ("gemini-2.0-flash", 3, 0.1, 0.4),
               ("gemini-2.5-pro", 6, 1.25, 10), ("gemini-2.5-flash", 7, 0.3, 2.5),
               ("gemini-2.5-flash-lite", 9, 0.1, 0.4), ("gemini-3-flash-preview", 14, 0.5, 3),
               ("gemini-3.1-pro-preview", 16, 2, 12)),
    "mistral": (("mistral-large", 0, 2, 6), ("mistral-small-latest", 0, 0.1, 0.3), ("codestral", 0, 0.3, 0.9),
                ("mistral-medium-3-1", 9, 0.4, 2), ("mistral-large-2512", 13, 0.5, 1.5)),
    "deepseek": (("deepseek-chat", 0, 0.27, 1.1), ("deepseek-reasoner", 2, 0.55, 2.19),
                 ("deepseek-v3.2", 12, 0.23, 0.34), ("deepseek-v4-flash", 18, 0.14, 0.28)),
    "x-ai": (("grok-2-1212", 0, 2, 10), ("grok-3", 5, 3, 15), ("grok-3-mini", 5, 0.3, 0.5), ("grok-4-0709", 8, 3, 15),
             ("grok-4-fast-reasoning", 10, 0.2, 0.5), ("grok-code-fast-1", 10, 0.2, 1.5)),
    "meta": (("muse-spark-1.1", 0, 1.25, 4.25), ("muse-spark-1.2", 8, 1.25, 4.25), ("muse-spark-1.3", 16, 1.25, 4.25)),
    "cohere": (("command-r", 0, 0.15, 0.6), ("command-r-plus", 0, 2.5, 10), ("command-r7b", 2, 0.0375, 0.15),
               ("command-a", 5, 2.5, 10)),
    "moonshotai": (("moonshot-v1-8k", 0, 0.2, 2), ("moonshot-v1-32k", 0, 1, 3), ("kimi-k2", 8, 0.57, 2.3),
                   ("kimi-k2-thinking", 12, 0.6, 2.5), ("kimi-k2.5", 15, 0.6, 3), ("kimi-k2.6", 19, 0.95, 4)),
    "zhipuai": (("GLM-4-Plus", 0, 0.69, 0.69), ("GLM-4-Air", 0, 0.069, 0.069), ("GLM-4.5-Air", 9, 0.11, 0.276),
                ("GLM-4.7", 14, 0.276, 1.1), ("GLM-5", 18, 0.55, 2.48)),
    "minimax": (("minimax-01", 0, 0.2, 1.1), ("minimax-m1", 7, 0.4, 2.2), ("MiniMax-M2", 11, 0.3, 1.2),
                ("MiniMax-M2.7", 17, 0.3, 1.2)),
    "alibaba": (("qwen-max", 0, 1.6, 6.4), ("qwen-plus", 0, 0.4, 1.2), ("qwen-turbo", 0, 0.05, 0.2),
                ("qwen3-max", 11, 1.2, 6)),
}  # fmt: skip

# --- the account panel -----------------------------------------------------------------------------------------

SEGMENT_SHARE = np.array([0.07, 0.30, 0.63])  # enterprise, smb, consumer (contracts.SEGMENTS order)
CONSUMER = SEGMENTS.index("consumer")
INDUSTRY_SHARE = np.array(
    [  # rows: segment; columns: contracts.INDUSTRIES
        [0.18, 0.12, 0.14, 0.12, 0.05, 0.20, 0.09, 0.10],
        [0.08, 0.08, 0.10, 0.16, 0.06, 0.30, 0.02, 0.20],
        [0.05, 0.05, 0.05, 0.08, 0.20, 0.17, 0.02, 0.38],
    ]
)
INDUSTRY_SPEND = np.array([1.3, 1.1, 0.9, 0.9, 0.6, 1.4, 0.8, 0.8])
REGIONS: tuple[str, ...] = ("us", "eu", "apac", "latam", "cn", "mea")
REGION_SHARE = np.array([0.36, 0.24, 0.15, 0.07, 0.13, 0.05])
# How much more (or less) likely an account of a region / segment picks each vendor (VENDOR_SPECS order).
REGION_TILT = np.array(
    [
        [1.0, 1.0, 1.0, 0.6, 0.5, 1.3, 1.1, 1.1, 0.2, 0.1, 0.2, 0.3],  # us
        [1.0, 1.0, 1.0, 2.5, 0.5, 0.8, 1.0, 1.3, 0.2, 0.1, 0.2, 0.3],  # eu
        [1.0, 1.0, 1.2, 0.8, 1.5, 0.8, 1.0, 0.8, 1.0, 0.6, 1.2, 2.5],  # apac
        [1.1, 0.8, 1.1, 0.8, 1.0, 1.0, 1.5, 0.5, 0.3, 0.2, 0.3, 0.5],  # latam
        [0.04, 0.04, 0.04, 0.2, 10, 0.1, 0.3, 0.1, 12, 12, 12, 14],  # cn
        [1.0, 1.0, 1.0, 1.2, 1.0, 1.0, 1.2, 0.8, 0.3, 0.3, 0.3, 0.8],  # mea
    ]
)
SEGMENT_TILT = np.array(
    [
        [1.0, 1.15, 1.1, 1.0, 0.6, 0.6, 0.6, 1.5, 0.6, 1.0, 0.5, 1.0],  # enterprise
        [1.0, 1.1, 1.0, 1.1, 1.2, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],  # smb
        [1.25, 0.8, 1.0, 0.7, 1.2, 1.6, 1.5, 0.15, 1.3, 0.8, 1.5, 0.8],  # consumer
    ]
)
FREE, PRO, TEAM, ENTERPRISE, API = (PLANS.index(p) for p in ("free", "pro", "team", "enterprise", "api"))
PLAN_SHARE = np.array(
    [  # rows: segment; columns: contracts.PLANS
        [0.0, 0.0, 0.1, 0.5, 0.4],
        [0.0, 0.2, 0.4, 0.0, 0.4],
        [0.4, 0.6, 0.0, 0.0, 0.0],
    ]
)
SPEND_MEDIAN = np.array(
    [  # monthly USD of a new relationship: rows segment, columns plan
        [0, 60, 2000, 7000, 3500],
        [0, 60, 350, 3000, 300],
        [0, 20, 100, 1000, 60],
    ],
    dtype=float,
)
SPEND_SIGMA = np.array([[0, 0.5, 0.6, 0.6, 0.8], [0, 0.5, 0.7, 0.7, 0.9], [0, 0.6, 0.5, 0.5, 0.8]])
ROW_WEIGHT = np.array([0.5, 1.0, 2.5, 6.0, 4.0])  # relative line items a month, by plan
SPEND_DRIFT = np.array([0.01, 0.0, 0.0])  # monthly expansion (log) by segment
CHURN = np.array([0.02, 0.045, 0.07])  # monthly hazard that a relationship stops, by segment
ADD_VENDOR = np.array([0.02, 0.012, 0.005])  # monthly chance an active account adds a vendor (multi-homing)
START_MULTI = np.array([0.35, 0.18, 0.08])  # chance an account already in the panel at the start uses 2+ vendors
NEW_MULTI = np.array([0.15, 0.08, 0.04])  # chance a new account starts with two vendors
PRE_WINDOW_SHARE = 0.40  # accounts that signed up before the window
SIGNUP_GROWTH = 1.045  # monthly growth of sign-ups
P_SWITCH, P_REACTIVATE = 0.35, 0.30  # what a churn turns into (else: gone)
P_SWITCH_SAME_MONTH = 0.6
P_UPGRADE = 0.03  # free -> pro a month
PRICE_DECLINE = 0.955  # effective USD per token, monthly factor (discounts, price cuts)
SEASON = np.array([0.97, 0.98, 1.03, 1.0, 1.02, 1.0, 0.95, 0.82, 1.03, 1.06, 1.04, 0.85])  # Jan..Dec
NO_MONTH = np.iinfo(np.int16).max

# Stream ids for numpy seed sequences: default_rng([seed, stream, ...]).
_ACCOUNTS, _MARKET, _USAGE, _INDICATORS = 1, 2, 3, 4


# --- API ---------------------------------------------------------------------------------------------------------


def parse_scale(text: str) -> int:
    """Target usage rows for a scale name (tiny, small, medium, large) or a row count such as ``5000``."""
    cleaned = str(text).strip().lower().replace("_", "").replace(",", "")
    if cleaned in SCALES:
        return SCALES[cleaned]
    if re.fullmatch(r"[0-9]+", cleaned) and int(cleaned) >= MIN_ROWS:
        return int(cleaned)
    names = "|".join(SCALES)
    raise ValueError(f"scale must be {names} or a row count of at least {MIN_ROWS}, not {text!r}")


def write_demo_landing(
    landing_dir: Path,
    scale: str | int = "small",
    seed: int = 42,
    end_month: str = "2026-10",
    progress: Progress | None = None,
) -> DemoSummary:
    """Write the synthetic landing zone under landing_dir and say what was written."""
    target = parse_scale(str(scale))
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
    cal = _Calendar.ending(end_month)
    writer = _Writer(Path(landing_dir), progress)
    label = source_label(seed)
    writer.csv("market/vendors/vendors.csv", [c.name for c in VENDORS.columns], _vendor_rows(label))
    for name, rows in _indicator_files(np.random.default_rng([seed, _INDICATORS]), cal, label):
        writer.csv(f"market/indicators/{name}", [c.name for c in INDICATORS.columns], rows)
    writer.csv("pricing/prices/price_list.csv", [c.name for c in PRICES.columns], _price_rows(cal, label))
    accounts = _Accounts.generate(np.random.default_rng([seed, _ACCOUNTS]), _account_count(target), cal)
    for name, rows in accounts.files():
        writer.csv(f"customers/accounts/{name}", [c.name for c in ACCOUNTS.columns], rows)
    market = _Market(np.random.default_rng([seed, _MARKET]), accounts, cal)
    market.run()
    usage = _UsageWriter(accounts, market, cal, target)
    for m in range(cal.n):
        table = usage.month(np.random.default_rng([seed, _USAGE, m]), m)
        name = f"usage_{cal.years[m]:04d}_{cal.months[m]:02d}"
        if m < CSV_USAGE_MONTHS:
            writer.usage_csv(f"customers/usage/{name}.csv", table)
        else:
            writer.parquet(f"customers/usage/{name}.parquet", table)
    return DemoSummary(files=writer.files, rows=writer.rows, first_day=cal.first_day, last_day=cal.last_day)


# --- calendar ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    """The usage window: MONTHS calendar months ending with end_month."""

    years: tuple[int, ...]
    months: tuple[int, ...]
    starts: np.ndarray  # datetime64[D], first day of each month
    days: np.ndarray  # int64, days in each month

    @classmethod
    def ending(cls, end_month: str) -> _Calendar:
        match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", str(end_month))
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"end_month must look like 2026-10, not {end_month!r}")
        last = int(match.group(1)) * 12 + int(match.group(2)) - 1
        index = range(last - MONTHS + 1, last + 1)
        years, months = tuple(i // 12 for i in index), tuple(i % 12 + 1 for i in index)
        bounds = np.array([f"{i // 12:04d}-{i % 12 + 1:02d}-01" for i in range(index[0], last + 2)], "datetime64[D]")
        return cls(years, months, bounds[:-1], np.diff(bounds).astype(np.int64))

    @property
    def n(self) -> int:
        return len(self.months)

    @property
    def first_day(self) -> date:
        return self.starts[0].astype(date)

    @property
    def last_day(self) -> date:
        return (self.starts[-1] + self.days[-1] - 1).astype(date)

    @property
    def season(self) -> np.ndarray:
        return SEASON[np.array(self.months) - 1]

    def day(self, month: int, day: int) -> date:
        """A date in window month `month` (day clipped to the month's length)."""
        return (self.starts[month] + min(day, int(self.days[month])) - 1).astype(date)


# --- vendors, indicators, prices -----------------------------------------------------------------------------------


def _vendor_rows(label: str) -> list[list[str]]:
    return [[v.id, v.name, v.hq_region, v.segment, v.ownership, v.business_models, label] for v in VENDOR_SPECS]


class _Quarter(NamedTuple):
    year: int
    q: int

    @property
    def text(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def end(self) -> date:
        return date(self.year + self.q // 4, self.q % 4 * 3 + 1, 1) - timedelta(days=1)

    @property
    def mid_date(self) -> date:
        return date(self.year, self.q * 3 - 1, 15)


def _quarters(cal: _Calendar) -> list[_Quarter]:
    """The QUARTERS complete quarters ending with the last one that ends by the end of the window."""
    index = cal.years[-1] * 4 + (cal.months[-1] - 1) // 3 - (0 if cal.months[-1] % 3 == 0 else 1)
    return [_Quarter(i // 4, i % 4 + 1) for i in range(index - QUARTERS + 1, index + 1)]


# unit, format, generator(rng, specs, q) -> values of shape (vendors, quarters)
IndicatorFn = Callable[[np.random.Generator, Sequence[_Vendor], np.ndarray], np.ndarray]


def _attr(specs: Sequence[_Vendor], name: str) -> np.ndarray:
    return np.array([getattr(v, name) for v in specs], dtype=float)[:, None]


def _noise(rng: np.random.Generator, shape: tuple[int, ...], sigma: float) -> np.ndarray:
    return rng.normal(0.0, sigma, shape)


def _revenue(rng: np.random.Generator, specs: Sequence[_Vendor], q: np.ndarray) -> np.ndarray:
    base = _attr(specs, "revenue0") * (1 + _attr(specs, "growth")) ** q
    return np.round(base * np.exp(_noise(rng, base.shape, 0.03)), -5)


def _lerp(specs: Sequence[_Vendor], start: str, end: str, q: np.ndarray) -> np.ndarray:
    return _attr(specs, start) + (_attr(specs, end) - _attr(specs, start)) * q / max(QUARTERS - 1, 1)


def _cumulative(rng: np.random.Generator, start: np.ndarray, rate: np.ndarray, q: np.ndarray) -> np.ndarray:
    adds = rng.poisson(np.broadcast_to(rate, (start.shape[0], q.shape[-1])))
    adds[:, 0] = 0
    return start + np.cumsum(adds, axis=1)


def _indicator_values(rng: np.random.Generator, specs: Sequence[_Vendor], q: np.ndarray) -> dict[str, np.ndarray]:
    """Every reported indicator of the catalog, (vendors, quarters), in catalog order."""
    shape = (len(specs), q.shape[-1])
    quality = _attr(specs, "quality")
    revenue = _revenue(rng, specs, q)
    margin = np.clip(_attr(specs, "margin") + 0.6 * q + _noise(rng, shape, 1.5), 30, 75)
    cash = np.round(revenue * _lerp(specs, "ocf0", "ocf1", q) * (1 + _noise(rng, shape, 0.1)), -5)
    retention = np.broadcast_to(_attr(specs, "retention"), shape).copy()
    cut = rng.random(len(specs)) < 0.25  # a few vendors halve their default retention at some quarter
    when = rng.integers(1, shape[1], len(specs))
    retention[cut] = np.where(q[0] >= when[cut][:, None], np.maximum(retention[cut] // 2, 1), retention[cut])
    return {
        "revenue_usd": revenue,
        "gross_margin_pct": np.round(margin, 1),
        "operating_cash_flow_usd": cash,
        "cost_to_budget_ratio": np.round(np.clip(1.02 + _noise(rng, shape, 0.05), 0.85, 1.25), 3),
        "benchmark_score": np.round(np.clip(55 + 30 * quality + 1.2 * q + _noise(rng, shape, 1.5), 0, 100), 1),
        "p95_latency_ms": np.round(
            np.clip((3200 - 1800 * quality) * 0.96**q * np.exp(_noise(rng, shape, 0.08)), 400, 4000)
        ),
        "uptime_pct": np.round(np.clip(99.5 + 0.4 * quality + _noise(rng, shape, 0.12), 99.0, 99.99), 2),
        "rd_intensity_pct": np.round(np.clip(_attr(specs, "rd") + _noise(rng, shape, 3), 10, 95), 1),
        "model_releases": rng.poisson(np.broadcast_to(0.8 + 3 * quality, shape)).astype(float),
        "regions_served": _cumulative(rng, _attr(specs, "regions"), np.full((1, 1), 0.6), q),
        "privacy_certifications": _cumulative(rng, _attr(specs, "certs"), np.full((1, 1), 0.15), q),
        "data_retention_days": retention,
        "transparency_score": np.round(np.clip(_attr(specs, "transparency") + 1.5 * q + _noise(rng, shape, 2), 0, 100)),
        "energy_wh_per_mtok": np.round(_attr(specs, "energy") * 0.93**q * np.exp(_noise(rng, shape, 0.05)), 1),
        "open_weights": _cumulative(rng, _attr(specs, "open_weights"), _attr(specs, "open_rate"), q),
        "csr_spend_pct": np.round(np.clip(_attr(specs, "csr") + _noise(rng, shape, 0.1), 0.05, 3), 2),
    }


# Catalog units (dbt/seeds/indicator_catalog.csv) and how each value is written.
INDICATOR_UNITS: dict[str, tuple[str, str]] = {
    "revenue_usd": ("USD", "{:.0f}"),
    "gross_margin_pct": ("percent", "{:.1f}"),
    "operating_cash_flow_usd": ("USD", "{:.0f}"),
    "cost_to_budget_ratio": ("ratio", "{:.3f}"),
    "benchmark_score": ("score 0-100", "{:.1f}"),
    "p95_latency_ms": ("milliseconds", "{:.0f}"),
    "uptime_pct": ("percent", "{:.2f}"),
    "rd_intensity_pct": ("percent", "{:.1f}"),
    "model_releases": ("count", "{:.0f}"),
    "regions_served": ("count", "{:.0f}"),
    "privacy_certifications": ("count", "{:.0f}"),
    "data_retention_days": ("days", "{:.0f}"),
    "transparency_score": ("score 0-100", "{:.0f}"),
    "energy_wh_per_mtok": ("Wh per Mtok", "{:.1f}"),
    "open_weights": ("count", "{:.0f}"),
    "csr_spend_pct": ("percent", "{:.2f}"),
}
# Indicators with a real source (catalog origin 'reference': ingest/reference_indicators.py) are still drawn, so
# every other value keeps its random stream, but they are not written: demo data never stands in for real data.
REFERENCE_SOURCED: frozenset[str] = frozenset({"model_releases", "transparency_score"})
REPORTED_INDICATORS: tuple[str, ...] = tuple(code for code in INDICATOR_UNITS if code not in REFERENCE_SOURCED)


def _indicator_gaps(rng: np.random.Generator, shape: tuple[int, int, int]) -> np.ndarray:
    """Missing cells (indicator, vendor, quarter): ~3%, at most two quarters of a vendor's indicator."""
    gaps = np.zeros(shape, dtype=bool)
    u = rng.random(shape[:2])
    drops = np.where(u < 0.025, 2, np.where(u < 0.21, 1, 0))
    order = np.argsort(rng.random(shape), axis=2, kind="stable")
    for k in (0, 1):
        i, v = np.nonzero(drops > k)
        gaps[i, v, order[i, v, k]] = True
    if not gaps.any():
        gaps[0, 0, shape[2] // 2] = True
    return gaps


def _indicator_files(rng: np.random.Generator, cal: _Calendar, label: str) -> Iterable[tuple[str, list[list[str]]]]:
    """(file name, rows) per year of the quarters; rows ordered by quarter, vendor, indicator."""
    quarters = _quarters(cal)
    q = np.arange(len(quarters), dtype=float)[None, :]
    values = _indicator_values(rng, VENDOR_SPECS, q)
    gaps = _indicator_gaps(rng, (len(values), len(VENDOR_SPECS), len(quarters)))
    lag = rng.integers(20, 50, (len(VENDOR_SPECS), len(quarters)))
    years = sorted({qt.year for qt in quarters})
    dated_year = max(years, key=lambda y: (sum(qt.year == y for qt in quarters), -y))
    dated_quarter = [qt for qt in quarters if qt.year == dated_year][1:2]  # its second quarter, if any
    for year in years:
        rows: list[list[str]] = []
        for j, quarter in enumerate(quarters):
            if quarter.year != year:
                continue
            for v, vendor in enumerate(VENDOR_SPECS):
                as_of = min(quarter.end + timedelta(days=int(lag[v, j])), cal.last_day).isoformat()
                as_date = quarter in dated_quarter and v % 2 == 1
                period = quarter.mid_date.isoformat() if as_date else quarter.text
                for k, (code, series) in enumerate(values.items()):
                    if gaps[k, v, j] or code in REFERENCE_SOURCED:
                        continue
                    unit, fmt = INDICATOR_UNITS[code]
                    rows.append([vendor.id, period, code, fmt.format(series[v, j]), unit, label, as_of])
        yield f"indicators_{year}.csv", rows


# (vendor, model, price type, unit, [(window month, day, USD per unit), ...]): a price and its later cuts.
PRICE_LIST: tuple[tuple[str, str, str, str, tuple[tuple[int, int, float], ...]], ...] = (
    ("openai", "gpt-4o", "input", "mtok", ((0, 1, 5.0), (4, 1, 2.5))),
    ("openai", "gpt-4o", "output", "mtok", ((0, 1, 15.0), (4, 1, 10.0))),
    ("openai", "gpt-4o-mini", "input", "mtok", ((0, 1, 0.15),)),
    ("openai", "chatgpt-team", "seat_month", "seat_month", ((0, 1, 30.0), (10, 1, 25.0))),
    ("anthropic", "claude-3-5-sonnet", "input", "mtok", ((0, 1, 3.0),)),
    ("anthropic", "claude-3-5-sonnet", "output", "mtok", ((0, 1, 15.0),)),
    ("anthropic", "claude-haiku-4-5", "input", "mtok", ((12, 15, 1.0),)),
    ("anthropic", "claude-haiku-4-5", "output", "mtok", ((12, 15, 5.0),)),
    ("google", "gemini-2.5-flash", "input", "mtok", ((7, 1, 0.35), (13, 1, 0.3))),
    ("google", "gemini-2.5-pro", "input", "mtok", ((6, 10, 1.25),)),
    ("mistral", "mistral-large", "input", "mtok", ((0, 1, 2.0),)),
    ("mistral", "mistral-large-2512", "input", "mtok", ((13, 2, 0.5),)),
    ("deepseek", "deepseek-chat", "input", "mtok", ((0, 1, 0.27), (10, 5, 0.135))),
    ("deepseek", "deepseek-chat", "output", "mtok", ((0, 1, 1.1), (10, 5, 0.55))),
    ("alibaba", "qwen-max", "input", "mtok", ((0, 1, 1.6), (14, 1, 1.2))),
)


def _price_rows(cal: _Calendar, label: str) -> list[list[str]]:
    rows = []
    for vendor, model, price_type, unit, changes in PRICE_LIST:
        for month, day, usd in changes:
            when = cal.day(min(month, cal.n - 1), day).isoformat()
            rows.append([vendor, model, price_type, f"{usd:.6f}", when, unit, label])
    return rows


# --- accounts ------------------------------------------------------------------------------------------------------


def _account_count(target_rows: int) -> int:
    return max(MIN_ACCOUNTS, round(target_rows / ROWS_PER_ACCOUNT))


def _pick(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row of `weights` (K, C), drawn with those weights; -1 where a row is all zero."""
    cdf = np.cumsum(weights, axis=1)
    total = cdf[:, -1]
    u = rng.random(len(weights)) * total
    picked = np.minimum((u[:, None] >= cdf).sum(axis=1), weights.shape[1] - 1)
    return np.where(total > 0, picked, -1)


@dataclass(frozen=True)
class _Accounts:
    segment: np.ndarray  # index into SEGMENTS
    industry: np.ndarray  # index into INDUSTRIES
    region: np.ndarray  # index into REGIONS
    signup: np.ndarray  # datetime64[D]
    signup_month: np.ndarray  # window month of the sign-up; -1: before the window

    @classmethod
    def generate(cls, rng: np.random.Generator, n: int, cal: _Calendar) -> _Accounts:
        segment = rng.choice(len(SEGMENTS), n, p=SEGMENT_SHARE)
        industry = _pick(rng, INDUSTRY_SHARE[segment])
        region = rng.choice(len(REGIONS), n, p=REGION_SHARE)
        before = rng.random(n) < PRE_WINDOW_SHARE
        weights = SIGNUP_GROWTH ** np.arange(cal.n) * cal.season
        month = rng.choice(cal.n, n, p=weights / weights.sum())
        in_window = cal.starts[month] + (rng.random(n) * cal.days[month]).astype(np.int64)
        earlier = cal.starts[0] - rng.integers(1, 900, n)
        signup = np.where(before, earlier, in_window)
        order = np.lexsort((np.arange(n), signup))
        signup_month = np.where(before, -1, month)
        return cls(segment[order], industry[order], region[order], signup[order], signup_month[order])

    @property
    def n(self) -> int:
        return len(self.segment)

    @property
    def ids(self) -> list[str]:
        width = max(6, len(str(self.n)))
        return [f"acct_{i:0{width}d}" for i in range(1, self.n + 1)]

    def files(self) -> list[tuple[str, list[list[str]]]]:
        """accounts.csv, and accounts_late.csv with the latest sign-ups."""
        dates = self.signup.astype(str)
        rows = [
            [account, SEGMENTS[s], INDUSTRIES[i], REGIONS[r], d]
            for account, s, i, r, d in zip(self.ids, self.segment, self.industry, self.region, dates, strict=True)
        ]
        late = max(1, round(self.n * LATE_ACCOUNT_SHARE))
        return [("accounts.csv", rows[:-late]), ("accounts_late.csv", rows[-late:])]


# --- pass one: the monthly state of every (account, vendor) --------------------------------------------------------


class _Market:
    """Monthly plan and spend of every (account, vendor) pair; -1 plan: not active that month."""

    def __init__(self, rng: np.random.Generator, accounts: _Accounts, cal: _Calendar) -> None:
        n, v, m = accounts.n, len(VENDOR_SPECS), cal.n
        self.rng, self.acc, self.cal = rng, accounts, cal
        self.plan = np.full((n, v), -1, dtype=np.int8)  # the relationship's plan; -1: never started
        self.active = np.zeros((n, v), dtype=bool)
        self.level = np.zeros((n, v))  # monthly spend before seasonality
        self.pending = np.full((n, v), NO_MONTH, dtype=np.int16)  # month a (re)start is scheduled
        self.intensity = rng.lognormal(0.0, 0.5, (n, v)).astype(np.float32)  # line items per dollar, relative
        self.monthly_plan = np.full((m, n, v), -1, dtype=np.int8)
        self.monthly_spend = np.zeros((m, n, v), dtype=np.float32)
        self.row_weight = np.zeros(m)  # sum over active pairs of ROW_WEIGHT * intensity, by month
        self.active_pairs = np.zeros(m, dtype=np.int64)
        t = np.linspace(0.0, 1.0, m)[:, None]
        share0, share1 = (np.array([getattr(s, f) for s in VENDOR_SPECS]) for f in ("share0", "share1"))
        self.share = share0 * (share1 / share0) ** t  # (months, vendors)
        churn0, churn1 = (np.array([getattr(s, f) for s in VENDOR_SPECS]) for f in ("churn0", "churn1"))
        self.churn = churn0 + (churn1 - churn0) * t
        self.vendor_spend = np.array([s.spend for s in VENDOR_SPECS])

    def run(self) -> None:
        for m in range(self.cal.n):
            continuing = self.active.copy()
            if m > 0:
                self._churn(m)
            self._start_pending(m)
            self._signups(m)
            self._add_vendors(m, continuing)
            continuing &= self.active
            self._upgrade(continuing)
            self._evolve(continuing)
            self._record(m)

    def _pick_vendor(self, m: int, accounts: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
        a = self.acc
        weights = self.share[m] * REGION_TILT[a.region[accounts]] * SEGMENT_TILT[a.segment[accounts]]
        if exclude is not None:
            weights[exclude] = 0.0
        return _pick(self.rng, weights)

    def _start(self, accounts: np.ndarray, vendors: np.ndarray) -> None:
        """Start (or restart) relationships; a new one gets a plan and a spend level, a returning one its old."""
        ok = vendors >= 0
        flat = np.unique(accounts[ok].astype(np.int64) * len(VENDOR_SPECS) + vendors[ok])
        i, v = np.divmod(flat, len(VENDOR_SPECS))
        keep = ~self.active[i, v]
        i, v = i[keep], v[keep]
        new = self.plan[i, v] < 0
        ni, nv = i[new], v[new]
        plans = _pick(self.rng, PLAN_SHARE[self.acc.segment[ni]])
        self.plan[ni, nv] = plans
        self.level[ni, nv] = self._draw_level(ni, nv, plans)
        ri, rv = i[~new], v[~new]
        self.level[ri, rv] *= self.rng.uniform(0.6, 1.1, len(ri))
        self.active[i, v] = True

    def _draw_level(self, accounts: np.ndarray, vendors: np.ndarray, plans: np.ndarray) -> np.ndarray:
        seg = self.acc.segment[accounts]
        vendor = np.where(plans == PRO, 1.0, self.vendor_spend[vendors])
        scale = SPEND_MEDIAN[seg, plans] * vendor * INDUSTRY_SPEND[self.acc.industry[accounts]]
        return scale * np.exp(SPEND_SIGMA[seg, plans] * self.rng.standard_normal(len(accounts)))

    def _churn(self, m: int) -> None:
        i, v = np.nonzero(self.active)
        hazard = CHURN[self.acc.segment[i]] * self.churn[m, v] * np.where(self.plan[i, v] == FREE, 1.5, 1.0)
        hazard *= 1.25 if self.cal.months[m] == 1 else 1.0  # budgets reset in January
        out = self.rng.random(len(i)) < hazard
        i, v = i[out], v[out]
        self.active[i, v] = False
        u = self.rng.random(len(i))
        back = (u >= P_SWITCH) & (u < P_SWITCH + P_REACTIVATE)
        gap = self.rng.integers(1, 7, int(back.sum()))  # months without this vendor before it returns
        np.minimum.at(self.pending, (i[back], v[back]), (m + gap).astype(np.int16))
        switch = u < P_SWITCH
        si, sv = i[switch], v[switch]
        exclude = self.active[si]
        exclude[np.arange(len(si)), sv] = True
        target = self._pick_vendor(m, si, exclude)
        now = self.rng.random(len(si)) < P_SWITCH_SAME_MONTH
        self._start(si[now], target[now])
        later = ~now & (target >= 0)
        np.minimum.at(self.pending, (si[later], target[later]), np.int16(m + 1))

    def _start_pending(self, m: int) -> None:
        i, v = np.nonzero(self.pending == m)
        self.pending[i, v] = NO_MONTH
        self._start(i, v)

    def _signups(self, m: int) -> None:
        a = self.acc
        new = np.nonzero(a.signup_month <= 0 if m == 0 else a.signup_month == m)[0]
        self._start(new, self._pick_vendor(m, new))
        multi = np.where(a.signup_month[new] < 0, START_MULTI[a.segment[new]], NEW_MULTI[a.segment[new]])
        second = new[self.rng.random(len(new)) < multi]
        self._start(second, self._pick_vendor(m, second, self.active[second].copy()))
        third = second[self.rng.random(len(second)) < 0.3]
        self._start(third, self._pick_vendor(m, third, self.active[third].copy()))

    def _add_vendors(self, m: int, continuing: np.ndarray) -> None:
        accounts = np.nonzero(continuing.any(axis=1))[0]
        adds = accounts[self.rng.random(len(accounts)) < ADD_VENDOR[self.acc.segment[accounts]]]
        self._start(adds, self._pick_vendor(m, adds, self.active[adds].copy()))

    def _upgrade(self, continuing: np.ndarray) -> None:
        i, v = np.nonzero(continuing & (self.plan == FREE))
        up = self.rng.random(len(i)) < P_UPGRADE
        i, v = i[up], v[up]
        self.plan[i, v] = PRO
        self.level[i, v] = self._draw_level(i, v, np.full(len(i), PRO))

    def _evolve(self, continuing: np.ndarray) -> None:
        """Expansion and contraction: a drifting random walk with occasional jumps."""
        i, v = np.nonzero(continuing)
        k = len(i)
        pro = self.plan[i, v] == PRO
        step = SPEND_DRIFT[self.acc.segment[i]] + np.where(pro, 0.04, 0.12) * self.rng.standard_normal(k)
        u = self.rng.random(k)
        jump = np.where(u < 0.03, self.rng.uniform(1.5, 2.5, k), np.where(u < 0.06, self.rng.uniform(0.35, 0.7, k), 1))
        level = self.level[i, v] * np.exp(step) * np.where(pro, 1.0, jump)
        self.level[i, v] = np.where(pro, np.clip(level, 8, 250), level)

    def _record(self, m: int) -> None:
        plan = np.where(self.active, self.plan, -1).astype(np.int8)
        self.monthly_plan[m] = plan
        paid = self.active & (self.plan != FREE)
        self.monthly_spend[m] = np.where(paid, self.level * self.cal.season[m], 0.0)
        i, v = np.nonzero(self.active)
        self.active_pairs[m] = len(i)
        weight = ROW_WEIGHT[plan[i, v]] * self.intensity[i, v]
        self.row_weight[m] = float(weight.sum()) * self.cal.season[m] * self.cal.days[m] / 30.0


# --- pass two: daily line items, one month at a time -----------------------------------------------------------------


# Arrow arrays are built from buffers: exact, fast, and without pyarrow's lazy import of pandas.


def _decimal_array(micros: np.ndarray) -> pa.Array:
    """decimal128(18, 6) from non-negative integer millionths, exactly."""
    words = np.zeros((len(micros), 2), dtype=np.int64)
    words[:, 0] = micros
    return pa.Array.from_buffers(pa.decimal128(18, 6), len(micros), [None, pa.py_buffer(words)])


def _int64_array(values: np.ndarray) -> pa.Array:
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(np.ascontiguousarray(values, np.int64))])


def _date_array(days: np.ndarray) -> pa.Array:
    """date32 from numpy datetime64[D]."""
    epoch_days = np.ascontiguousarray(days.astype("datetime64[D]").astype(np.int32))
    return pa.Array.from_buffers(pa.date32(), len(days), [None, pa.py_buffer(epoch_days)])


def _string_array(values: Sequence[str]) -> pa.Array:
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data])


class _UsageWriter:
    def __init__(self, accounts: _Accounts, market: _Market, cal: _Calendar, target: int) -> None:
        self.acc, self.market, self.cal = accounts, market, cal
        weighted = float(market.row_weight.sum())
        self.k = max(target - int(market.active_pairs.sum()), 0) / weighted if weighted else 0.0
        self.account_ids = _string_array(accounts.ids)
        self.vendor_ids = _string_array(VENDOR_IDS)
        self.plans = _string_array(PLANS)
        width = max(len(models) for models in VENDOR_MODELS.values())
        self.width = width
        names = [[""] * width for _ in VENDOR_IDS]
        self.intro = np.full((len(VENDOR_IDS), width), 10**6)
        self.price_in = np.ones((len(VENDOR_IDS), width))
        self.price_out = np.ones((len(VENDOR_IDS), width))
        for v, vendor in enumerate(VENDOR_IDS):
            for j, (model, intro, price_in, price_out) in enumerate(VENDOR_MODELS[vendor]):
                names[v][j] = model
                self.intro[v, j], self.price_in[v, j], self.price_out[v, j] = intro, price_in, price_out
        self.model_ids = _string_array([n for row in names for n in row])

    def _model_weights(self, m: int) -> np.ndarray:
        """(vendors, models): newer models take over as they ramp up over four months."""
        age = m - self.intro
        return np.where(age >= 0, np.exp(0.08 * np.minimum(self.intro, 60)) * np.clip((age + 1) / 4, 0, 1), 0.0)

    def _models(self, rng: np.random.Generator, m: int, vendors: np.ndarray) -> np.ndarray:
        """Model index per row, drawn from the vendor's model mix of the month."""
        cdf = np.cumsum(self._model_weights(m), axis=1)
        u = rng.random(len(vendors)) * cdf[vendors, -1]
        model = np.zeros(len(vendors), dtype=np.int64)
        for v in range(len(VENDOR_IDS)):
            rows = vendors == v
            model[rows] = np.searchsorted(cdf[v], u[rows], side="right")
        return np.minimum(model, self.width - 1)

    def _days(self, rng: np.random.Generator, m: int, accounts: np.ndarray) -> np.ndarray:
        """0-based day of month per row; not before sign-up; business accounts mostly on weekdays."""
        a, cal = self.acc, self.cal
        signup_day = (a.signup[accounts] - cal.starts[m]).astype(np.int64)
        low = np.where(a.signup_month[accounts] == m, signup_day, 0)
        span = cal.days[m] - low
        day = low + (rng.random(len(accounts)) * span).astype(np.int64)
        weekday = (cal.starts[m].astype(np.int64) + day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        redraw = (weekday >= 5) & (a.segment[accounts] != CONSUMER) & (rng.random(len(accounts)) < 0.7)
        fresh = low + (rng.random(len(accounts)) * span).astype(np.int64)
        return np.where(redraw, fresh, day)

    def month(self, rng: np.random.Generator, m: int) -> pa.Table:
        market, cal = self.market, self.cal
        ci, cv = np.nonzero(market.monthly_plan[m] >= 0)
        plan = market.monthly_plan[m][ci, cv]
        spend = market.monthly_spend[m][ci, cv].astype(np.float64)
        lam = self.k * ROW_WEIGHT[plan] * market.intensity[ci, cv] * cal.season[m] * cal.days[m] / 30.0
        cell = np.repeat(np.arange(len(ci)), 1 + rng.poisson(lam))
        accounts, vendors = ci[cell], cv[cell]
        day = self._days(rng, m, accounts)
        share = rng.gamma(0.8, size=len(cell))
        amount = spend[cell] * share / np.bincount(cell, share, minlength=len(ci))[cell]
        micros = np.rint(amount * 1e6).astype(np.int64)
        model = self._models(rng, m, vendors)
        price = PRICE_DECLINE**m
        ratio = np.exp(rng.normal(np.log(3.5), 0.5, len(cell)))  # input tokens per output token
        notional = np.where(micros > 0, amount, np.exp(rng.normal(np.log(0.05), 0.8, len(cell))))
        per_out = ratio * self.price_in[vendors, model] * price + self.price_out[vendors, model] * price
        tokens_out = np.rint(notional * 1e6 / per_out).astype(np.int64)
        tokens_in = np.rint(tokens_out * ratio).astype(np.int64)
        per_request = np.exp(rng.normal(np.log(2500), 0.6, len(cell)))
        requests = np.maximum(1, np.rint((tokens_in + tokens_out) / per_request)).astype(np.int64)
        order = np.lexsort((vendors, accounts, day))
        columns = {
            "account_id": self.account_ids.take(_int64_array(accounts[order])),
            "vendor_id": self.vendor_ids.take(_int64_array(vendors[order])),
            "usage_date": _date_array(cal.starts[m] + day[order]),
            "amount_usd": _decimal_array(micros[order]),
            "model_id": self.model_ids.take(_int64_array(vendors[order] * self.width + model[order])),
            "plan": self.plans.take(_int64_array(plan[cell][order])),
            "requests": _int64_array(requests[order]),
            "tokens_input": _int64_array(tokens_in[order]),
            "tokens_output": _int64_array(tokens_out[order]),
        }
        return pa.table({c.name: columns[c.name] for c in USAGE.columns})


# --- writing ---------------------------------------------------------------------------------------------------------


class _Writer:
    """Writes files atomically (a hidden temporary name, then a rename) and keeps the tally."""

    def __init__(self, landing_dir: Path, progress: Progress | None) -> None:
        self.root = landing_dir
        self.progress = progress
        self.files: list[Path] = []
        self.rows: dict[str, int] = {}

    def _target(self, relpath: str) -> tuple[Path, Path]:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        return path, path.with_name(f".{path.name}.tmp")

    def _done(self, relpath: str, path: Path, tmp: Path, rows: int) -> None:
        os.replace(tmp, path)
        key = "/".join(relpath.split("/")[:2])
        self.rows[key] = self.rows.get(key, 0) + rows
        self.files.append(path)
        if self.progress is not None:
            self.progress(f"wrote {relpath} ({rows:,} rows)")

    def csv(self, relpath: str, header: list[str], rows: list[list[str]]) -> None:
        path, tmp = self._target(relpath)
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle, lineterminator="\n")
            out.writerow(header)
            out.writerows(rows)
        self._done(relpath, path, tmp, len(rows))

    def usage_csv(self, relpath: str, table: pa.Table) -> None:
        path, tmp = self._target(relpath)
        pacsv.write_csv(table, tmp, pacsv.WriteOptions(include_header=True, quoting_style="needed"))
        self._done(relpath, path, tmp, table.num_rows)

    def parquet(self, relpath: str, table: pa.Table) -> None:
        path, tmp = self._target(relpath)
        pq.write_table(
            table,
            tmp,
            row_group_size=PARQUET_ROW_GROUP,
            compression="zstd",
            compression_level=3,
            use_dictionary=True,
            write_statistics=True,
            version="2.6",
        )
        self._done(relpath, path, tmp, table.num_rows)

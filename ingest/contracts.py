"""The landing-zone data contracts: one `Dataset` per landing folder.

A contract says which columns a file of that dataset has, which are required, how each is typed in the raw
archive, which row-level rules apply, and which columns are ids. It is the only definition of valid data:
`ingest.validate` enforces every rule row by row, the dbt sources declare the same columns, and the GX suites
and dbt tests assert nothing stricter (tests keep all three in step). The bounds below are what the
warehouse's types can hold, so a row the contract accepts never fails a later cast or gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

import polars as pl


class Kind(Enum):
    """How a landing value is parsed and stored in raw."""

    TEXT = "text"
    DATE = "date"
    MONEY = "money"  # decimal(18,6): sums are exact and independent of row order
    PRICE = "price"  # decimal(18,9): a rate, per unit, can be tiny
    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    TIMESTAMP = "timestamp"  # UTC, microseconds
    QUARTER = "quarter"  # '2025Q3' or a date inside it; stored as text plus <name>_start (date)

    @property
    def dtype(self) -> pl.DataType:
        return {
            Kind.TEXT: pl.String(),
            Kind.DATE: pl.Date(),
            Kind.MONEY: pl.Decimal(18, 6),
            Kind.PRICE: pl.Decimal(18, 9),
            Kind.FLOAT: pl.Float64(),
            Kind.INT: pl.Int64(),
            Kind.BOOL: pl.Boolean(),
            Kind.TIMESTAMP: pl.Datetime("us"),
            Kind.QUARTER: pl.String(),
        }[self]

    @property
    def sql_type(self) -> str:
        """The type the dbt sources declare: portable SQL (DuckDB reads `string` as VARCHAR; Spark needs it)."""
        return {
            Kind.TEXT: "string",
            Kind.DATE: "date",
            Kind.MONEY: "decimal(18,6)",
            Kind.PRICE: "decimal(18,9)",
            Kind.FLOAT: "double",
            Kind.INT: "bigint",
            Kind.BOOL: "boolean",
            Kind.TIMESTAMP: "timestamp",
            Kind.QUARTER: "string",
        }[self]

    @property
    def magnitude_limit(self) -> int | None:
        """Numeric kinds: every accepted value has |value| below this (None: not a number)."""
        return NUMERIC_LIMITS.get(self)

    @property
    def is_dated(self) -> bool:
        return self in (Kind.DATE, Kind.QUARTER, Kind.TIMESTAMP)


# The earliest date any dated column accepts (historical data back to at least 1970 must publish). One
# constant: the GX suites and dbt tests import it rather than repeat a bound of their own.
DATE_MIN = date(1900, 1, 1)

# Magnitudes the warehouse's types hold (a value at or above the limit is rejected with a reason):
#   MONEY  decimal(18,6): 12 digits before the point
#   PRICE  decimal(18,9): 9 digits before the point
#   FLOAT  stored as double, but the reported revenue_usd indicator is cast to decimal(38,6) for market shares
#          and summed over vendors (int_market_measures_unioned, fct_market_share): 10^24 leaves 8 digits of
#          headroom below decimal(38,6)'s 10^32, and is far above any real figure (revenues are ~10^12 USD,
#          training compute is delivered as log10 FLOP)
#   INT    bigint
NUMERIC_LIMITS: dict[Kind, int] = {
    Kind.MONEY: 10**12,
    Kind.PRICE: 10**9,
    Kind.FLOAT: 10**24,
    Kind.INT: 2**63,
}

# Ids: a vendor id is compared and stored NFC-normalised, trimmed and lower-case; an account id NFC-normalised
# and trimmed, otherwise verbatim. An id holding an invisible or control character is rejected.
IDENTITY_VENDOR = "vendor"
IDENTITY_ACCOUNT = "account"


@dataclass(frozen=True)
class Bounds:
    """What the contract accepts in one column: the limits a later gate may assert, and no stricter ones."""

    required: bool
    minimum: date | Decimal | None  # smallest accepted value (None: no lower bound)
    maximum: date | Decimal | None  # largest accepted value (numbers: |value| stays below it); not_future: today
    accepted: frozenset[str] | None  # accepted values (None: any)
    references: str | None  # the ids the value must be one of


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    accepted: tuple[str, ...] | None = None  # allowed values (for `;`-lists: allowed items)
    list_separator: str | None = None  # the value is a list of accepted items joined by this
    references: str | None = None  # "vendors" | "accounts" | "indicators": value must be known
    non_negative: bool = False
    not_future: bool = False
    identity: str | None = None  # IDENTITY_VENDOR | IDENTITY_ACCOUNT: normalised as that kind of id
    # (column, values): non-negative on the rows whose `column` is one of `values` (e.g. revenue among indicators)
    non_negative_when: tuple[str, tuple[str, ...]] | None = None
    description: str = ""

    def bounds(self, today: date) -> Bounds:
        """The contract's limits on this column as values (dates, decimals), for gates to compare against."""
        minimum: date | Decimal | None = None
        maximum: date | Decimal | None = None
        limit = self.kind.magnitude_limit
        if self.kind.is_dated:
            minimum = DATE_MIN
            maximum = today if self.not_future else None
        elif limit is not None:
            minimum = Decimal(0) if self.non_negative else Decimal(-limit)
            maximum = Decimal(limit)
        accepted = None if self.accepted is None or self.list_separator else frozenset(self.accepted)
        return Bounds(
            required=self.required,
            minimum=minimum,
            maximum=maximum,
            accepted=accepted,
            references=self.references,
        )


@dataclass(frozen=True)
class Dataset:
    source: str
    name: str
    columns: tuple[Column, ...]
    unique_key: tuple[str, ...] = ()  # a repeated key inside one file rejects the later rows
    from_package: bool = False  # loaded from an installed package or bundled files, not from landing files
    description: str = ""
    order: int = 0  # ingest order: reference data (vendors, accounts) before the rows that point at it
    keeps_history: bool = False  # ids a correction drops keep their last record (raw relation <relation>_history)

    @property
    def key(self) -> str:
        return f"{self.source}/{self.name}"

    @property
    def relation(self) -> str:
        """Name of the raw relation dbt reads (schema `raw`)."""
        return f"{self.source}__{self.name}"

    @property
    def history_relation(self) -> str:
        """Raw relation of every version that ever loaded (datasets that keep history)."""
        return f"{self.relation}_history"

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def raw_columns(self) -> list[tuple[str, Kind]]:
        """Columns of the raw archive in order: contract columns (plus derived *_start), then lineage."""
        out: list[tuple[str, Kind]] = []
        for c in self.columns:
            out.append((c.name, c.kind))
            if c.kind is Kind.QUARTER:
                out.append((f"{c.name}_start", Kind.DATE))
        return out + LINEAGE


LINEAGE: list[tuple[str, Kind]] = [
    ("_source_file", Kind.TEXT),
    ("_file_sha256", Kind.TEXT),
    ("_row_number", Kind.INT),
    ("_loaded_at", Kind.TIMESTAMP),  # UTC time of the load
]

BUSINESS_MODELS = (
    "subscription",
    "api_usage",
    "licensing",
    "advertising",
    "services",
    "hardware_bundle",
    "freemium",
    "data_platform",
)
SEGMENTS = ("enterprise", "smb", "consumer")
INDUSTRIES = (
    "finance",
    "healthcare",
    "manufacturing",
    "retail",
    "education",
    "software",
    "public_sector",
    "other",
)
PRICE_TYPES = ("input", "output", "cache_read", "cache_write", "request", "seat_month")
PLANS = ("free", "pro", "team", "enterprise", "api")
NON_NEGATIVE_INDICATORS = ("revenue_usd",)

VENDORS = Dataset(
    "market",
    "vendors",
    (
        Column(
            "vendor_id",
            required=True,
            identity=IDENTITY_VENDOR,
            description="vendor id; a genai-prices provider id where one exists",
        ),
        Column("vendor_name", required=True),
        Column("hq_region"),
        Column("primary_segment", accepted=("B2B", "B2C", "both")),
        Column("ownership", accepted=("public", "private", "open_source")),
        Column("business_models", accepted=BUSINESS_MODELS, list_separator=";"),
        Column("source", description="where the vendor record comes from; demo data says 'synthetic: ...'"),
    ),
    unique_key=("vendor_id",),
    description="vendors of models and their business profile",
    order=0,
    keeps_history=True,
)

INDICATORS = Dataset(
    "market",
    "indicators",
    (
        Column("vendor_id", required=True, references="vendors", identity=IDENTITY_VENDOR),
        Column("period", Kind.QUARTER, required=True, description="quarter '2025Q3' or a date inside it"),
        Column("indicator", required=True, references="indicators", description="code from the indicator catalog"),
        # market shares of reported revenue need revenue >= 0 (other figures, e.g. cash flow, may be negative)
        Column("value", Kind.FLOAT, required=True, non_negative_when=("indicator", NON_NEGATIVE_INDICATORS)),
        Column("unit"),
        Column("source", description="where the figure comes from: report, URL title"),
        Column("as_of", Kind.DATE, not_future=True),
    ),
    description="vendors' reported quarterly figures, long form",
    order=2,
)

PRICES = Dataset(
    "pricing",
    "prices",
    (
        Column("vendor_id", required=True, references="vendors", identity=IDENTITY_VENDOR),
        Column("model_id", required=True),
        Column("price_type", required=True, accepted=PRICE_TYPES),
        Column("usd_per_unit", Kind.PRICE, required=True, non_negative=True),
        Column("effective_from", Kind.DATE, required=True),
        Column("unit", description="e.g. mtok (million tokens), request, seat_month"),
        Column("source"),
    ),
    description="users' own price lists",
    order=2,
)

ACCOUNTS = Dataset(
    "customers",
    "accounts",
    (
        Column("account_id", required=True, identity=IDENTITY_ACCOUNT),
        Column("segment", accepted=SEGMENTS),
        Column("industry", accepted=INDUSTRIES),
        Column("region"),
        Column("signup_date", Kind.DATE, not_future=True),
    ),
    unique_key=("account_id",),
    description="the panel of buying accounts",
    order=0,
    keeps_history=True,
)

USAGE = Dataset(
    "customers",
    "usage",
    (
        Column("account_id", required=True, references="accounts", identity=IDENTITY_ACCOUNT),
        Column("vendor_id", required=True, references="vendors", identity=IDENTITY_VENDOR),
        Column("usage_date", Kind.DATE, required=True, not_future=True),
        Column("amount_usd", Kind.MONEY, required=True, non_negative=True),
        Column("model_id"),
        Column("plan", accepted=PLANS),
        Column("requests", Kind.INT, non_negative=True),
        Column("tokens_input", Kind.INT, non_negative=True),
        Column("tokens_output", Kind.INT, non_negative=True),
    ),
    description="daily spend line items per account and vendor (several rows a day are legal and all count)",
    order=3,
)

GENAI_PRICES = Dataset(
    "pricing",
    "genai_prices",
    (
        Column("provider_id", required=True, identity=IDENTITY_VENDOR),
        Column("provider_name"),
        Column("model_id", required=True),
        Column("model_name"),
        Column("context_window", Kind.INT),
        Column("deprecated", Kind.BOOL),
        Column("price_key", description="genai-prices price field, e.g. input_mtok, requests_kcount"),
        Column("price_type", description="input|output|cache_read|cache_write|request|... (null: no price)"),
        Column("unit", description="mtok (per million tokens), kcount (per thousand requests), ..."),
        Column("usd_per_unit", Kind.PRICE, non_negative=True),
        Column(
            "tier_start", Kind.INT, non_negative=True, description="tiered price: applies from this many input tokens"
        ),
        Column("valid_from", Kind.DATE, description="start date of a price change (null: the original price)"),
        Column("condition", description="time-of-day window or request variant the price is limited to"),
        Column("package_version"),
    ),
    from_package=True,
    description="model prices from the installed genai-prices package",
    order=1,
)

REFERENCE_INDICATORS = Dataset(
    "reference",
    "indicators",
    INDICATORS.columns,
    from_package=True,
    description="real indicator observations from the public reference data bundled in ingest/reference/",
    order=2,
)

DATASETS: tuple[Dataset, ...] = tuple(
    sorted((VENDORS, INDICATORS, PRICES, ACCOUNTS, USAGE, GENAI_PRICES, REFERENCE_INDICATORS), key=lambda d: d.order)
)
LANDING_DATASETS: tuple[Dataset, ...] = tuple(d for d in DATASETS if not d.from_package)
EXTENSIONS = (".csv", ".parquet", ".json")


def dataset(source: str, name: str) -> Dataset:
    for d in DATASETS:
        if d.source == source and d.name == name:
            return d
    raise KeyError(f"{source}/{name}")


# --- the archive's own bookkeeping, also registered as raw relations for dbt -----------------------
LOAD_LOG_COLUMNS: list[tuple[str, Kind]] = [
    ("load_id", Kind.TEXT),
    ("run_id", Kind.TEXT),
    ("source", Kind.TEXT),
    ("dataset", Kind.TEXT),
    ("source_file", Kind.TEXT),  # path under landing/, or 'genai-prices@<version>'
    ("file_sha256", Kind.TEXT),
    ("file_bytes", Kind.INT),
    ("status", Kind.TEXT),  # loaded | duplicate | quarantined | refused | unrecognised
    ("reason", Kind.TEXT),
    ("delivered_rows", Kind.INT),
    ("loaded_rows", Kind.INT),
    ("rejected_rows", Kind.INT),
    ("raw_path", Kind.TEXT),
    ("quarantine_path", Kind.TEXT),
    ("replaces_sha256", Kind.TEXT),  # a re-delivery (correction) of the same path replaces this version
    ("loaded_at", Kind.TIMESTAMP),
]

REJECTED_ROWS_COLUMNS: list[tuple[str, Kind]] = [
    ("source", Kind.TEXT),
    ("dataset", Kind.TEXT),
    ("source_file", Kind.TEXT),
    ("file_sha256", Kind.TEXT),
    ("row_number", Kind.INT),  # 1-based data row in the file (the header and blank lines are not counted)
    ("reason", Kind.TEXT),
    ("row_json", Kind.TEXT),  # the delivered row as JSON, values as text
    ("loaded_at", Kind.TIMESTAMP),
]

AUDIT_RELATIONS: dict[str, list[tuple[str, Kind]]] = {
    "audit__load_log": LOAD_LOG_COLUMNS,
    "audit__rejected_rows": REJECTED_ROWS_COLUMNS,
}


def raw_relations() -> dict[str, list[tuple[str, Kind]]]:
    """Every relation of schema `raw` with its columns: the datasets, their histories and the audit logs."""
    histories = {d.history_relation: d.raw_columns for d in DATASETS if d.keeps_history}
    return {d.relation: d.raw_columns for d in DATASETS} | histories | AUDIT_RELATIONS

"""Validate a landing frame against its dataset contract (DESIGN §3).

File-level problems raise `FileProblem` (the whole file is quarantined): a required column is missing, or a
column's values cannot be parsed as its type (numbers, Parquet columns of the wrong type). Row-level problems
give the row a reject reason (null key, unparseable or future date, negative amount, value not accepted,
unknown vendor/account/indicator, repeated key); the other rows load.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from ingest.contracts import Column, Dataset, Kind
from ingest.readers import FileProblem

ROW_NUMBER = "_row_number"
REASON = "_reject_reason"
_DATE_TEXT = r"^\s*\d{4}-\d{1,2}-\d{1,2}(?:[T ][0-9:.+\-Z]*)?\s*$"
_QUARTER_TEXT = r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$"


@dataclass(frozen=True)
class KnownIds:
    """Ids a row may refer to: `references` in the contract name one of these sets."""

    vendors: Collection[str] = ()
    accounts: Collection[str] = ()
    indicators: Collection[str] = ()

    def for_reference(self, name: str) -> list[str]:
        return sorted({"vendors": self.vendors, "accounts": self.accounts, "indicators": self.indicators}[name])


@dataclass
class Validated:
    """The typed frame with a reject reason per row (null = the row loads), and the output columns."""

    frame: pl.LazyFrame
    columns: list[str]
    extras: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> pl.LazyFrame:
        return self.frame.filter(pl.col(REASON).is_null()).select(self.columns)

    @property
    def rejected(self) -> pl.LazyFrame:
        return self.frame.filter(pl.col(REASON).is_not_null())


def _text(name: str) -> pl.Expr:
    """Text with surrounding blanks trimmed; empty means missing. Ids stay otherwise verbatim."""
    value = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value)


def _parse_date(name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, is-unparseable) for a date column."""
    if dtype == pl.Date:
        return pl.col(name), pl.lit(False)
    if isinstance(dtype, pl.Datetime):
        return pl.col(name).dt.date(), pl.lit(False)
    if dtype != pl.String:
        raise FileProblem(f"column {name} has type {dtype} in the file; expected a date")
    text = _text(name)
    looks_like_date = text.str.contains(_DATE_TEXT)
    parsed = pl.when(looks_like_date).then(
        text.str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})", 1).str.to_date("%Y-%m-%d", strict=False)
    )
    return parsed, text.is_not_null() & parsed.is_null()


def _parse_quarter(name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(first day of the quarter, is-unparseable): '2025Q3', '2025-Q3' or any date inside the quarter."""
    as_date, _ = _parse_date(name, dtype) if dtype != pl.String else (None, None)
    if as_date is None:
        text = _text(name)
        year = text.str.extract(_QUARTER_TEXT, 1).cast(pl.Int32, strict=False)
        quarter = text.str.extract(_QUARTER_TEXT, 2).cast(pl.Int32, strict=False)
        from_quarter = pl.date(year, (quarter - 1) * 3 + 1, 1)
        from_date, _ = _parse_date(name, pl.String())
        as_date = pl.coalesce(from_quarter, from_date)
        missing = text.is_null()
    else:
        missing = pl.col(name).is_null()
    start = pl.date(as_date.dt.year(), (as_date.dt.month() - 1) // 3 * 3 + 1, 1)
    return start, ~missing & start.is_null()


_NUMERIC_TARGET = {
    Kind.MONEY: Kind.MONEY.dtype,
    Kind.PRICE: Kind.PRICE.dtype,
    Kind.FLOAT: pl.Float64,
    Kind.INT: pl.Int64,
}


def _parse_number(name: str, kind: Kind, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, is-unparseable) for numeric kinds; unparseable numbers are a file-level problem."""
    target = _NUMERIC_TARGET[kind]
    if dtype.is_numeric():
        source = pl.col(name)
        present = source.is_not_null()
    elif dtype == pl.String:
        source = _text(name)
        present = source.is_not_null()
    else:
        raise FileProblem(f"column {name} has type {dtype} in the file; expected a number")
    if kind is Kind.INT:
        as_float = source.cast(pl.Float64, strict=False)
        whole = as_float.is_not_null() & (as_float == as_float.floor()) & (as_float.abs() < 2**62)
        value = pl.when(whole).then(as_float.cast(pl.Int64, strict=False))
        if dtype.is_integer():
            value = source.cast(pl.Int64, strict=False)
    else:
        value = source.cast(target, strict=False)
        if kind is Kind.FLOAT:
            value = pl.when(value.is_finite()).then(value)
    return value, present & value.is_null()


def _parse_bool(name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    if dtype == pl.Boolean:
        return pl.col(name), pl.lit(False)
    text = _text(name).str.to_lowercase()
    value = (
        pl.when(text.is_in(["true", "1", "yes", "t", "y"]))
        .then(True)
        .when(text.is_in(["false", "0", "no", "f", "n"]))
        .then(False)
    )
    return value, text.is_not_null() & value.is_null()


def _typed(column: Column, dtype: pl.DataType | None) -> tuple[pl.Expr, pl.Expr | None, pl.Expr | None]:
    """(typed value, file-level bad-type flag, row-level unparseable flag) for one contract column."""
    if dtype is None:  # optional column not delivered
        return pl.lit(None, dtype=column.kind.dtype), None, None
    if column.kind is Kind.TEXT:
        return _text(column.name), None, None
    if column.kind is Kind.DATE:
        value, bad = _parse_date(column.name, dtype)
        return value, None, bad
    if column.kind is Kind.QUARTER:
        value, bad = _parse_quarter(column.name, dtype)
        return _text(column.name), None, bad  # the text is kept; the start date is added separately
    if column.kind is Kind.BOOL:
        value, bad = _parse_bool(column.name, dtype)
        return value, bad, None
    value, bad = _parse_number(column.name, column.kind, dtype)
    return value, bad, None


def validate(frame: pl.LazyFrame, dataset: Dataset, known: KnownIds, today: date) -> Validated:
    """Type the frame, check file-level problems eagerly, and attach a row-level reject reason."""
    schema = frame.collect_schema()
    missing = [c for c in dataset.required if c not in schema]
    if missing:
        found = ", ".join(schema.names()) or "none"
        hint = ""
        if len(schema) == 1 and any(sep in schema.names()[0] for sep in ";\t|"):
            hint = "; the file looks delimited by something other than ',' (use commas)"
        raise FileProblem(f"missing required column(s): {', '.join(missing)} (found: {found}){hint}")

    lineage_names = {"_source_file", "_file_sha256", "_loaded_at", ROW_NUMBER}
    contract_names = {c.name for c in dataset.columns} | {f"{c.name}_start" for c in dataset.columns}
    extras = [n for n in schema.names() if n not in contract_names and n not in lineage_names]

    typed: dict[str, pl.Expr] = {}
    type_checks: dict[str, pl.Expr] = {}
    unparseable: dict[str, pl.Expr] = {}
    for column in dataset.columns:
        value, bad_type, bad_row = _typed(column, schema.get(column.name))
        typed[column.name] = value.cast(column.kind.dtype).alias(column.name)
        if column.kind is Kind.QUARTER and column.name in schema:
            start, _ = _parse_quarter(column.name, schema[column.name])
            typed[f"{column.name}_start"] = start.alias(f"{column.name}_start")
        elif column.kind is Kind.QUARTER:
            typed[f"{column.name}_start"] = pl.lit(None, dtype=pl.Date).alias(f"{column.name}_start")
        if bad_type is not None:
            type_checks[column.name] = bad_type
        if bad_row is not None:
            unparseable[column.name] = bad_row

    _raise_on_bad_types(frame, type_checks)

    original = schema.names()
    with_index = frame.with_row_index(ROW_NUMBER, offset=1).with_columns(pl.col(ROW_NUMBER).cast(pl.Int64))
    raw_json = pl.struct([pl.col(n).cast(pl.String) for n in original]).struct.json_encode().alias("_row_json")
    # Flags are computed on the delivered values, before typing replaces them.
    flags = [unparseable[n].alias(f"_bad_{n}") for n in unparseable]
    flags += [_shown(n).alias(f"_orig_{n}") for n in unparseable]
    flags += [_text(c.name).is_null().alias(f"_missing_{c.name}") for c in dataset.columns if c.required]
    staged = with_index.with_columns(raw_json, *flags).with_columns(
        [typed[n] for n in typed] + [pl.col(n).cast(pl.String) for n in extras]
    )
    staged = staged.with_columns(_reason(dataset, known, today, list(unparseable)).alias(REASON))
    out_columns = [name for name, _ in dataset.raw_columns if not name.startswith("_")] + extras + [ROW_NUMBER]
    return Validated(frame=staged, columns=out_columns, extras=extras)


def _raise_on_bad_types(frame: pl.LazyFrame, checks: dict[str, pl.Expr]) -> None:
    if not checks:
        return
    indexed = frame.with_row_index("_row", offset=1)
    summary = indexed.select(
        *[check.sum().alias(f"{name}__n") for name, check in checks.items()],
        *[pl.col("_row").filter(check).first().alias(f"{name}__row") for name, check in checks.items()],
        *[pl.col(name).cast(pl.String).filter(check).first().alias(f"{name}__v") for name, check in checks.items()],
    ).collect()
    problems = []
    for name in checks:
        count = summary[f"{name}__n"][0] or 0
        if count:
            example = summary[f"{name}__v"][0]
            problems.append(
                f"column {name}: {count} value(s) are not of its type (first at row {summary[f'{name}__row'][0]}: "
                f"{_clip(example)!r})"
            )
    if problems:
        raise FileProblem("; ".join(problems))


def _clip(value: object, limit: int = 60) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _shown(name: str) -> pl.Expr:
    """The delivered value, clipped, for a reason message."""
    text = pl.col(name).cast(pl.String)
    return pl.when(text.str.len_chars() > 60).then(text.str.slice(0, 60) + "…").otherwise(text)


def _reason(dataset: Dataset, known: KnownIds, today: date, unparseable: list[str]) -> pl.Expr:
    """The first problem of each row, as a human-readable reason, or null."""
    rules: list[pl.Expr] = [
        pl.when(pl.col(f"_missing_{c.name}")).then(pl.lit(f"missing {c.name}")) for c in dataset.columns if c.required
    ]
    rules += [
        pl.when(pl.col(f"_bad_{n}")).then(pl.format("unparseable {} '{}'", pl.lit(n), pl.col(f"_orig_{n}")))
        for n in unparseable
    ]
    for column in dataset.columns:
        name = column.name
        if column.not_future:
            rules.append(
                pl.when(pl.col(name) > pl.lit(today)).then(
                    pl.format("{} {} is in the future", pl.lit(name), pl.col(name).cast(pl.String))
                )
            )
        if column.non_negative:
            rules.append(
                pl.when(pl.col(name) < 0).then(pl.format("negative {} {}", pl.lit(name), pl.col(name).cast(pl.String)))
            )
        if column.accepted is not None:
            allowed = "|".join(column.accepted)
            if column.list_separator:
                items = pl.col(name).str.split(column.list_separator).list.eval(pl.element().str.strip_chars())
                bad = items.list.eval(~pl.element().is_in(list(column.accepted))).list.any()
            else:
                bad = ~pl.col(name).is_in(list(column.accepted))
            rules.append(
                pl.when(pl.col(name).is_not_null() & bad).then(
                    pl.format("{} '{}' is not one of {}", pl.lit(name), _shown(name), pl.lit(allowed))
                )
            )
        if column.references is not None:
            ids = known.for_reference(column.references)
            rules.append(
                pl.when(pl.col(name).is_not_null() & ~pl.col(name).is_in(ids)).then(
                    pl.format("unknown {} '{}'", pl.lit(name), _shown(name))
                )
            )
    for key in dataset.unique_key:
        first_row = pl.col(ROW_NUMBER).min().over(key)
        rules.append(
            pl.when(pl.col(key).is_not_null() & (pl.col(ROW_NUMBER) != first_row)).then(
                pl.format("duplicate {} '{}' (first at row {})", pl.lit(key), _shown(key), first_row)
            )
        )
    return pl.coalesce(rules) if rules else pl.lit(None, dtype=pl.String)

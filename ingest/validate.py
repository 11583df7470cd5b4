"""Validate a landing frame against its dataset contract.

File-level problems raise `FileProblem` (the whole file is quarantined): a required column is missing, or a
column's values cannot be parsed as its type (numbers, Parquet columns of the wrong type). Row-level problems
give the row a reject reason (null key, unparseable, future or too early date, negative amount, a number the
warehouse cannot hold, value not accepted, an id with an invisible character, unknown vendor/account/indicator,
repeated key); the other rows load.

Id columns are normalised before any rule compares them (`ingest.contracts`: vendor ids NFC, trimmed and
lower-case; account ids NFC and trimmed), so 'OpenAI', ' openai' and a decomposed accent are one id, and two
ids of one file that normalise alike are a repeated key whose reason shows both delivered forms.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import polars as pl

from ingest.contracts import DATE_MIN, IDENTITY_VENDOR, Column, Dataset, Kind
from ingest.readers import FileProblem

ROW_NUMBER = "_row_number"
REASON = "_reject_reason"
_DATE_TEXT = r"^\s*\d{4}-\d{1,2}-\d{1,2}(?:[T ][0-9:.+\-Z]*)?\s*$"
_BASIC_DATE_TEXT = r"^\d{8}$"  # ISO 8601 basic format: 19970210
_QUARTER_TEXT = r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$"
# a number written out (sign, digits, point, exponent): too large for its type is a row problem, not a file one
_NUMBER_TEXT = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
# characters an id must not hold: controls, format characters (zero-width space and joiners, bidi marks, BOM),
# private-use and unassigned code points, line/paragraph separators, default-ignorable characters (variation
# selectors, fillers) and every space but the plain one (a no-break space looks like a space)
INVISIBLE = r"[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}[\p{Zs}&&[^ ]]]"


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
    """Text with surrounding blanks trimmed; empty means missing."""
    value = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value)


def normalised_id(name: str, identity: str) -> pl.Expr:
    """An id as the warehouse compares it: NFC, trimmed; vendor ids also lower-case (Unicode case mapping
    respects canonical equivalence, so lower-casing before NFC gives one id per spelling, in one pass)."""
    value = _text(name)
    if identity == IDENTITY_VENDOR:
        value = value.str.to_lowercase()
    return value.str.normalize("NFC")


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
    extended = pl.when(looks_like_date).then(
        text.str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})", 1).str.to_date("%Y-%m-%d", strict=False)
    )
    basic = pl.when(text.str.contains(_BASIC_DATE_TEXT)).then(text.str.to_date("%Y%m%d", strict=False))
    parsed = pl.coalesce(extended, basic)
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


def _parse_number(name: str, kind: Kind, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(typed value, is-unparseable, is-out-of-range) for numeric kinds.

    Unparseable numbers are a file-level problem; a number beyond what the kind holds (`Kind.magnitude_limit`)
    rejects its row. Out-of-range values are nulled before the cast, so no cast ever fails on them.
    """
    target = _NUMERIC_TARGET[kind]
    limit = float(kind.magnitude_limit or 0)
    if dtype.is_numeric():
        source = pl.col(name)
        number_like = source.cast(pl.Float64, strict=False).is_finite()
    elif dtype == pl.String:
        source = _text(name)
        number_like = source.str.contains(_NUMBER_TEXT)
    else:
        raise FileProblem(f"column {name} has type {dtype} in the file; expected a number")
    present = source.is_not_null()
    as_float = source.cast(pl.Float64, strict=False)
    in_range = as_float.is_finite() & (as_float.abs() < limit)
    if kind is Kind.INT:
        # exact for integer text and integer columns (a float column's cast would truncate)
        exact = pl.lit(None, dtype=pl.Int64) if dtype.is_float() else source.cast(pl.Int64, strict=False)
        whole = in_range & (as_float == as_float.floor())
        value = pl.coalesce(exact, pl.when(whole).then(as_float).cast(pl.Int64, strict=False))
        out_of_range = present & value.is_null() & number_like & ~in_range
    elif kind is Kind.FLOAT:
        value = pl.when(in_range).then(as_float)
        out_of_range = present & number_like & ~in_range
    elif dtype == pl.String:  # a decimal parsed from text is exact: null when it does not fit the type
        value = source.cast(target, strict=False)
        out_of_range = present & value.is_null() & number_like
    else:  # a number column: values outside the type would make the cast raise
        if isinstance(dtype, pl.Decimal):  # exact, as rounded to the target's scale (a float would round up)
            in_range = source.round(target.scale).abs() < pl.lit(Decimal(kind.magnitude_limit or 0))
        value = pl.when(in_range).then(source).cast(target, strict=False)
        out_of_range = present & number_like & ~in_range
    return value, present & value.is_null() & ~out_of_range, out_of_range


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


@dataclass(frozen=True)
class _Typing:
    """One contract column typed: the value, and the flags computed on the delivered value."""

    value: pl.Expr
    bad_type: pl.Expr | None = None  # file-level: values that are not of the column's type
    unparseable: pl.Expr | None = None  # row-level: a date or quarter that does not parse
    out_of_range: pl.Expr | None = None  # row-level: a number the warehouse cannot hold
    invisible: pl.Expr | None = None  # row-level: the first invisible or control character of an id


def _typed(column: Column, dtype: pl.DataType | None) -> _Typing:
    """Type one contract column; flags are None where the rule does not apply."""
    if dtype is None:  # optional column not delivered
        return _Typing(pl.lit(None, dtype=column.kind.dtype))
    if column.kind is Kind.TEXT and column.identity is not None:
        first_invisible = _text(column.name).str.extract(f"({INVISIBLE})", 1)
        return _Typing(normalised_id(column.name, column.identity), invisible=first_invisible)
    if column.kind is Kind.TEXT:
        return _Typing(_text(column.name))
    if column.kind is Kind.DATE:
        value, bad = _parse_date(column.name, dtype)
        return _Typing(value, unparseable=bad)
    if column.kind is Kind.QUARTER:
        _, bad = _parse_quarter(column.name, dtype)
        return _Typing(_text(column.name), unparseable=bad)  # the text is kept; the start date is added apart
    if column.kind is Kind.BOOL:
        value, bad = _parse_bool(column.name, dtype)
        return _Typing(value, bad_type=bad)
    value, bad, out_of_range = _parse_number(column.name, column.kind, dtype)
    return _Typing(value, bad_type=bad, out_of_range=out_of_range)


_FLAG_PREFIXES = ("missing", "bad", "range", "invisible", "orig")


def reserved_names(dataset: Dataset) -> set[str]:
    """Column names the archive uses itself (lineage, and the working columns of validation): a delivered
    column of that name would be overwritten, so the file is quarantined instead."""
    lineage = {name for name, _ in dataset.raw_columns if name.startswith("_")}
    flags = {f"_{prefix}_{c.name}" for prefix in _FLAG_PREFIXES for c in dataset.columns}
    return lineage | flags | {ROW_NUMBER, REASON, "_row_json", "_row"}


def _as_plain_columns(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Columns a Parquet file may hold that no rule reads: all-null columns (type Null, as pandas and Arrow
    write a column with no values) become text nulls; nested values (lists, structs) become JSON text; bytes
    become text (hex when they are not UTF-8); durations ISO 8601 text."""
    schema = frame.collect_schema()
    plain = []
    for name, dtype in schema.items():
        if dtype == pl.Null:
            plain.append(pl.col(name).cast(pl.String))
        elif dtype == pl.Binary:  # strings some writers store as plain bytes; bytes that are not UTF-8 as hex
            plain.append(pl.col(name).map_elements(_bytes_as_text, return_dtype=pl.String))
        elif isinstance(dtype, pl.Duration):
            plain.append(pl.col(name).dt.to_string())  # ISO 8601, e.g. PT5S
        elif isinstance(dtype, pl.Struct):
            plain.append(pl.col(name).struct.json_encode())
        elif isinstance(dtype, (pl.List, pl.Array)):
            wrapped = pl.struct(pl.col(name).alias("v")).struct.json_encode()
            as_json = wrapped.str.strip_prefix('{"v":').str.strip_suffix("}")
            plain.append(pl.when(pl.col(name).is_not_null()).then(as_json).alias(name))
    return frame.with_columns(plain) if plain else frame


def _bytes_as_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.hex()


def validate(frame: pl.LazyFrame, dataset: Dataset, known: KnownIds, today: date) -> Validated:
    """Type the frame, check file-level problems eagerly, and attach a row-level reject reason.

    A frame with no columns has no records (an empty JSON array): it loads no rows."""
    frame = _as_plain_columns(frame)
    schema = frame.collect_schema()
    if not schema.names():
        frame = pl.DataFrame(schema={name: pl.String for name in dataset.required}).lazy()
        schema = frame.collect_schema()
    taken = sorted(reserved_names(dataset).intersection(schema.names()))
    if taken:
        raise FileProblem(
            f"column name(s) {', '.join(taken)} are the archive's own (lineage or validation); rename them"
        )
    missing = [c for c in dataset.required if c not in schema]
    if missing:
        found = ", ".join(schema.names()) or "none"
        hint = ""
        if len(schema) == 1 and any(sep in schema.names()[0] for sep in ";\t|"):
            hint = "; the file looks delimited by something other than ',' (use commas)"
        raise FileProblem(f"missing required column(s): {', '.join(missing)} (found: {found}){hint}")

    contract_names = {name for name, _ in dataset.raw_columns}  # a delivered `<quarter>_start` is derived again
    extras = [n for n in schema.names() if n not in contract_names]

    typed: dict[str, pl.Expr] = {}
    type_checks: dict[str, pl.Expr] = {}
    flags: list[pl.Expr] = []  # computed on the delivered values, before typing replaces them
    for column in dataset.columns:
        name = column.name
        typing = _typed(column, schema.get(name))
        typed[name] = typing.value.cast(column.kind.dtype).alias(name)
        if column.kind is Kind.QUARTER and name in schema:
            start, _ = _parse_quarter(name, schema[name])
            typed[f"{name}_start"] = start.alias(f"{name}_start")
        elif column.kind is Kind.QUARTER:
            typed[f"{name}_start"] = pl.lit(None, dtype=pl.Date).alias(f"{name}_start")
        if typing.bad_type is not None:
            type_checks[name] = typing.bad_type
        for flag, expr in (
            ("bad", typing.unparseable),
            ("range", typing.out_of_range),
            ("invisible", typing.invisible),
        ):
            if expr is not None:
                flags.append(expr.alias(f"_{flag}_{name}"))
        flagged = (typing.unparseable, typing.out_of_range, typing.invisible)
        if name in schema and (name in dataset.unique_key or any(f is not None for f in flagged)):
            flags.append(_shown(name).alias(f"_orig_{name}"))  # the delivered value, for the reason

    _raise_on_bad_types(frame, type_checks)

    original = schema.names()
    with_index = frame.with_row_index(ROW_NUMBER, offset=1).with_columns(pl.col(ROW_NUMBER).cast(pl.Int64))
    raw_json = pl.struct([pl.col(n).cast(pl.String) for n in original]).struct.json_encode().alias("_row_json")
    flags += [_text(c.name).is_null().alias(f"_missing_{c.name}") for c in dataset.columns if c.required]
    staged = with_index.with_columns(raw_json, *flags).with_columns(
        [typed[n] for n in typed] + [pl.col(n).cast(pl.String) for n in extras]
    )
    flag_names = set(staged.collect_schema().names())
    staged = staged.with_columns(_reason(dataset, known, today, flag_names).alias(REASON))
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


def _reason(dataset: Dataset, known: KnownIds, today: date, flags: set[str]) -> pl.Expr:
    """The first problem of each row, as a human-readable reason naming the column and value, or null."""
    rules: list[pl.Expr] = [
        pl.when(pl.col(f"_missing_{c.name}")).then(pl.lit(f"missing {c.name}")) for c in dataset.columns if c.required
    ]
    for column in dataset.columns:
        name = column.name
        if f"_bad_{name}" in flags:
            rules.append(
                pl.when(pl.col(f"_bad_{name}")).then(pl.format("unparseable {} '{}'", pl.lit(name), _orig(name)))
            )
        if f"_invisible_{name}" in flags:
            code_point = pl.col(f"_invisible_{name}").map_elements(_code_point, return_dtype=pl.String)
            rules.append(
                pl.when(pl.col(f"_invisible_{name}").is_not_null()).then(
                    pl.format(
                        "{} '{}' contains an invisible or control character ({})",
                        pl.lit(name),
                        _orig(name),
                        code_point,
                    )
                )
            )
        if f"_range_{name}" in flags:
            rules.append(
                pl.when(pl.col(f"_range_{name}")).then(
                    pl.format(
                        "{} '{}' is out of range (|value| < {} for {})",
                        pl.lit(name),
                        _orig(name),
                        pl.lit(_power(column.kind.magnitude_limit or 0)),
                        pl.lit(column.kind.value),
                    )
                )
            )
    for column in dataset.columns:
        name = column.name
        if column.kind in (Kind.DATE, Kind.QUARTER):
            dated = f"{name}_start" if column.kind is Kind.QUARTER else name
            rules.append(
                pl.when(pl.col(dated) < pl.lit(DATE_MIN)).then(
                    pl.format("{} {} is before {}", pl.lit(name), _shown(name), pl.lit(DATE_MIN.isoformat()))
                )
            )
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
        if column.non_negative_when is not None:
            other, values = column.non_negative_when
            rules.append(
                pl.when(pl.col(other).is_in(list(values)) & (pl.col(name) < 0)).then(
                    pl.format("negative {} for {} {}", pl.lit(name), pl.col(other), pl.col(name).cast(pl.String))
                )
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
        rules.append(_duplicate(key, f"_orig_{key}" in flags))
    return pl.coalesce(rules) if rules else pl.lit(None, dtype=pl.String)


def _duplicate(key: str, delivered: bool) -> pl.Expr:
    """A repeated key rejects the later rows; when the two were delivered differently, the reason shows both."""
    first_row = pl.col(ROW_NUMBER).min().over(key)
    reason = pl.format("duplicate {} '{}' (first at row {})", pl.lit(key), _shown(key), first_row)
    if delivered:
        first_as = pl.col(f"_orig_{key}").sort_by(ROW_NUMBER).first().over(key)
        spelled_apart = pl.format(
            "duplicate {} '{}' (first at row {} as '{}'; delivered here as '{}')",
            pl.lit(key),
            _shown(key),
            first_row,
            first_as,
            pl.col(f"_orig_{key}"),
        )
        reason = pl.when(pl.col(f"_orig_{key}") != first_as).then(spelled_apart).otherwise(reason)
    return pl.when(pl.col(key).is_not_null() & (pl.col(ROW_NUMBER) != first_row)).then(reason)


def _orig(name: str) -> pl.Expr:
    return pl.col(f"_orig_{name}")


def _power(limit: int) -> str:
    """10**12 as '10^12', 2**63 as '2^63'."""
    for base in (10, 2):
        exponent = len(str(limit)) - 1 if base == 10 else limit.bit_length() - 1
        if base**exponent == limit:
            return f"{base}^{exponent}"
    return str(limit)


def _code_point(character: str) -> str:
    return f"U+{ord(character):04X}"

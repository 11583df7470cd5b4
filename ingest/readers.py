"""Read a landing file (CSV, Parquet, JSON) into a lazy Polars frame, or say why it cannot be read.

CSV and JSON values arrive as text and are typed by `ingest.validate`; Parquet keeps its own types. A JSON
integer too long for Python's int conversion stays the text it was delivered as. A CSV line with no values
(blank, or separators only, as spreadsheets append) is not a row. Column names are trimmed and lower-cased.
Nothing here judges the content against a contract.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import polars as pl

NOT_UTF8 = "not valid UTF-8; save the file as UTF-8"


class FileProblem(Exception):
    """The whole file cannot be loaded; the message is the quarantine reason shown to the user."""


# Columns one file may have: the widest contract has a dozen, and typing a file costs time that grows faster
# than its number of columns (5,000 columns take minutes), so a wider file is refused rather than read.
MAX_COLUMNS = 500


def _normalised_names(names: list[str]) -> dict[str, str]:
    if len(names) > MAX_COLUMNS:
        raise FileProblem(f"the file has {len(names):,} columns; at most {MAX_COLUMNS} are read")
    cleaned = [n.strip().lstrip("\ufeff").strip().lower() for n in names]
    duplicates = sorted(n for n, count in Counter(cleaned).items() if count > 1)
    if duplicates:
        raise FileProblem(f"duplicate column name(s): {', '.join(duplicates)}")
    if any(n == "" for n in cleaned):
        raise FileProblem("a column has an empty name")
    return dict(zip(names, cleaned, strict=True))


def _read_csv(path: Path) -> pl.LazyFrame:
    if path.stat().st_size == 0:
        raise FileProblem("the file is empty (no header)")
    sample_size = 1 << 16
    with path.open("rb") as handle:
        head = handle.read(sample_size)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        cut_at_end = len(head) == sample_size and err.start >= len(head) - 4  # a character split by the sample
        if not cut_at_end:
            raise FileProblem(NOT_UTF8 + f" (first bad byte at offset {err.start})") from None
    if len(head) == sample_size and b"\n" not in head and b"\r" not in head:
        raise FileProblem(f"the header line is longer than {sample_size // 1024} KiB (too many or too long names)")
    header = next(csv.reader(io.StringIO(head.decode("utf-8", errors="replace").lstrip("\ufeff"))), [])
    _normalised_names(header)  # Polars would silently rename a repeated column; say so instead
    try:
        frame = pl.scan_csv(path, infer_schema=False, encoding="utf8", quote_char='"', raise_if_empty=True)
        names = frame.collect_schema().names()
    except (pl.exceptions.PolarsError, OSError) as err:
        raise FileProblem(f"unreadable CSV: {first_line(err)}") from None
    blank = pl.all_horizontal(pl.all().is_null())  # a blank line, or one of separators only, is no row
    return frame.rename(_normalised_names(names)).filter(~blank)


def first_long_row(path: Path) -> str | None:
    """Where a CSV row holds more values than its header has names: 'row N has X values for Y columns'."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        rows = csv.reader(handle)
        width = len(next(rows, []))
        for number, row in enumerate((r for r in rows if any(r)), start=1):  # blank lines are no rows
            if len(row) > width:
                return f"row {number} has {len(row)} values for {width} columns"
    return None


def _read_parquet(path: Path) -> pl.LazyFrame:
    try:
        frame = pl.scan_parquet(path)
        names = frame.collect_schema().names()
    except (pl.exceptions.PolarsError, OSError) as err:
        raise FileProblem(f"unreadable Parquet: {first_line(err)}") from None
    return frame.rename(_normalised_names(names))


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_INT_DIGITS = 4000  # below Python's limit on int <-> str conversion (4300 digits by default)


def _int_or_text(text: str) -> int | str:
    return int(text) if len(text) <= _INT_DIGITS else text


def _loads(text: str) -> object:
    return json.loads(text, parse_int=_int_or_text)


def _read_json(path: Path) -> pl.LazyFrame:
    """A JSON array of objects, or newline-delimited JSON objects."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(NOT_UTF8) from None
    if not text.strip():
        raise FileProblem("the file is empty")
    try:
        return _json_frame(text)
    except RecursionError:
        raise FileProblem("JSON nested too deeply to read (objects or arrays inside each other)") from None


def _json_frame(text: str) -> pl.LazyFrame:
    try:
        data = _loads(text)
        records = data if isinstance(data, list) else [data]
    except json.JSONDecodeError as err:
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            try:
                records.extend([_loads(line)] if line.strip() else [])
            except json.JSONDecodeError as line_err:
                # 'Extra data': the first value parsed, so the file is one object per line; say which line fails
                where = (
                    (line_err.msg, number, line_err.colno)
                    if err.msg == "Extra data"
                    else (err.msg, err.lineno, err.colno)
                )
                raise FileProblem(f"malformed JSON: {where[0]} at line {where[1]} column {where[2]}") from None
    if not all(isinstance(r, dict) for r in records):
        raise FileProblem("JSON must be an array of objects or one object per line")
    if records and not any(records):
        raise FileProblem("the JSON objects have no fields")
    first_seen: dict[str, None] = {}  # every key of every record, in order of first appearance
    for record in records:
        first_seen.update(dict.fromkeys(record))
        if len(first_seen) > MAX_COLUMNS:  # stop early: the keys of every record are columns
            raise FileProblem(
                f"the records have more than {MAX_COLUMNS} different keys; at most {MAX_COLUMNS} are read"
            )
    names = list(first_seen)
    columns = {n: [_as_text(r.get(n)) for r in records] for n in names}
    frame = pl.DataFrame(columns, schema={n: pl.String for n in names})
    return frame.lazy().rename(_normalised_names(names))


def read_landing_file(path: Path) -> pl.LazyFrame:
    suffix = path.suffix.lower()
    readers = {".csv": _read_csv, ".parquet": _read_parquet, ".json": _read_json}
    if suffix not in readers:
        raise FileProblem(f"cannot read files with extension {suffix!r}")
    return readers[suffix](path)


def first_line(err: BaseException) -> str:
    """The first line of an error's message (at most 300 characters), for a one-line reason."""
    text = str(err).strip().splitlines()
    return text[0][:300] if text else type(err).__name__

"""CSV that a spreadsheet opens as data: string cells that would run as a formula are neutralised.

A spreadsheet treats a cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a
formula: a vendor named `=HYPERLINK("http://…","x")` becomes a live link, `=cmd|…` a command. Every CSV this
project writes for people — the dashboard's download buttons, `modelmarket export --format csv` and
`modelmarket sql --csv` — passes its cells through `neutralise`, which prefixes such a string with a single
quote (the OWASP advice). Only strings are changed: a number stays a number, so -3.5 in a numeric column is
written as -3.5, while the text "-3.5" in a text column is written as '-3.5. `raw=True` (the `--raw` flag)
writes every cell as it is.

Rows end with CRLF (RFC 4180, as spreadsheets write CSV): a cell holding a carriage return is then quoted like
one holding a newline, so no reader splits it into a second row. Pure standard library, so the command line
can use it without the dashboard's dependencies.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import TextIO

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
LINE_END = "\r\n"


def neutralise(value: object) -> object:
    """`value` with a leading `'` when it is a string a spreadsheet would read as a formula; else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def write_csv(
    handle: TextIO,
    header: Sequence[str],
    batches: Iterable[Sequence[Sequence[object]]],
    *,
    raw: bool = False,
) -> int:
    """Write the header and every row of `batches` (lists of rows) as CSV; returns the number of rows written.

    Cells go through `neutralise` unless `raw`; None is an empty cell.
    """
    writer = csv.writer(handle, lineterminator=LINE_END)
    writer.writerow(header if raw else [neutralise(name) for name in header])
    rows = 0
    for batch in batches:
        writer.writerows(batch if raw else ([neutralise(cell) for cell in row] for row in batch))
        rows += len(batch)
    return rows

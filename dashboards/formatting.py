"""How numbers, periods and codes read on the dashboards: USD, percentages, percentage points, period labels.

Pure functions and constants only (no Streamlit), so pages and tests format the same way.

Data is shown as text, never as markup. Streamlit reads titles, captions, notices, metric labels and values,
expander and tab labels as Markdown, and Plotly reads chart titles, trace names, axis labels and hover text as
a little HTML. A value from the warehouse (a vendor or model name, an id, a file name, a reason) is passed
through `md_escape` before it goes into Markdown and through `chart_text` before it goes into a chart, so a
vendor named `![x](http://host/pixel.png)` is shown as those characters and fetches nothing. Widgets whose
options are plain text (select boxes, multiselects) and table cells take values as they are.
"""

from __future__ import annotations

import html
import math
import re
import string
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

# CommonMark: a backslash before any ASCII punctuation character makes it a literal character. Escaping them all
# also stops Streamlit's own syntax (`:red[…]`, `:material/…:`, emoji `:name:`, `$math$`).
_MARKDOWN_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# GFM also turns `http://…`, `www.…` and `name@host.tld` inside plain text into links, escaped or not: an
# invisible word joiner after `://`'s colon, after `www` and after `@` keeps them text.
WORD_JOINER = "\u2060"
_AUTOLINK_STARTS = re.compile(r"(?<=:)(?=//)|(?i:(?<=www))(?=\.)|(?<=@)")

GRAINS: tuple[str, ...] = ("month", "quarter")
GRAIN_LABELS = MappingProxyType({"month": "Monthly", "quarter": "Quarterly"})
GRAIN_SHORT = MappingProxyType({"month": "MoM", "quarter": "QoQ"})


@dataclass(frozen=True)
class Measure:
    """A market measure of `marts.fct_market_share` as people read it."""

    code: str
    label: str  # "Panel spend"
    unit: str  # what the share is a share of, for axis titles
    kind: str  # usd | count
    note: str  # where the number comes from


MEASURES = MappingProxyType(
    {
        "spend": Measure("spend", "Panel spend", "panel spend in USD", "usd", "Σ amount_usd of the customer panel"),
        "revenue": Measure(
            "revenue",
            "Reported revenue",
            "reported revenue in USD",
            "usd",
            "revenue_usd reported by the vendors; quarterly and for all segments only",
        ),
        "customers": Measure(
            "customers",
            "Active customers",
            "active customers",
            "count",
            "panel accounts with spend > 0 in the period; an account buying from two vendors counts for each",
        ),
        "tokens": Measure("tokens", "Tokens", "tokens, input + output", "count", "Σ tokens_input + tokens_output"),
    }
)
MEASURE_ORDER: tuple[str, ...] = ("spend", "revenue", "customers", "tokens")


def md_escape(value: object) -> str:
    """`value` as Markdown that renders exactly its characters, never as markup or a link.

    ASCII punctuation is backslash-escaped, line breaks become spaces, and a word joiner (invisible) breaks the
    starts of GFM's literal autolinks.
    """
    text = _AUTOLINK_STARTS.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", str(value)))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def chart_text(value: object) -> str:
    """`value` as Plotly text that renders exactly its characters: `&`, `<` and `>` as HTML entities."""
    return html.escape(str(value), quote=False)


def measure(code: str) -> Measure:
    """The Measure for a code; unknown codes get a plain description instead of an error."""
    return MEASURES.get(code) or Measure(code, code.title(), code, "count", "")


def is_missing(value: float | None) -> bool:
    """True for None and NaN (pandas hands back NaN for SQL nulls in float columns)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def usd(value: float | None) -> str:
    """$1,234 below a million, $12.3M and $1.23B above; '–' when missing."""
    if is_missing(value):
        return "–"
    size = abs(value)
    sign = "-" if value < 0 else ""
    if size >= 1e9:
        return f"{sign}${size / 1e9:,.2f}B"
    if size >= 1e6:
        return f"{sign}${size / 1e6:,.1f}M"
    return f"{sign}${size:,.0f}"


def signed_usd(value: float | None) -> str | None:
    """A USD change with its sign (+$500, -$1.2M); None when missing (st.metric then shows no delta)."""
    if is_missing(value):
        return None
    return ("+" if value >= 0 else "-") + usd(abs(value))


def count(value: float | None) -> str:
    """A whole number with thousands separators."""
    return "–" if is_missing(value) else f"{value:,.0f}"


def signed_count(value: float | None) -> str | None:
    """A count change with its sign; None when missing."""
    return None if is_missing(value) else f"{value:+,.0f}"


def pct(share: float | None, digits: int = 1) -> str:
    """A 0..1 share as a percentage: 0.4512 → '45.1%'."""
    return "–" if is_missing(share) else f"{share * 100:.{digits}f}%"


def signed_pct(ratio: float | None, digits: int = 1) -> str | None:
    """A growth ratio with its sign: 0.125 → '+12.5%'; None when missing."""
    return None if is_missing(ratio) else f"{ratio * 100:+.{digits}f}%"


def pp(points: float | None, digits: int = 1) -> str | None:
    """Percentage points with their sign: 2.14 → '+2.1 pp'; None when missing."""
    return None if is_missing(points) else f"{points:+.{digits}f} pp"


def value(amount: float | None, kind: str) -> str:
    """A measure value: USD for money, a count otherwise."""
    return usd(amount) if kind == "usd" else count(amount)


def signed_value(amount: float | None, kind: str) -> str | None:
    """A change of a measure value with its sign."""
    return signed_usd(amount) if kind == "usd" else signed_count(amount)


def period_label(start: date | None, grain: str) -> str:
    """'Mar 2025' for a month, '2025 Q1' for a quarter."""
    if start is None:
        return "–"
    if grain == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return start.strftime("%b %Y")


def period_range_label(start: date | None, end: date | None, grain: str) -> str:
    """'Jan 2025 – Mar 2025', or one label when both ends are the same period."""
    if start is None or end is None or start == end:
        return period_label(start or end, grain)
    return f"{period_label(start, grain)} – {period_label(end, grain)}"


def segment_label(segment: str) -> str:
    """'all' → 'All segments'; 'smb' → 'SMB'; others capitalised."""
    if segment == "all":
        return "All segments"
    if segment == "smb":
        return "SMB"
    return segment.replace("_", " ").capitalize()


def concentration_words(hhi: float) -> str:
    """Where an HHI sits against the 2023 DOJ/FTC thresholds, in words."""
    if hhi < 1000:
        return "below 1,000"
    if hhi <= 1800:
        return "between 1,000 and 1,800"
    return "above 1,800"

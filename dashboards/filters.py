"""The shared sidebar filters (grain, period range, segment, vendors) and the pages' measure selector.

The sidebar is drawn once per run by `app.py`, before the page runs, so the filters keep their values when
the user switches pages. Every filter is a keyed widget mirrored in the URL (`url_state`): the query
parameters are `grain`, `period` (two ISO dates), `segment`, `vendors` (repeated) and `measure`.
Pages read the values with `current()`, which falls back to the defaults for filters that were not drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import streamlit as st

from dashboards import formatting, url_state
from dashboards.queries import FilterOptions

GRAIN_KEY = "grain"
PERIOD_KEY = "period"
SEGMENT_KEY = "segment"
VENDORS_KEY = "vendors"
MEASURE_KEY = "measure"

ALL_FILTERS: frozenset[str] = frozenset({GRAIN_KEY, PERIOD_KEY, SEGMENT_KEY, VENDORS_KEY})

DEFAULT_GRAIN = "month"
DEFAULT_SEGMENT = "all"
DEFAULT_MEASURE = "spend"


@dataclass(frozen=True)
class Filters:
    """The view chosen in the sidebar. `vendors` empty means every vendor; start/end None means no data."""

    grain: str = DEFAULT_GRAIN
    start: date | None = None
    end: date | None = None
    segment: str = DEFAULT_SEGMENT
    vendors: tuple[str, ...] = ()

    @property
    def period_label(self) -> str:
        return formatting.period_range_label(self.start, self.end, self.grain)

    @property
    def grain_label(self) -> str:
        return formatting.GRAIN_LABELS.get(self.grain, self.grain)

    @property
    def segment_label(self) -> str:
        return formatting.segment_label(self.segment)


def _period_codes(options: FilterOptions, grain: str) -> list[str]:
    return [period.isoformat() for period in options.periods_for(grain)]


def _segment_codes(options: FilterOptions) -> list[str]:
    return list(dict.fromkeys([DEFAULT_SEGMENT, *options.segments]))


def current(options: FilterOptions, vendor_ids: Sequence[str]) -> Filters:
    """The filters as the sidebar left them in this session (defaults for any not drawn)."""
    state = st.session_state
    grain = state.get(GRAIN_KEY)
    grain = grain if url_state.is_valid(grain, formatting.GRAINS, "one") else DEFAULT_GRAIN
    periods = _period_codes(options, grain)
    period = state.get(PERIOD_KEY)
    if not url_state.is_valid(period, periods, "range"):
        period = (periods[0], periods[-1]) if periods else None
    start, end = (date.fromisoformat(period[0]), date.fromisoformat(period[1])) if period else (None, None)
    segment = state.get(SEGMENT_KEY)
    segment = segment if url_state.is_valid(segment, _segment_codes(options), "one") else DEFAULT_SEGMENT
    chosen = state.get(VENDORS_KEY) or ()
    vendors = tuple(v for v in dict.fromkeys(chosen) if v in vendor_ids) if isinstance(chosen, list | tuple) else ()
    return Filters(grain=grain, start=start, end=end, segment=segment, vendors=vendors)


def render_sidebar(
    options: FilterOptions, vendor_names: Mapping[str, str], shown: frozenset[str] = ALL_FILTERS
) -> Filters:
    """Draw the filters named in `shown` in the sidebar, mirror them in the URL, and return the view.

    `vendor_names` maps the vendors with market data (the selectable ones) to their display names.
    """
    with st.sidebar:
        st.header("Filters")
        if GRAIN_KEY in shown:
            grain = st.segmented_control(
                "Grain",
                formatting.GRAINS,
                default=url_state.initial(GRAIN_KEY, formatting.GRAINS, DEFAULT_GRAIN, "one"),
                key=GRAIN_KEY,
                required=True,
                format_func=lambda code: formatting.GRAIN_LABELS[code],
                help="Months or calendar quarters (reported revenue is quarterly).",
            )
            url_state.publish(GRAIN_KEY, grain, formatting.GRAINS, DEFAULT_GRAIN, "one")
        grain = current(options, list(vendor_names)).grain

        periods = _period_codes(options, grain)
        if PERIOD_KEY in shown and periods:
            default_range = (periods[0], periods[-1])
            period = st.select_slider(
                "Period",
                periods,
                value=url_state.initial(PERIOD_KEY, periods, default_range, "range"),
                key=PERIOD_KEY,
                format_func=lambda code: formatting.period_label(date.fromisoformat(code), grain),
                help="First and last period shown (inclusive).",
            )
            url_state.publish(PERIOD_KEY, period, periods, default_range, "range")

        if SEGMENT_KEY in shown:
            segments = _segment_codes(options)
            segment = st.selectbox(
                "Customer segment",
                segments,
                index=segments.index(url_state.initial(SEGMENT_KEY, segments, DEFAULT_SEGMENT, "one")),
                key=SEGMENT_KEY,
                format_func=formatting.segment_label,
                help="Panel measures per account segment; reported revenue exists for all segments only.",
            )
            url_state.publish(SEGMENT_KEY, segment, segments, DEFAULT_SEGMENT, "one")

        if VENDORS_KEY in shown:
            vendor_ids = list(vendor_names)
            chosen = st.multiselect(
                "Vendors",
                vendor_ids,
                default=list(url_state.initial(VENDORS_KEY, vendor_ids, (), "many")),
                key=VENDORS_KEY,
                format_func=lambda vendor_id: vendor_names.get(vendor_id, vendor_id),
                placeholder="All vendors",
                help="Leave empty for every vendor. Shares stay shares of the whole market.",
            )
            url_state.publish(VENDORS_KEY, chosen, vendor_ids, (), "many")
    return current(options, list(vendor_names))


def measure_selector(available: Sequence[str]) -> str:
    """A measure picker for the main area of a page, mirrored in the URL as `measure`."""
    codes = [code for code in formatting.MEASURE_ORDER if code in available] or [DEFAULT_MEASURE]
    codes += [code for code in available if code not in codes]
    default = DEFAULT_MEASURE if DEFAULT_MEASURE in codes else codes[0]
    chosen = st.segmented_control(
        "Measure",
        codes,
        default=url_state.initial(MEASURE_KEY, codes, default, "one"),
        key=MEASURE_KEY,
        required=True,
        format_func=lambda code: formatting.md_escape(formatting.measure(code).label),
        help="What the shares are shares of.",
    )
    url_state.publish(MEASURE_KEY, chosen, codes, default, "one")
    return chosen if isinstance(chosen, str) and chosen in codes else default

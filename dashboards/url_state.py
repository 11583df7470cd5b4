"""Widget values mirrored in the URL query string, so that a URL reproduces a view.

For a keyed widget `key` (the query parameter has the same name):
- `initial` gives the widget's default argument: the query parameter when it holds valid option values, else
  the page's default. Streamlit uses it when the widget is first drawn in a session (so the URL decides the
  view on load), and `initial` makes the widget start over from it when the options changed under a value
  that no longer fits (e.g. a new grain); otherwise the widget keeps the value the user chose. Invalid values
  in the URL (unknown ids, SQL-looking text) are ignored: only listed options ever get through.
- `publish` runs after the widget is drawn and writes its value back to the query string, or removes the
  parameter when the value equals the default, so URLs stay short.

Session state is never assigned (only a stale value deleted), so Streamlit never warns about a widget
set both ways.

Values in the URL are option codes (vendor ids, ISO dates, segment codes), never display labels, so a URL keeps
working when a vendor is renamed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import streamlit as st

Kind = Literal["one", "many", "range"]
Value = str | tuple[str, ...]


def _normalise(value: object, kind: Kind) -> Value | None:
    """The widget value as a str (one) or a tuple of str (many, range); None when it has the wrong shape."""
    if kind == "one":
        return value if isinstance(value, str) else None
    if isinstance(value, str) or not isinstance(value, Sequence):
        return None
    return tuple(str(item) for item in value)


def is_valid(value: object, options: Sequence[str], kind: Kind) -> bool:
    """True when `value` is a value the widget can hold with these options."""
    normalised = _normalise(value, kind)
    if normalised is None:
        return False
    if kind == "one":
        return normalised in options
    if kind == "range":
        return len(normalised) == 2 and all(item in options for item in normalised)
    return all(item in options for item in normalised)


def parse(raw: Sequence[str], options: Sequence[str], kind: Kind) -> Value | None:
    """The widget value encoded by the query parameter's values, or None when they encode nothing valid."""
    valid = [item for item in raw if item in options]
    if kind == "one":
        return valid[0] if valid else None
    if kind == "range":
        if not valid:
            return None
        positions = sorted(options.index(item) for item in valid[:2])
        return (options[positions[0]], options[positions[-1]])
    if raw and not valid and any(item for item in raw):
        return None  # only unknown values: fall back to the default
    return tuple(dict.fromkeys(valid))


def initial(key: str, options: Sequence[str], default: Value, kind: Kind) -> Value:
    """The widget's default argument: the value in the query parameter `key`, else `default`.

    Call it right before drawing the widget. A value the widget holds that no longer fits its options (a month
    range after switching to quarters) is forgotten first, so the widget starts over from this default instead
    of showing a stale value.
    """
    if key in st.session_state and not is_valid(st.session_state[key], options, kind):
        del st.session_state[key]
    from_url = parse(st.query_params.get_all(key), options, kind)
    return default if from_url is None else from_url


def publish(key: str, value: object, options: Sequence[str], default: Value, kind: Kind) -> None:
    """Write the widget's value to the query string, or drop the parameter when it is the default (or invalid)."""
    normalised = _normalise(value, kind)
    if normalised is None or normalised == default or not is_valid(normalised, options, kind):
        wanted: list[str] = []
    elif isinstance(normalised, str):
        wanted = [normalised]
    else:
        wanted = list(normalised)
    if st.query_params.get_all(key) == wanted:
        return
    if wanted:
        st.query_params[key] = wanted
    else:
        st.query_params.pop(key, None)

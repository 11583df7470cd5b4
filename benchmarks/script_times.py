"""Server-side time of each dashboard page: `app.py` plus the page's script, run by Streamlit's AppTest.

This is the Python part of a page's render time (imports, queries, figures, dataframe serialisation), without the
browser. One repetition: caches cleared, a new app session, then every page in menu order (`first`: the page's
queries run for the first time), then `rounds` more passes over every page (`warm`: cached queries).

`python -m benchmarks.script_times <home> [--rounds N] [--profile]`: JSON on stdout. With `--profile`, the
hottest functions (cumulative time) of one warm run per page, from cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import time
from pathlib import Path
from typing import Any

from dashboards.navigation import DASHBOARDS_DIR, PAGES

APP = DASHBOARDS_DIR / "app.py"
TIMEOUT_S = 120
PROFILE_LINES = 25


def _run(app: Any, script: str) -> float:
    started = time.perf_counter()
    app.switch_page(script).run()
    elapsed = time.perf_counter() - started
    if app.exception:
        raise RuntimeError(f"{script}: {[e.value for e in app.exception]}")
    return elapsed


def measure(home: Path, repetitions: int = 3, rounds: int = 3) -> dict[str, Any]:
    """Per page: median seconds of the first run (cold cache) and of the warm runs, over the repetitions."""
    os.environ["MODELMARKET_HOME"] = str(home)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    first: dict[str, list[float]] = {spec.url_path: [] for spec in PAGES}
    warm: dict[str, list[float]] = {spec.url_path: [] for spec in PAGES}
    for _ in range(repetitions):
        st.cache_data.clear()
        app = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
        for spec in PAGES:
            first[spec.url_path].append(_run(app, spec.script))
        for _ in range(rounds):
            for spec in PAGES:
                warm[spec.url_path].append(_run(app, spec.script))
    return {
        "repetitions": repetitions,
        "rounds": rounds,
        "first_s": {page: round(statistics.median(times), 3) for page, times in first.items()},
        "warm_s": {page: round(statistics.median(times), 3) for page, times in warm.items()},
        "warm_samples_s": {page: [round(t, 3) for t in times] for page, times in warm.items()},
    }


def profile(home: Path) -> dict[str, str]:
    """Per page: cProfile's hottest functions (cumulative) of one warm run, as text.

    AppTest runs the script in a thread of its own, so the profiler is switched on inside that thread (around
    `ScriptRunner._run_script`). Note that AppTest recompiles the page scripts on every run (the server caches
    their bytecode): `add_magic`/`compile` in these profiles are AppTest's, not the dashboard's.
    """
    os.environ["MODELMARKET_HOME"] = str(home)
    from unittest import mock

    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    for spec in PAGES:  # warm the caches
        _run(app, spec.script)
    reports: dict[str, str] = {}
    original = ScriptRunner._run_script
    for spec in PAGES:
        profiler = cProfile.Profile()

        def profiled(runner: ScriptRunner, *args: Any, _profiler: cProfile.Profile = profiler, **kwargs: Any) -> Any:
            _profiler.enable()
            try:
                return original(runner, *args, **kwargs)
            finally:
                _profiler.disable()

        with mock.patch.object(ScriptRunner, "_run_script", profiled):
            _run(app, spec.script)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(PROFILE_LINES)
        reports[spec.url_path] = text.getvalue()
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("home", type=Path, help="a MODELMARKET_HOME with a published warehouse")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print cProfile's hottest functions per page")
    args = parser.parse_args()
    if args.profile:
        for page, text in profile(args.home).items():
            print(f"=== {page}\n{text}")
        return
    print(json.dumps(measure(args.home, args.repetitions, args.rounds)))


if __name__ == "__main__":
    main()

"""The one command line that serves the dashboard: `modelmarket dashboard`, the browser tests and the benchmark.

Options chosen for a read-only dashboard (each is a page-render cost measured at the `medium` scale, see
`benchmarks/dashboard_render.py`):
- `runner.postScriptGC false`: Streamlit otherwise runs a full `gc.collect(2)` after every script run, holding
  the GIL for 70–250 ms (the process holds ~150k objects: pandas, plotly, pyarrow) while the "script finished"
  message waits to be sent, so every page waited for it. Python's own generational collector still runs.
- `server.fileWatcherType none`: nobody edits the code of a served dashboard; the watcher polls every module.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"

OPTIONS: tuple[tuple[str, str], ...] = (
    ("server.headless", "true"),
    ("browser.gatherUsageStats", "false"),
    ("runner.postScriptGC", "false"),
    ("server.fileWatcherType", "none"),
)


def streamlit_command(port: int, address: str) -> list[str]:
    """`python -m streamlit run dashboards/app.py` with the dashboard's options, on `address:port`."""
    command = [sys.executable, "-m", "streamlit", "run", str(APP)]
    command += ["--server.port", str(port), "--server.address", address]
    for option, value in OPTIONS:
        command += [f"--{option}", value]
    return command

"""The one command line that serves the dashboard: `modelmarket dashboard`, the browser tests and the benchmark.

Options chosen for a read-only dashboard (each is a page-render cost measured at the `medium` scale, see
`benchmarks/dashboard_render.py`):
- `runner.postScriptGC false`: Streamlit otherwise runs a full `gc.collect(2)` after every script run, holding
  the GIL for 70–250 ms (the process holds ~150k objects: pandas, plotly, pyarrow) while the "script finished"
  message waits to be sent, so every page waited for it. Python's own generational collector still runs.
- `server.fileWatcherType none`: nobody edits the code of a served dashboard; the watcher polls every module.
- `client.disableDataExport true`: the tables' own CSV download and copy write cells verbatim, so a value like
  `=HYPERLINK(…)` would reach a spreadsheet as a formula; the "Download CSV" button under every table writes
  the same columns through `safe_csv`.

`serve` runs that command as a child and stops it with itself: SIGTERM or SIGHUP to `modelmarket dashboard` is
passed on to the server, which is then waited for (and killed if it does not stop in time).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
DEFAULT_ADDRESS = "127.0.0.1"  # this machine only; `--address 0.0.0.0` serves every interface
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGHUP)
STOP_TIMEOUT_S = 10.0

OPTIONS: tuple[tuple[str, str], ...] = (
    ("server.headless", "true"),
    ("browser.gatherUsageStats", "false"),
    ("runner.postScriptGC", "false"),
    ("server.fileWatcherType", "none"),
    ("client.disableDataExport", "true"),
)


def streamlit_command(port: int, address: str) -> list[str]:
    """`python -m streamlit run dashboards/app.py` with the dashboard's options, on `address:port`."""
    command = [sys.executable, "-m", "streamlit", "run", str(APP)]
    command += ["--server.port", str(port), "--server.address", address]
    for option, value in OPTIONS:
        command += [f"--{option}", value]
    return command


def _stop(child: subprocess.Popen[bytes], signum: int) -> None:
    """Pass `signum` on to the server and wait for it; kill it when it has not stopped in time."""
    if child.poll() is None:
        child.send_signal(signum)
    try:
        child.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def serve(command: Sequence[str], env: Mapping[str, str]) -> int:
    """Run the server `command` until it exits or this process is asked to stop; returns its exit code.

    A stop request (SIGTERM, SIGHUP, or Ctrl-C, which the terminal also sends to the server) ends with the
    server gone and exit code 0.
    """
    stopped: list[int] = []

    def on_stop(signum: int, _frame: object) -> None:
        stopped.append(signum)
        raise KeyboardInterrupt

    child: subprocess.Popen[bytes] | None = None
    previous = {sig: signal.signal(sig, on_stop) for sig in STOP_SIGNALS}
    try:
        child = subprocess.Popen(list(command), env=dict(env))
        return child.wait()
    except KeyboardInterrupt:
        for sig in STOP_SIGNALS:  # asked once is enough: a second request must not cut the wait short
            signal.signal(sig, signal.SIG_IGN)
        if child is not None:
            _stop(child, stopped[0] if stopped else signal.SIGINT)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child is not None and child.poll() is None:  # an unexpected error while waiting: stop the server too
            _stop(child, signal.SIGTERM)

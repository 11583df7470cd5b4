"""Render time of every dashboard page in headless Chromium, and the server-side script time per page.

    python -m benchmarks.dashboard_render --home /tmp/medium [--restarts 3] [--rounds 5] [--out DIR]

Definitions in `benchmarks/browser.py`. One restart: a fresh `streamlit run` (empty caches) and a browser with an
empty profile;
1. `cold_first_load`: that browser opens the Overview (JS bundle, websocket, Python imports, first queries);
2. `first_visit`: a click to every other page in menu order (the page's queries run for the first time);
3. `navigation`: `rounds` passes of clicks through every page (cached queries) — the issue's "page render time";
4. `cold_load_warm_server`: a second browser with an empty profile opens every page by URL while the server's
   caches are warm (what another person opening a shared link waits for).
Then `benchmarks.script_times` measures each page's script on the server (AppTest, in a subprocess).

Medians over every sample. Writes `<out>/render.json` and `<out>/render.md`; the target is a navigation median
≤ `--budget` seconds (1 s, issue 7) for every page.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import browser
from dashboards.navigation import PAGES, PageSpec

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "render"
BUDGET_S = 1.0


def page_url(base: str, spec: PageSpec) -> str:
    """The URL of a page (the default page lives at /)."""
    return f"{base}/" if spec.default else f"{base}/{spec.url_path}"


def navigation_order() -> list[PageSpec]:
    """Every page once, each reached from the one before it: the menu order, starting after the default page."""
    default = next(i for i, spec in enumerate(PAGES) if spec.default)
    return [*PAGES[default + 1 :], *PAGES[: default + 1]]


def _say(message: str) -> None:
    print(f"[render {datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _one_restart(home: Path, work: Path, rounds: int, index: int, window: tuple[int, int]) -> dict[str, Any]:
    samples: dict[str, Any] = {"first_visit": {}, "navigation": {}, "cold_load_warm_server": {}}
    default = next(spec for spec in PAGES if spec.default)
    with browser.serve(home, work / f"server-{index}.log") as base:
        with browser.chromium(work / f"profile-{index}-a", window) as driver:
            heading = browser.HEADINGS[default.url_path]
            samples["cold_first_load"] = browser.cold_load(driver, page_url(base, default), heading)
            for spec in navigation_order()[:-1]:
                url, heading = page_url(base, spec), browser.HEADINGS[spec.url_path]
                samples["first_visit"][spec.url_path] = browser.navigate(driver, url, heading)
            samples["first_visit"][default.url_path] = samples["cold_first_load"]
            for _ in range(rounds):
                for spec in navigation_order():
                    url, heading = page_url(base, spec), browser.HEADINGS[spec.url_path]
                    samples["navigation"].setdefault(spec.url_path, []).append(browser.navigate(driver, url, heading))
        with browser.chromium(work / f"profile-{index}-b", window) as driver:
            for spec in PAGES:
                url, heading = page_url(base, spec), browser.HEADINGS[spec.url_path]
                samples["cold_load_warm_server"][spec.url_path] = browser.cold_load(driver, url, heading)
                driver.delete_all_cookies()
                driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    return samples


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def _script_times(home: Path, repetitions: int, rounds: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.script_times", str(home)]
    command += ["--repetitions", str(repetitions), "--rounds", str(rounds)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(
    home: Path,
    restarts: int = 3,
    rounds: int = 5,
    budget: float = BUDGET_S,
    window: tuple[int, int] = browser.WINDOW,
) -> dict[str, Any]:
    """Every sample and the medians per page; see the module docstring."""
    with tempfile.TemporaryDirectory(prefix="render-") as scratch:
        runs = []
        for index in range(restarts):
            _say(f"restart {index + 1}/{restarts}")
            runs.append(_one_restart(home, Path(scratch), rounds, index, window))
    pages = [spec.url_path for spec in PAGES]
    medians = {
        "cold_first_load": _median([run["cold_first_load"] for run in runs]),
        "first_visit": {page: _median([run["first_visit"][page] for run in runs]) for page in pages},
        "navigation": {page: _median([t for run in runs for t in run["navigation"][page]]) for page in pages},
        "cold_load_warm_server": {
            page: _median([run["cold_load_warm_server"][page] for run in runs]) for page in pages
        },
    }
    _say("server-side script times (AppTest)")
    script = _script_times(home, repetitions=restarts, rounds=rounds)
    over = {page: s for page, s in medians["navigation"].items() if s > budget}
    return {
        "home": str(home),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average": os.getloadavg()},
        "restarts": restarts,
        "rounds": rounds,
        "window": list(window),
        "budget_s": budget,
        "medians_s": medians,
        "script_s": script,
        "within_budget": not over,
        "over_budget_s": over,
        "samples_s": runs,
    }


def markdown(result: dict[str, Any]) -> str:
    """The per-page table of a `measure` result."""
    medians, script = result["medians_s"], result["script_s"]
    lines = [
        f"# Dashboard render times: {result['home']}",
        "",
        f"Measured {result['measured_at']} on {result['machine']['cpus']} CPUs (load average "
        f"{', '.join(f'{x:.2f}' for x in result['machine']['load_average'])}); medians of {result['restarts']} "
        f"server restarts × {result['rounds']} navigation rounds, window {'×'.join(map(str, result['window']))}. "
        "Seconds. Definitions: benchmarks/browser.py.",
        "",
        f"Cold first load (fresh server and browser, Overview): **{medians['cold_first_load']:.2f} s**.",
        "",
        "| page | navigation (warm) | first visit | cold load, warm server | script warm | script first |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for spec in PAGES:
        page = spec.url_path
        warm_script = script.get("warm_s", {}).get(page)
        first_script = script.get("first_s", {}).get(page)
        lines.append(
            f"| {page} | {medians['navigation'][page]:.2f} | {medians['first_visit'][page]:.2f} "
            f"| {medians['cold_load_warm_server'][page]:.2f} "
            f"| {'–' if warm_script is None else f'{warm_script:.2f}'} "
            f"| {'–' if first_script is None else f'{first_script:.2f}'} |"
        )
    verdict = "every page within" if result["within_budget"] else f"over: {result['over_budget_s']} vs"
    lines += ["", f"Target: navigation median ≤ {result['budget_s']} s: {verdict} the budget.", ""]
    if "error" in script:
        lines += ["Script times failed:", "", "```", script["error"], "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("MODELMARKET_HOME", ROOT / "data")))
    parser.add_argument("--restarts", type=int, default=3, help="fresh servers (cold loads); default 3")
    parser.add_argument("--rounds", type=int, default=5, help="navigation passes per server; default 5")
    parser.add_argument("--budget", type=float, default=BUDGET_S, help="seconds per navigation; default 1")
    parser.add_argument("--window", default="x".join(map(str, browser.WINDOW)), help="browser WIDTHxHEIGHT")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    reason = browser.missing_browser()
    if reason:
        sys.exit(f"dashboard_render {reason}")
    if not (args.home / "warehouse" / "market.duckdb").is_file():
        sys.exit(f"no published warehouse in {args.home}: run `modelmarket demo-data --scale medium && refresh`")
    width, height = (int(n) for n in args.window.lower().split("x"))
    result = measure(args.home.resolve(), args.restarts, args.rounds, args.budget, (width, height))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "render.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (args.out / "render.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()

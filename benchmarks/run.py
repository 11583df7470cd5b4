"""`python -m benchmarks.run`: the benchmark of issue 8 — refresh vs hand-written SQL vs pandas on the same files.

Per size: demo landing zone (seed 1) → SQL script → pandas script → full refresh (stage times from the Dagster run,
peak RSS of the process tree) → one more day of usage → refresh again. Plus a refresh of the tiny demo (fixed cost).
Writes <out>/results.json and <out>/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.landing import add_new_day
from benchmarks.measure import Measurement, run_measured
from ingest.settings import Settings
from orchestration.timings import latest_timings

PY = sys.executable
ROOT = Path(__file__).resolve().parent.parent


def _say(message: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def _cli(home: Path, *args: str, log: Path) -> Measurement:
    return run_measured([PY, "-m", "orchestration.cli", *args], env={"MODELMARKET_HOME": str(home)}, cwd=ROOT, log=log)


def _refresh(home: Path, label: str) -> dict[str, Any]:
    measured = _cli(home, "refresh", "--quiet", log=home / f"{label}.log")
    entry: dict[str, Any] = measured.as_dict()
    if measured.returncode != 0:
        raise RuntimeError(f"{label} failed in {home}: {measured.stdout_tail}")
    timings = latest_timings(Settings(home=home))
    if timings is None:
        raise RuntimeError(f"{label}: the refresh wrote no timings in {home}")
    entry.update(run_s=timings.run_s, stages=timings.stages, steps=timings.steps)
    return entry


def _baseline(module: str, home: Path) -> dict[str, Any]:
    log = home / f"{module}.log"
    measured = run_measured(
        [PY, "-m", f"benchmarks.{module}", "--landing", str(home / "landing"), "--out", str(home / module)],
        cwd=ROOT,
        log=log,
    )
    if measured.returncode != 0:
        raise RuntimeError(f"{module} failed: {measured.stdout_tail}")
    entry: dict[str, Any] = measured.as_dict()
    entry["output"] = json.loads(log.read_text(encoding="utf-8").strip().splitlines()[-1])
    shutil.rmtree(home / module, ignore_errors=True)
    return entry


def _dashboard(home: Path) -> dict[str, Any]:
    log = home / "dashboard.log"
    warehouse = str(home / "warehouse" / "market.duckdb")
    measured = run_measured([PY, "-m", "benchmarks.dashboard", warehouse], cwd=ROOT, log=log)
    if measured.returncode != 0:
        return {"error": measured.stdout_tail}
    return json.loads(log.read_text(encoding="utf-8").strip().splitlines()[-1])


def _warehouse_check(home: Path) -> dict[str, Any]:
    import duckdb

    with duckdb.connect(str(home / "warehouse" / "market.duckdb"), read_only=True) as con:
        row = con.execute(
            "SELECT CAST(SUM(mrr_end) AS DOUBLE), SUM(new_customers)"
            " FROM marts.fct_revenue_movements WHERE segment = 'all'"
        ).fetchone()
    return {"mrr_total": round(float(row[0] or 0), 2), "new_customers": int(row[1] or 0)} if row else {}


def bench_size(rows: int, home: Path) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    _say(f"{rows:,} rows: generating the landing zone in {home}")
    gen_log = home.with_suffix(".gen.log")
    generated = _cli(home, "demo-data", "--scale", str(rows), "--seed", "1", "--force", log=gen_log)
    entry["generate"] = {"wall_s": generated.wall_s, "peak_rss_mib": generated.peak_rss_mib}
    for module, key in (("baseline_sql", "sql"), ("baseline_pandas", "pandas")):
        _say(f"{rows:,} rows: {key} baseline")
        entry[key] = _baseline(module, home)
    _say(f"{rows:,} rows: full refresh")
    entry["full_refresh"] = _refresh(home, "full_refresh")
    entry["warehouse_check"] = _warehouse_check(home)
    _say(f"{rows:,} rows: dashboard queries")
    entry["dashboard"] = _dashboard(home)
    new_day, new_rows = add_new_day(home / "landing")
    _say(f"{rows:,} rows: refresh after one new day ({new_day}, {new_rows:,} rows)")
    entry["new_day_refresh"] = {**_refresh(home, "new_day_refresh"), "day": str(new_day), "rows": new_rows}
    checks = [entry["sql"]["output"]["check"], entry["pandas"]["output"]["check"], entry["warehouse_check"]]
    entry["figures_agree"] = all(c == checks[0] for c in checks)
    return entry


def bench_tiny(home: Path) -> dict[str, Any]:
    _say("tiny demo: generate + refresh")
    _cli(home, "demo-data", "--scale", "tiny", "--seed", "1", "--force", log=home.with_suffix(".gen.log"))
    return _refresh(home, "tiny_refresh")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="3000000,30000000", help="usage rows, comma-separated (smallest, largest)")
    parser.add_argument("--with-100m", action="store_true", help="add a 100,000,000-row size")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="results.json, results.md")
    parser.add_argument("--work", type=Path, default=None, help="scratch homes (default: a temp dir under /tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch homes")
    parser.add_argument("--skip-tiny", action="store_true", help="skip the tiny-demo refresh")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    if args.with_100m:
        sizes.append(100_000_000)
    work = args.work or Path(tempfile.mkdtemp(prefix="modelmarket-bench-", dir="/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "sizes": {},
    }
    try:
        if not args.skip_tiny:
            result["tiny_refresh"] = bench_tiny(work / "tiny")
        for rows in sizes:
            home = work / f"rows_{rows}"
            try:
                result["sizes"][str(rows)] = bench_size(rows, home)
            except (RuntimeError, OSError, ValueError) as error:  # recorded; the other sizes still run
                _say(f"{rows:,} rows FAILED: {error}")
                result["sizes"][str(rows)] = {"error": str(error)}
            if not args.keep:
                shutil.rmtree(home, ignore_errors=True)
            _write(result, args.out, sizes)  # partial results survive a later failure
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    _write(result, args.out, sizes)
    _say(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'}")
    return 0


def _write(result: dict[str, Any], out: Path, sizes: list[int]) -> None:
    done = [s for s in sizes if "error" not in result["sizes"].get(str(s), {"error": ""})]
    large = 30_000_000 if 30_000_000 in done else (done[-1] if done else 0)
    result["targets"] = report.targets(result, done[0] if done else 0, large) if len(done) >= 2 else []
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out / "results.md").write_text(report.markdown(result), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())

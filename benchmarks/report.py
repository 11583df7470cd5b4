"""Ratios against the targets of issue 8 §2, and the markdown table."""

from __future__ import annotations

from typing import Any

Result = dict[str, Any]


def _get(result: Result, size: int, *path: str) -> float | None:
    node: Any = result.get("sizes", {}).get(str(size))
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return float(node) if isinstance(node, int | float) else None


def _target(name: str, value: float | None, limit: float, text: str, detail: str) -> dict[str, Any]:
    passed = None if value is None else value <= limit
    return {"name": name, "value": None if value is None else round(value, 3), "limit": limit, "target": text,
            "status": "n/a" if passed is None else ("pass" if passed else "miss"), "detail": detail}  # fmt: skip


def targets(result: Result, small: int, large: int) -> list[dict[str, Any]]:
    wall = "full_refresh", "wall_s"
    refresh_small, refresh_large = _get(result, small, *wall), _get(result, large, *wall)
    sql_small, sql_large = _get(result, small, "sql", "wall_s"), _get(result, large, "sql", "wall_s")
    per_row = None
    if None not in (refresh_small, refresh_large, sql_small, sql_large) and sql_large != sql_small:
        per_row = (refresh_large - refresh_small) / (sql_large - sql_small)  # type: ignore[operator]
    pandas_large = _get(result, large, "pandas", "wall_s")
    incremental = _get(result, large, "new_day_refresh", "wall_s")
    peak, sql_peak = _get(result, large, "full_refresh", "peak_rss_mib"), _get(result, large, "sql", "peak_rss_mib")
    tiny = result.get("tiny_refresh", {}).get("wall_s")
    dash = _get(result, large, "dashboard", "max_ms")

    def ratio(a: float | None, b: float | None) -> float | None:
        return None if a is None or not b else a / b

    return [
        _target("per_row_cost", per_row, 1.5, "(refresh@L − refresh@S) ≤ 1.5 × (SQL@L − SQL@S)",
                f"refresh {refresh_small}→{refresh_large} s, SQL {sql_small}→{sql_large} s"),
        _target("end_to_end_vs_pandas", ratio(refresh_large, pandas_large), 1.0, "full refresh@L < pandas@L",
                f"refresh {refresh_large} s vs pandas {pandas_large} s"),
        _target("incremental", ratio(incremental, refresh_large), 0.2, "new-day refresh ≤ 20% of full refresh",
                f"new day {incremental} s vs full {refresh_large} s"),
        _target("memory_vs_sql", ratio(peak, sql_peak), 2.0, "peak RSS@L ≤ 2 × SQL script's",
                f"refresh {peak} MiB vs SQL {sql_peak} MiB"),
        _target("tiny_refresh_s", tiny, 15.0, "tiny-demo refresh < 15 s", f"{tiny} s"),
        _target("dashboard_max_ms", dash, 200.0, "every page's queries < 200 ms at L", f"{dash} ms"),
    ] + _hundred_million(result)  # fmt: skip


def _hundred_million(result: Result) -> list[dict[str, Any]]:
    entry = result.get("sizes", {}).get("100000000")
    if entry is None:
        return []
    peak = _get(result, 100_000_000, "full_refresh", "peak_rss_mib")
    detail = entry.get("error", f"full refresh {_get(result, 100_000_000, 'full_refresh', 'wall_s')} s")
    value = None if peak is None else peak / 1024
    target = _target("memory_100m_gib", value, 24.0, "100M rows complete, peak ≤ 24 GiB", str(detail))
    if "error" in entry:
        target["status"] = "miss"
    return [target]


def _cell(value: Any) -> str:
    return "–" if value is None else (f"{value:,.1f}" if isinstance(value, float) else str(value))


def markdown(result: Result) -> str:
    lines = [f"# Benchmark results ({result['started_at']}, {result['machine']})", ""]
    lines += ["| usage rows | run | wall s | peak RSS MiB | ingest s | dbt s | checks s | publish s | start-up s |"]
    lines += ["|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for size, entry in result["sizes"].items():
        for run in ("full_refresh", "new_day_refresh", "sql", "pandas"):
            data = entry.get(run) or {}
            stages = data.get("stages", {})
            startup = None
            if "run_s" in data:
                startup = round(data["wall_s"] - data["run_s"], 1)
            lines.append(
                f"| {int(size):,} | {run} | {_cell(data.get('wall_s'))} | {_cell(data.get('peak_rss_mib'))} | "
                + " | ".join(_cell(stages.get(s)) for s in ("ingest", "dbt", "checks", "publish"))
                + f" | {_cell(startup)} |"
            )
    lines += ["", "| target | value | limit | status | detail |", "|---|---:|---:|---|---|"]
    for t in result.get("targets", []):
        lines.append(f"| {t['target']} | {_cell(t['value'])} | {t['limit']} | **{t['status']}** | {t['detail']} |")
    return "\n".join(lines) + "\n"

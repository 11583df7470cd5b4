"""Stage times of the latest Dagster run in a home: STEP_START → STEP_SUCCESS per step, grouped into stages."""

from __future__ import annotations

from pathlib import Path

STAGES = ("ingest", "dbt", "checks", "publish")


def stage_of(step_key: str) -> str:
    if step_key.endswith("_is_fresh") or step_key == "quality_gate":
        return "checks"
    if step_key.startswith("raw__") or step_key == "landing_inventory":
        return "ingest"
    if step_key == "warehouse_dbt" or "dbt" in step_key:
        return "dbt"
    if step_key.startswith("warehouse__published") or "publish" in step_key:
        return "publish"
    return "other"


def latest_run_steps(dagster_home: Path) -> tuple[dict[str, float], float]:
    """(seconds per step key, run seconds from RUN_START to RUN_SUCCESS/FAILURE) of the latest run."""
    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return {}, 0.0
        starts: dict[str, float] = {}
        steps: dict[str, float] = {}
        run_start = run_end = 0.0
        for entry in instance.all_logs(runs[0].run_id):
            event = entry.dagster_event
            if event is None:
                continue
            kind = event.event_type
            if kind == DagsterEventType.RUN_START:
                run_start = entry.timestamp
            elif kind in (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE):
                run_end = entry.timestamp
            elif kind == DagsterEventType.STEP_START and entry.step_key:
                starts[entry.step_key] = entry.timestamp
            elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE) and entry.step_key:
                steps[entry.step_key] = round(entry.timestamp - starts.get(entry.step_key, entry.timestamp), 3)
    return steps, round(max(run_end - run_start, 0.0), 3)


def stage_times(steps: dict[str, float]) -> dict[str, float]:
    totals = dict.fromkeys((*STAGES, "other"), 0.0)
    for key, seconds in steps.items():
        totals[stage_of(key)] += seconds
    return {name: round(value, 3) for name, value in totals.items() if name != "other" or value}


if __name__ == "__main__":  # python -m benchmarks.stages <dagster_home>: print step and stage times as JSON
    import json
    import sys

    step_seconds, run_seconds = latest_run_steps(Path(sys.argv[1]))
    print(json.dumps({"run_s": run_seconds, "stages": stage_times(step_seconds), "steps": step_seconds}, indent=2))

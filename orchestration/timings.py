"""Where a refresh's time went: seconds per Dagster step, grouped into stages, one JSON line per CLI refresh.

Stages: `startup` (parsing the dbt project if it changed, loading the definitions), `ingest` (landing → raw),
`dbt` (the build and its data tests), `checks` (quality gate, freshness), `publish`. Written to
warehouse/refresh_timings.jsonl; `make bench` reads it, and the CLI prints the stages after each refresh.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from dagster import DagsterEventType, DagsterInstance

from ingest.settings import Settings

STAGES = ("startup", "ingest", "dbt", "checks", "publish")


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


@dataclass
class RefreshTimings:
    run_id: str
    startup_s: float  # before the run: dbt parse when the project changed, loading the definitions
    run_s: float  # RUN_START → RUN_SUCCESS/FAILURE
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step key

    @property
    def stages(self) -> dict[str, float]:
        totals = dict.fromkeys((*STAGES, "other"), 0.0)
        totals["startup"] = self.startup_s
        for key, seconds in self.steps.items():
            totals[stage_of(key)] += seconds
        return {name: round(value, 3) for name, value in totals.items() if name != "other" or value}

    def summary(self) -> str:
        return " · ".join(f"{name} {seconds:.1f} s" for name, seconds in self.stages.items())


def run_timings(instance: DagsterInstance, run_id: str, startup_s: float) -> RefreshTimings:
    """Step durations (STEP_START → STEP_SUCCESS/FAILURE) and the run's duration from the run's event log."""
    starts: dict[str, float] = {}
    steps: dict[str, float] = {}
    run_start = run_end = 0.0
    for entry in instance.all_logs(run_id):
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
    return RefreshTimings(run_id, round(startup_s, 3), round(max(run_end - run_start, 0.0), 3), steps)


def record_timings(settings: Settings, timings: RefreshTimings) -> None:
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with settings.refresh_timings_path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(timings) | {"stages": timings.stages}) + "\n")


def latest_timings(settings: Settings) -> RefreshTimings | None:
    if not settings.refresh_timings_path.exists():
        return None
    lines = [line for line in settings.refresh_timings_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        return None
    doc = json.loads(lines[-1])
    return RefreshTimings(doc["run_id"], doc["startup_s"], doc["run_s"], doc["steps"])

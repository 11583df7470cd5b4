"""Where a refresh's time went: seconds per Dagster step, grouped into stages, one JSON line per CLI refresh.

Stages: `startup` (parsing the dbt project if it changed, loading the definitions), `ingest` (landing → raw),
`dbt` (the build and its data tests), `checks` (quality gate, freshness), `publish`. Written to
warehouse/refresh_timings.jsonl; `make bench` reads it, and the CLI prints the stages after each refresh.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from dagster import DagsterEventType, DagsterInstance

from ingest.settings import Settings
from orchestration.runlog import append_line, read_lines

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
    append_line(settings.refresh_timings_path, asdict(timings) | {"stages": timings.stages})


def latest_timings(settings: Settings) -> RefreshTimings | None:
    """The last well-formed line (torn or foreign lines are skipped)."""
    latest = None
    for doc in read_lines(settings.refresh_timings_path):
        try:
            latest = RefreshTimings(
                str(doc["run_id"]), float(doc["startup_s"]), float(doc["run_s"]), dict(doc["steps"])
            )
        except (KeyError, TypeError, ValueError):
            continue
    return latest

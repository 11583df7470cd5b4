"""How a refresh run ended, told from its Dagster events: published, published with warnings, or failed, and why.

`published` means the warehouse/published step replaced the published file in this run. Any step that failed, and
any blocking check that failed, is a problem: before publish it stops the run (failed, the published file is
unchanged); a step that fails while publish still happens (a step it does not depend on, such as the freshness
check) leaves the run published with warnings. A failed dbt step is explained by the models and tests that
failed, from dbt's run_results.json of this run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dagster import AssetCheckSeverity, AssetKey, DagsterEvent, DagsterEventType

from ingest.settings import Settings
from orchestration.runlog import RefreshRun, record_run, run_counts, utcnow

PUBLISHED_KEY = AssetKey(["warehouse", "published"])
DBT_STEP = "warehouse_dbt"
CHECK_FAILED = "DagsterAssetCheckFailedError"


@dataclass
class Verdict:
    published: bool
    problems: list[str] = field(default_factory=list)  # one line each: the step or check, and why

    @property
    def status(self) -> str:
        if not self.published:
            return "failed"
        return "published_with_warnings" if self.problems else "published"


def innermost(error):
    """Dagster wraps the real reason in 'Error occurred while executing…'."""
    while error is not None and error.cause is not None:
        error = error.cause
    return error


def root_cause(error) -> str:
    """The innermost error's message, on one line."""
    error = innermost(error)
    if error is None:
        return "failed"
    lines = [line.strip() for line in error.message.strip().splitlines() if line.strip()]
    return " | ".join(lines[:6]) or error.cls_name or "failed"


def dbt_failures(target_dir: Path, since: datetime | None = None) -> dict[str, str]:
    """Node name → one line, for the models and tests dbt reported as error or fail in its run_results.json
    (only if that file was written since `since`: an older one belongs to an earlier build)."""
    path = target_dir / "run_results.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        generated = datetime.fromisoformat(str(doc["metadata"]["generated_at"]).replace("Z", "+00:00"))
        results = list(doc["results"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if since is not None and generated.replace(tzinfo=None) < since:
        return {}
    lines = {}
    for result in results:
        if not isinstance(result, dict) or result.get("status") not in ("error", "fail"):
            continue
        node = str(result.get("unique_id", "?")).split(".")  # model.<package>.<name>, test.<package>.<name>.<hash>
        kind, name = node[0], node[2] if len(node) > 2 else node[-1]
        message = " ".join(str(result.get("message") or result.get("status")).split())
        lines[name] = f"dbt {kind} {name}: {message[:300]}"
    return lines


def verdict(
    events: Iterable[DagsterEvent], dbt_target_dir: Path | None = None, since: datetime | None = None
) -> Verdict:
    """Whether the run published, and one line per failed step or failed blocking check."""
    published = False
    problems: list[str] = []
    failed_checks: set[str] = set()
    for event in events:
        kind = event.event_type
        if kind == DagsterEventType.ASSET_MATERIALIZATION and event.asset_key == PUBLISHED_KEY:
            published = True
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR:
                details = evaluation.metadata.get("failures")
                text = " ".join(str(details.value).split()) if details is not None else "failed"
                problems.append(f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: {text}")
                failed_checks.add(evaluation.check_name)
        elif kind == DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            cause = innermost(error)
            if cause is not None and cause.cls_name == CHECK_FAILED:
                continue  # the step of a blocking check that failed: the check itself is told above
            explained = dbt_failures(dbt_target_dir, since) if event.step_key == DBT_STEP and dbt_target_dir else {}
            # a failed dbt test is already told as its check; what is left are the models that errored
            if explained:
                problems.extend(line for name, line in explained.items() if name not in failed_checks)
            else:
                problems.append(f"{event.step_key}: {root_cause(error)}")
    return Verdict(published, problems)


def describe(verdict: Verdict, published_path: Path, full_output: str) -> str:
    """The run's message: what was published, or what failed, and where the full output is."""
    problems = "; ".join(verdict.problems)
    if verdict.status == "published":
        return f"published {published_path}"
    if verdict.status == "published_with_warnings":
        return f"published, with warnings: {problems} — {published_path} (full output: {full_output})"
    return f"{problems or 'the refresh failed'} (full output: {full_output})"


def record_outcome(
    settings: Settings, run_id: str, started_at: datetime, verdict: Verdict, full_output: str
) -> tuple[RefreshRun, str | None]:
    """Append the run's one record; returns it, and why it could not be written (a full disk) or None."""
    message = describe(verdict, settings.published_path, full_output)
    run = RefreshRun(run_id, started_at, utcnow(), verdict.status, **run_counts(settings, run_id), message=message)
    try:
        record_run(settings, run)
    except OSError as err:
        return run, f"the attempt could not be recorded in {settings.refresh_log_path}: {err}"
    return run, None

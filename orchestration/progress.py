"""Loggers for runs started from the command line: concise progress lines, or nothing."""

from __future__ import annotations

import logging
import sys
import time

from dagster import logger


@logger(description="One short line per message of the refresh's own steps, for people at a terminal.")
def terminal_progress(_init_context):
    log = logging.getLogger("modelmarket.refresh")
    log.setLevel(logging.INFO)
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_ProgressFormatter())
        handler.addFilter(_HousekeepingFilter())
        log.addHandler(handler)
    log.propagate = False
    return log


# dagster-dbt's housekeeping messages: true, but not what a person at a terminal needs.
_HOUSEKEEPING = ("Copying `", "A dbt subsetted execution", "Running dbt command", "Finished dbt command")


class _HousekeepingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, "dagster_meta", {}) or {}
        message = str(meta.get("orig_message") or record.getMessage())
        return not message.startswith(_HOUSEKEEPING)


class _ProgressFormatter(logging.Formatter):
    """'12:00:01 raw/customers/usage  message' from Dagster's structured records."""

    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", {}) or {}
        step = meta.get("step_key") or ""
        message = meta.get("orig_message") or record.getMessage()
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        return f"{stamp} {step:<28} {message}" if step else f"{stamp} {message}"


@logger(description="Discard everything (tests and scripts that only want the outcome).")
def quiet(_init_context):
    log = logging.getLogger("modelmarket.quiet")
    log.addHandler(logging.NullHandler())
    log.propagate = False
    return log

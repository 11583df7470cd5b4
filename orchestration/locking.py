"""The refresh lock file: an exclusive `flock`, released by the OS when its holder dies, naming its holder.

While held, the file says who holds it (pid, run id, who started it, since when). A holder that finishes clears
it before releasing; so a name still there when the lock is next acquired is a holder that was killed or crashed,
and the new holder is told (to tidy up after it and record its interrupted run).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

PROBE_GRACE_S = 1.0


class RefreshBusy(RuntimeError):
    """Another refresh holds the lock."""


@dataclass(frozen=True)
class Holder:
    pid: int
    run_id: str = ""
    by: str = ""  # cli | dagster | rollback
    since: str = ""  # ISO time, UTC

    def describe(self) -> str:
        what = f"pid {self.pid}" + (f", run {self.run_id}" if self.run_id else "")
        return what + (f", started by {self.by}" if self.by else "") + (f" at {self.since}" if self.since else "")


def _parse(text: str) -> Holder | None:
    text = text.strip()
    if not text:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        doc = {"pid": text} if text.isdigit() else None  # the bare pid of older releases
    if not isinstance(doc, dict):
        return None
    try:
        return Holder(int(doc["pid"]), str(doc.get("run_id", "")), str(doc.get("by", "")), str(doc.get("since", "")))
    except (KeyError, TypeError, ValueError):
        return None


def _read(handle: IO[str]) -> Holder | None:
    handle.seek(0)
    try:
        return _parse(handle.read(4096))
    except UnicodeDecodeError:
        return None


def holder_of(path: Path) -> Holder | None:
    """Who the lock file names (the current holder while it is held); None if nobody or unreadable."""
    try:
        with path.open("r", encoding="utf-8") as handle:
            return _read(handle)
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def is_locked(path: Path) -> bool:
    """Whether some process (this one included, through another handle) holds the lock; takes no lock itself."""
    if not path.exists():
        return False
    with path.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def held_by_this_process(path: Path) -> bool:
    holder = holder_of(path)
    return holder is not None and holder.pid == os.getpid() and is_locked(path)


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _write(handle: IO[str], text: str) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(text)
    handle.flush()
    os.fsync(handle.fileno())


@contextmanager
def hold(
    path: Path,
    holder: Holder,
    wait_s: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
    poll_s: float = 0.5,
) -> Iterator[Holder | None]:
    """Hold the lock for the duration, waiting up to `wait_s` for it (0: not at all), else raise RefreshBusy.

    Yields the holder named in the file when it was acquired: one that died without releasing, or None.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        start = time.monotonic()
        told = False
        while not _try_lock(handle):
            current = _read(handle)
            who = current.describe() if current else "pid unknown"
            waited = time.monotonic() - start
            # a lock held by nobody named is `is_locked` looking, for a moment: worth a short wait even at wait_s 0
            if waited >= wait_s and (current is not None or waited >= PROBE_GRACE_S):
                said = f"; waited {wait_s:.0f} s" if wait_s else ""
                raise RefreshBusy(f"another refresh is running ({who}){said}; try again when it has finished")
            if on_wait is not None and current is not None and not told:
                on_wait(f"another refresh is running ({who}); waiting up to {wait_s:.0f} s for it to finish")
                told = True
            time.sleep(min(poll_s, max(wait_s - waited, 0.05)))
        died = _read(handle)
        _write(handle, json.dumps(asdict(holder)))
        try:
            yield died
        finally:
            _write(handle, "")  # a clean release: the next holder finds nobody to tidy up after
    finally:
        handle.close()

"""Run a command in a subprocess and measure its wall time and peak memory (RSS of the whole process tree)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
SAMPLE_SECONDS = 0.1  # a /proc walk per sample: keep the sampler's own CPU small on 2 cores


@dataclass(frozen=True)
class Measurement:
    wall_s: float
    peak_rss_mib: float  # sampled sum of VmRSS over the process tree
    maxrss_mib: float  # kernel high-water mark of the largest single process (wait4 ru_maxrss)
    returncode: int
    stdout_tail: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_kib(root: int) -> int:
    """Sum of the resident memory of root and all its descendants."""
    tree = _children()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kib(pid)
        stack.extend(tree.get(pid, []))
    return total


class _Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak_kib = max(self.peak_kib, tree_rss_kib(self.pid))
            self.done.wait(SAMPLE_SECONDS)


def run_measured(
    command: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None, log: Path | None = None
) -> Measurement:
    """Run command to completion; the output goes to log (or is discarded) and its tail is kept."""
    full_env = {**os.environ, **(env or {})}
    out_path = log or Path(os.devnull)
    with out_path.open("w", encoding="utf-8") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(list(command), env=full_env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        sampler = _Sampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    tail = ""
    if log is not None:
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-5:])
    return Measurement(
        wall_s=round(wall, 3),
        peak_rss_mib=round(sampler.peak_kib / 1024, 1),
        maxrss_mib=round(usage.ru_maxrss / 1024, 1),
        returncode=proc.returncode,
        stdout_tail=tail,
    )

"""Find the files in the landing zone and say which dataset each belongs to.

A landing file is identified by its path under landing/ and its sha256. Files in folders that are not a
known dataset, with an extension we do not read, or that resolve outside landing/ (links) are reported.
Names starting with '.' or '_' are in-progress or hidden files and are skipped.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.contracts import EXTENSIONS, LANDING_DATASETS, Dataset


@dataclass(frozen=True)
class LandingFile:
    path: Path  # absolute path in landing/
    relpath: str  # path under landing/, with '/' separators: the file's identity
    dataset: Dataset | None  # None: not in a known dataset folder
    problem: str | None = None  # why it cannot be read at all (refused or unrecognised)

    @property
    def status_if_problem(self) -> str:
        return "refused" if self.problem and self.problem.startswith("refused") else "unrecognised"


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _walk(root: Path) -> Iterator[Path]:
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        base = Path(directory)
        for name in sorted(filenames):
            if not name.startswith((".", "_")):
                yield base / name
        for name in list(dirnames):
            if (base / name).is_symlink():  # os.walk lists linked folders but does not enter them
                yield base / name


def scan(landing_dir: Path) -> list[LandingFile]:
    """Every candidate file under landing_dir, sorted by path, each tagged with its dataset or a problem."""
    if not landing_dir.is_dir():
        return []
    root = landing_dir.resolve()
    by_folder = {(d.source, d.name): d for d in LANDING_DATASETS}
    found: list[LandingFile] = []
    for path in _walk(landing_dir):
        relpath = path.relative_to(landing_dir).as_posix()
        parts = relpath.split("/")
        dataset = by_folder.get((parts[0], parts[1])) if len(parts) >= 3 else None
        problem = None
        resolved = path.resolve()
        if path.is_symlink() and not resolved.is_relative_to(root):
            problem = "refused: the link resolves outside the landing zone"
        elif path.is_dir():
            problem = "refused: linked folders are not followed"
        elif dataset is None:
            problem = "unrecognised: not in a dataset folder (expected landing/<source>/<dataset>/<file>)"
        elif path.suffix.lower() not in EXTENSIONS:
            problem = f"unrecognised: extension {path.suffix or '(none)'!r} is not one of {', '.join(EXTENSIONS)}"
        found.append(LandingFile(path=path, relpath=relpath, dataset=dataset, problem=problem))
    return found


def fingerprint(landing_dir: Path) -> str:
    """Changes when a landing file is added, removed or rewritten (path, size, mtime): cheap, no hashing."""
    digest = hashlib.sha256()
    for item in scan(landing_dir):
        try:
            stat = item.path.stat()
        except OSError:  # a link whose target vanished
            continue
        digest.update(f"{item.relpath}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()

"""Find the files in the landing zone, say which dataset each belongs to, and read each one's bytes once.

A landing file is identified by its path under landing/ and its sha256. The scan never follows a link and
never fails because of one entry: links (to anywhere), pipes and devices, names that are not UTF-8, files in
folders that are not a known dataset and extensions we do not read are listed with the problem, for the load
log. Names of uploads in progress are skipped: a leading '.' or '_', or a suffix such as '.tmp' or '.part'.

A file still being written is not taken: it is settled once it has not been modified for the settle window
(`Settings.settle_seconds`); `wait_until_settled` waits for that, `unsettled` lists the files that would wait.
`stage` copies a file to a private place while hashing it, so the bytes parsed are exactly the bytes hashed.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.contracts import EXTENSIONS, LANDING_DATASETS, Dataset

TEMPORARY_PREFIXES = (".", "_")
TEMPORARY_SUFFIXES = (".tmp", ".part", ".crdownload")
LINK_REFUSED = "refused: links are not followed"
MAX_WAIT_SECONDS = 600.0  # a file still changing after this long is left for a later run


@dataclass(frozen=True)
class LandingFile:
    path: Path  # absolute path in landing/ (may hold surrogate escapes when the name is not UTF-8)
    relpath: str  # path under landing/, with '/' separators: the file's identity (always valid UTF-8)
    dataset: Dataset | None  # None: not in a known dataset folder
    problem: str | None = None  # why it cannot be read at all (refused or unrecognised)
    size: int = 0  # bytes, from the scan (0 for links and unreadable entries)
    mtime_ns: int = 0
    regular: bool = False  # a regular file (not a link, folder, pipe or device)

    @property
    def status_if_problem(self) -> str:
        return "refused" if self.problem and self.problem.startswith("refused") else "unrecognised"


class FileChanged(Exception):
    """The file changed while it was being read: it is still being written, so it is left for a later run."""


def is_temporary(name: str) -> bool:
    """An upload in progress or a hidden file: never listed, never logged."""
    return name.startswith(TEMPORARY_PREFIXES) or name.lower().endswith(TEMPORARY_SUFFIXES)


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with _open_no_follow(path) as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _open_no_follow(path: Path):
    """Open for reading without following a link (one may replace the file after the scan) or blocking on a pipe."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path.name} is not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)}


def shown(relpath: str) -> str:
    """A path as printable UTF-8 text: bytes that are not UTF-8 and control characters are shown as \\xNN."""
    return os.fsencode(relpath).decode("utf-8", errors="backslashreplace").translate(_CONTROL)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # surrogate escapes: bytes of a name that are not UTF-8
        return False
    return True


def _link_problem(root_real: str, path: Path) -> str:
    if not os.path.exists(path):  # follows the link: false when the target is missing or the link loops
        where = "its target is missing or the link loops"
    else:
        target = os.path.realpath(path)
        if os.path.commonpath([root_real, target]) == root_real:
            where = f"it leads to {shown(os.path.relpath(target, root_real))} in the landing zone"
        else:
            where = "it leads outside the landing zone"
    return f"{LINK_REFUSED} ({where}); put the file itself in the landing zone"


def _content_problem(relpath: str, dataset: Dataset | None) -> str | None:
    if dataset is None:
        return "unrecognised: not in a dataset folder (expected landing/<source>/<dataset>/<file>)"
    suffix = Path(relpath).suffix.lower()
    if suffix not in EXTENSIONS:
        return f"unrecognised: extension {suffix or '(none)'!r} is not one of {', '.join(EXTENSIONS)}"
    return None


def scan(landing_dir: Path) -> list[LandingFile]:
    """Every candidate entry under landing_dir, sorted by path, each tagged with its dataset or a problem."""
    if not landing_dir.is_dir():
        return []
    root_real = os.path.realpath(landing_dir)
    by_folder = {(d.source, d.name): d for d in LANDING_DATASETS}
    found: list[LandingFile] = []
    pending = [landing_dir]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as err:  # an unreadable folder is reported, the rest of the zone is scanned
            if folder == landing_dir:
                raise
            found.append(_entry(landing_dir, folder, by_folder, f"refused: the folder cannot be read ({err.strerror})"))
            continue
        for entry in entries:
            if is_temporary(entry.name):
                continue
            path = Path(entry.path)
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:  # removed since the listing
                continue
            if stat.S_ISLNK(info.st_mode):
                found.append(_entry(landing_dir, path, by_folder, _link_problem(root_real, path)))
            elif stat.S_ISDIR(info.st_mode):
                pending.append(path)
            elif not stat.S_ISREG(info.st_mode):
                found.append(_entry(landing_dir, path, by_folder, "refused: not a regular file (a pipe or a device)"))
            else:
                found.append(_entry(landing_dir, path, by_folder, None, info))
    return sorted(found, key=lambda f: f.relpath)


def _entry(
    landing_dir: Path,
    path: Path,
    by_folder: dict[tuple[str, str], Dataset],
    problem: str | None,
    info: os.stat_result | None = None,
) -> LandingFile:
    raw_relpath = path.relative_to(landing_dir).as_posix()
    relpath = shown(raw_relpath)
    parts = relpath.split("/")
    dataset = by_folder.get((parts[0], parts[1])) if len(parts) >= 3 else None
    if relpath != raw_relpath:
        fault = "is not valid UTF-8" if not _is_utf8(raw_relpath) else "holds control characters"
        problem = f"refused: the name '{relpath}' {fault} (shown as \\x escapes); rename it"
    problem = problem or _content_problem(relpath, dataset)
    return LandingFile(
        path=path,
        relpath=relpath,
        dataset=dataset,
        problem=problem,
        size=info.st_size if info else 0,
        mtime_ns=info.st_mtime_ns if info else 0,
        regular=info is not None,
    )


def fingerprint(landing_dir: Path) -> str:
    """Changes when a landing file is added, removed or rewritten (path, size, mtime): cheap, no hashing."""
    digest = hashlib.sha256()
    for item in scan(landing_dir):
        digest.update(f"{item.relpath}\0{item.size}\0{item.mtime_ns}\0{item.problem}\n".encode())
    return digest.hexdigest()


# --- the settle window ----------------------------------------------------------------------------
def unsettled(items: Iterable[LandingFile], settle_seconds: float, now_ns: int | None = None) -> list[LandingFile]:
    """Regular files modified within the last `settle_seconds` (any write moves the modification time).

    A modification time further in the future than the window says nothing about activity (a skewed
    clock): such a file counts as settled. Files older than the window are settled at once, without waiting.
    """
    if settle_seconds <= 0:
        return []
    now_ns = time.time_ns() if now_ns is None else now_ns
    window = int(settle_seconds * 1e9)
    return [f for f in items if f.regular and -window < now_ns - f.mtime_ns < window]


def describe(items: list[LandingFile], limit: int = 5) -> str:
    names = ", ".join(f.relpath for f in items[:limit])
    return names + (f" and {len(items) - limit} more" if len(items) > limit else "")


def wait_until_settled(
    landing_dir: Path,
    settle_seconds: float,
    say: Callable[[str], None] = print,
    max_wait: float = MAX_WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> list[LandingFile]:
    """Wait until no landing file was modified within the settle window; return those still changing at max_wait.

    Costs nothing when every file is older than the window; otherwise says once what it waits for.
    """
    pending = unsettled(scan(landing_dir), settle_seconds)
    if not pending:
        return []
    say(f"waiting for {len(pending)} file(s) still being written: {describe(pending)}")
    deadline = time.monotonic() + max_wait
    while pending and time.monotonic() < deadline:
        now_ns = time.time_ns()
        until_first = min(settle_seconds - (now_ns - f.mtime_ns) / 1e9 for f in pending)
        sleep(min(max(until_first, 0.05), 1.0, max(deadline - time.monotonic(), 0.0)))
        pending = unsettled(scan(landing_dir), settle_seconds)
    return pending


# --- reading a file's bytes once -------------------------------------------------------------------
@dataclass(frozen=True)
class Staged:
    path: Path  # the private copy to parse
    sha256: str  # of exactly these bytes
    size: int


def clear_stale_staging(staging_dir: Path, older_than_seconds: float = 3600.0) -> None:
    """Remove private copies left by a run that was killed while it read them (never a copy in use)."""
    if not staging_dir.is_dir():
        return
    cutoff = time.time() - older_than_seconds
    for leftover in staging_dir.iterdir():
        try:
            if leftover.lstat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            continue


def stage(path: Path, staging_dir: Path, chunk: int = 1 << 20) -> Staged:
    """Copy a landing file to a private staging file while hashing it; the caller parses and deletes the copy.

    Raises FileChanged when the file's size or modification time moved while it was copied (still written).
    """
    staging_dir.mkdir(parents=True, exist_ok=True)
    target = staging_dir / f"{uuid.uuid4().hex}{path.suffix.lower()}"
    digest = hashlib.sha256()
    copied = 0
    try:
        with _open_no_follow(path) as source, target.open("wb") as copy:
            before = os.fstat(source.fileno())
            while block := source.read(chunk):
                digest.update(block)
                copy.write(block)
                copied += len(block)
            after = os.fstat(source.fileno())
        if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or copied != after.st_size:
            raise FileChanged(f"{path.name} changed while it was read")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return Staged(path=target, sha256=digest.hexdigest(), size=copied)

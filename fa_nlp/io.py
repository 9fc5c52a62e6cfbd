"""Atomic file output and hashing: every artifact the toolkit writes goes through here."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from fa_nlp.report import InputError


def current_umask() -> int:
    """The process umask (read from /proc where possible: setting it to read it is not thread-safe)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Write to a temp file beside `path` and rename it into place only if the block succeeds,
    so readers never see a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    binary = "b" in mode
    try:
        os.fchmod(fd, 0o666 & ~current_umask())  # mkstemp makes 0600: published files follow the umask
        with os.fdopen(fd, mode, encoding=None if binary else encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: str | Path, text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


def write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def write_json(path: str | Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


def write_jsonl(path: str | Path, rows: Any) -> int:
    n = 0
    with atomic_open(path, "w") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clean_crash_leftovers(path: str | Path, log: Callable[[str], None] | None = None) -> None:
    """Repair what a killed `atomic_dir` leaves beside `path`, for processes that are gone:

    - `.NAME.old-PID` with `path` missing (killed between the two renames of the swap): the old
      directory is renamed back to `path`;
    - `.NAME.old-PID` with `path` present (killed while deleting the old copy): removed;
    - `.NAME.PID.*.tmp` (killed mid-build): removed.

    Leftovers of live processes are never touched. Each repair is reported through `log`.
    """
    path = Path(path)
    log = log or _stderr
    if not path.parent.is_dir():
        return
    name = re.escape(path.name)
    old_re = re.compile(rf"^\.{name}\.old-(\d+)$")
    tmp_re = re.compile(rf"^\.{name}\.(\d+)\.[^.]+\.tmp$")
    olds, tmps = [], []
    for p in path.parent.iterdir():
        if m := old_re.match(p.name):
            olds.append((p, int(m.group(1))))
        elif m := tmp_re.match(p.name):
            tmps.append((p, int(m.group(1))))
    for p, pid in sorted(olds, key=lambda x: x[0].stat().st_mtime, reverse=True):
        if _pid_alive(pid):
            continue
        if not path.exists():
            os.replace(p, path)
            log(f"recovered {path} from {p.name}, left by a process (pid {pid}) killed while publishing")
        else:
            shutil.rmtree(p, ignore_errors=True)
            log(f"removed {p}, an old copy of {path.name} left by a killed process (pid {pid})")
    for p, pid in tmps:
        if not _pid_alive(pid):
            size = sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
            shutil.rmtree(p, ignore_errors=True)
            log(f"removed {p} ({size / 1e6:.1f} MB), the unfinished build of a killed process (pid {pid})")


def restore_published(path: str | Path, log: Callable[[str], None] | None = None) -> Path:
    """`path`, first put back if a publish was killed between its two renames (`path` missing, a
    `.NAME.old-PID` of a dead process beside it; see `clean_crash_leftovers`). Every reader of a
    published folder (a dataset, a prepared dir, a build) opens it through here, so no reader reports
    "missing" for data that is still on disk."""
    path = Path(path)
    if not path.exists():
        clean_crash_leftovers(path, log)
    return path


@contextlib.contextmanager
def atomic_dir(path: str | Path, log: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Build a directory in a temp sibling and swap it in at the end.

    An interrupted build leaves only a hidden `.NAME.PID.*.tmp` sibling (removed here on error; if
    the process is killed, removed by the next `atomic_dir` of the same path, see
    `clean_crash_leftovers`), never a half-written `path`. The directory and the files written with
    `atomic_open` follow the umask, like any other tool's output.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_crash_leftovers(path, log)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent))
    try:
        os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp makes 0700
        yield tmp
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) for each non-blank line of a JSONL file; invalid UTF-8 or JSON
    raises `InputError` naming the file and line."""
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise InputError(path, lineno, f"invalid UTF-8 at byte {e.start} of the line ({e.reason})") from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(path, lineno, f"malformed JSON: {e.msg} (column {e.colno})") from None
            if _SURROGATE_ESCAPE.search(line) and (bad := _lone_surrogate(obj)):
                raise InputError(path, lineno, f"lone surrogate {bad} (an unpaired \\uXXXX escape: not Unicode text)")
            yield lineno, obj


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # what a line needs before its values are searched
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _lone_surrogate(obj: Any, where: str = "") -> str | None:
    """`U+D800 in field 'text'` for the first lone surrogate in a parsed JSON value, else None
    (pairs are joined by `json.loads`; what is left encodes nowhere: tokenizers, Arrow, stdout)."""
    if isinstance(obj, str):
        m = _SURROGATE.search(obj)
        return f"U+{ord(m.group()):04X}" + (f" in field {where!r}" if where else "") if m else None
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items:
        if isinstance(k, str) and _SURROGATE.search(k):
            return f"U+{ord(_SURROGATE.search(k).group()):04X} in a key"
        if found := _lone_surrogate(v, f"{where}.{k}" if where else str(k)):
            return found
    return None


def read_prepared_manifest(path: str | Path, command: str, kind: str | None = None,
                           name: str = "manifest.json") -> dict[str, Any]:
    """The manifest of a directory written by `command` (e.g. `fa-nlp prepare-qa`); a missing one, or
    one of another `kind`, is an error that says which command writes it."""
    mf = restore_published(path) / name
    if not mf.is_file():
        raise FileNotFoundError(f"{path}: no {name}; write it with `{command}`")
    meta = json.loads(mf.read_text(encoding="utf-8"))
    if kind is not None and meta.get("kind") != kind:
        raise ValueError(f"{path}: not a {kind} prepared dir (kind={meta.get('kind')!r}); write it with `{command}`")
    return meta


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a run's `metrics.jsonl` (a RUN dir or the file itself; [] when nothing was logged yet).

    The one reader of the training log (curves, benchmark records, reports): a last line cut short by a
    kill mid-write is left out (the run resumes from its checkpoint and rewrites it); a bad line anywhere
    else is an error naming it."""
    path = Path(path)
    if path.is_dir():
        path = path / "metrics.jsonl"
    if not path.is_file():
        return []
    lines = [ln for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    rows = []
    for i, ln in enumerate(lines, 1):
        try:
            rows.append(json.loads(ln))
        except json.JSONDecodeError as e:
            if i < len(lines):
                raise InputError(path, i, f"malformed JSON ({e.msg})") from None
    return rows

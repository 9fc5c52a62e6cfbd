"""Build keys, manifests and atomic publishing for every dataset the toolkit writes.

A build is a function of (inputs, config, code): the build key hashes all three, so a rebuild
with an unchanged key is a no-op and an edited transform is never served from a stale cache
(HF `datasets` hashes map functions by name, not code: we own the key instead).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import inspect
import json
import platform
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fa_nlp import __version__
from fa_nlp.io import atomic_dir, clean_crash_leftovers, restore_published, sha256_file, write_json
from fa_nlp.settings import portable_path

MANIFEST = "manifest.json"
DEFAULT_LIBS = ("hazm", "datasets", "pyarrow", "tokenizers", "sentencepiece", "torch", "sacrebleu")


def input_record(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    return {"path": portable_path(path), "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def expand_modules(modules: Iterable[str]) -> list[str]:
    """The named modules plus every submodule of the named packages (`fa_nlp.text` → its
    `normalize`, `sentences`, ...): an edit anywhere in a package a build uses must change its key."""
    import pkgutil

    out: set[str] = set()
    for name in modules:
        mod = importlib.import_module(name)
        out.add(name)
        if hasattr(mod, "__path__"):
            out.update(m.name for m in pkgutil.walk_packages(mod.__path__, prefix=f"{name}."))
    return sorted(out)


def code_fingerprint(modules: Iterable[str]) -> str:
    """sha256 over the source of the modules a build depends on (packages: all their submodules)."""
    h = hashlib.sha256()
    for name in expand_modules(modules):
        h.update(name.encode())
        h.update(inspect.getsource(importlib.import_module(name)).encode())
    return h.hexdigest()


def code_version(modules: Iterable[str]) -> dict[str, str]:
    return {"fa_nlp": __version__, "source_sha256": code_fingerprint(modules)}


def library_versions(names: Iterable[str] = DEFAULT_LIBS) -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def build_key(inputs: list[dict[str, Any]], config: dict[str, Any], code: dict[str, str]) -> str:
    """Stable hash of what determines a build's output (input hashes, not their paths)."""
    payload = {
        "inputs": sorted(i["sha256"] for i in inputs),
        "config": config,
        "code": code,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def read_manifest(out_dir: str | Path) -> dict[str, Any] | None:
    path = restore_published(out_dir) / MANIFEST  # a publish killed between its two renames: data put back
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None


def is_up_to_date(out_dir: str | Path, key: str) -> bool:
    """Whether `out_dir` holds the build `key`. Asked by a builder before anything else, so it also
    clears what killed builds left beside the output (temp folders, old copies), even when the answer
    is yes and nothing gets published."""
    clean_crash_leftovers(out_dir)
    manifest = read_manifest(out_dir)
    return manifest is not None and manifest.get("build_key") == key


def lock_path(out_dir: str | Path) -> Path:
    out_dir = Path(out_dir)
    return out_dir.with_name(f".{out_dir.name}.lock")


@contextmanager
def publish(out_dir: str | Path, log: Callable[[str], None] | None = None,
            wait_s: float | None = None) -> Iterator[Path]:
    """Yield a temp directory to build in; it replaces `out_dir` atomically on success.

    One build per output at a time: a second build of the same `out_dir` waits for the first (saying
    so), up to `wait_s` seconds (None: as long as it takes), then refuses with a clear error. The lock
    is an OS file lock on the hidden `.OUT.lock` beside the output: a killed build releases it. The
    empty lock file stays there (deleting it while another build waits on it would let two builds in:
    the classic lock-file race); removing it by hand while no build runs is harmless.
    """
    from filelock import FileLock, Timeout

    log = log or (lambda msg: print(msg, file=sys.stderr))
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(out_dir)))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log(f"another build is writing {out_dir} (lock {lock.lock_file}); waiting for it to finish")
        try:
            lock.acquire(timeout=-1 if wait_s is None else wait_s)
        except Timeout:
            raise FileExistsError(f"{out_dir}: another build still holds {lock.lock_file} after {wait_s:g} s; "
                                  "wait for it, or choose another --out") from None
    try:
        with atomic_dir(out_dir, log=log) as tmp:
            yield tmp
    finally:
        lock.release()


def write_manifest(
    directory: str | Path,
    *,
    key: str,
    inputs: list[dict[str, Any]],
    config: dict[str, Any],
    code: dict[str, str],
    counts: dict[str, Any],
    started: float,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    manifest = {
        "build_key": key,
        "inputs": inputs,
        "config": config,
        "code_version": code,
        "libraries": library_versions(),
        "counts": counts,
        "duration_s": round(time.time() - started, 3),
        **(extra or {}),
    }
    write_json(Path(directory) / MANIFEST, manifest)
    return manifest

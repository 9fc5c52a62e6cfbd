"""Where the toolkit finds real data and keeps caches: one setting each, resolved here only."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_ENV = "FA_NLP_DATA"


def data_root(required: bool = False) -> Path | None:
    """The local data mirror: `$FA_NLP_DATA`, else `../shared/data` beside the repo or the cwd.

    Returns None when nothing is found (tests then skip); `required=True` raises instead, with
    a message that says how to point the toolkit at the data.
    """
    env = os.environ.get(DATA_ENV)
    candidates = [Path(env)] if env else [REPO_ROOT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    if required:
        where = env if env else " or ".join(str(p) for p in candidates)
        raise FileNotFoundError(f"no data mirror at {where}; set {DATA_ENV}=/path/to/data")
    return None


def portable_path(path: str | Path) -> str:
    """How manifests, reports and benchmark records name a file: `$FA_NLP_DATA/...` under the data
    mirror, relative to the repository inside it, else as given. Why: a record that names
    `/home/alice/data/x.txt` is wrong on every other machine; `$FA_NLP_DATA/x.txt` stays right."""
    p = Path(path)
    try:
        resolved = p.resolve()
    except OSError:
        return str(path)
    root = data_root()
    for base, prefix in ((root, f"${DATA_ENV}/"), (REPO_ROOT, "")):
        if base is not None and resolved.is_relative_to(base):
            return prefix + resolved.relative_to(base).as_posix()
    return str(path)


def portable_text(text: str) -> str:
    """`text` with the absolute data-mirror and repository paths in it written as `portable_path` does
    (for messages that embed a path, such as `file:line: ...` in skip reports)."""
    root = data_root()
    if root is not None:
        text = text.replace(f"{root}/", f"${DATA_ENV}/")
    return text.replace(f"{REPO_ROOT}/", "")


def resolve_portable(name: str | Path) -> Path:
    """The file a `portable_path` name stands for on this machine (`$FA_NLP_DATA/x` → the data mirror's x)."""
    name = str(name)
    prefix = f"${DATA_ENV}/"
    if name.startswith(prefix):
        return data_root(required=True) / name[len(prefix):]
    p = Path(name)
    return p if p.is_absolute() or p.exists() or not (REPO_ROOT / p).exists() else REPO_ROOT / p

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

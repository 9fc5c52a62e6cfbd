"""The prepared folder: the arrays `fa-nlp train` reads, written and opened the same way by every task.

    from fa_nlp.data.prepared import id_dtype, open_prepared, ragged, save_array, write_manifest
    ids, offsets = ragged([[5, 6, 7], [8]])                   # variable-length rows: flat ids + offsets
    save_array(out / "train.src_ids.npy", ids)                # atomic: a crash leaves no half-written array
    write_manifest(out, {"kind": "digits", "vocab_size": 14, "splits": ["train"]})
    path, meta = open_prepared(out, "fa-nlp prepare digits", "digits")
    arrays = load_arrays(path, "train", ("src_ids", "src_offsets"))

Layout: `manifest.json` (a `kind`, `vocab_size`, the split names, counts), `<split>.<name>.npy` arrays,
and `tokenizer/` when the task tokenizes (copied beside a run's checkpoints by `copy_tokenizer`,
so evaluation and prediction need nothing else). Why one module: the word-order, QA and MLM
prepare steps (and any new task's) all need the same four things; written once they cannot drift
(the id dtype rule, atomic saves, the "which command writes this" error).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np

from fa_nlp.io import atomic_open, read_prepared_manifest, write_json

MANIFEST = "manifest.json"
PREPARED_DIR = "prepared"  # a build folder's own training arrays (`fa-nlp build qa` writes them there)
TOKENIZER_DIR = "tokenizer"


def id_dtype(vocab_size: int):
    """The smallest dtype that holds every token id below `vocab_size` (uint16 up to 65,535 ids: half
    the disk and page cache of int32 for every vocabulary this toolkit trains)."""
    return np.uint16 if vocab_size <= np.iinfo(np.uint16).max else np.int32


def ragged(seqs: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Variable-length id rows → (flat ids in the smallest id dtype, int64 offsets of len(seqs) + 1)."""
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in seqs])
    ids = np.fromiter((t for s in seqs for t in s), dtype=np.int64, count=int(offsets[-1]))
    return ids.astype(id_dtype(int(ids.max()) + 1 if ids.size else 0)), offsets


def save_array(path: str | Path, arr: np.ndarray) -> None:
    """`np.save`, atomically (temp file + rename)."""
    with atomic_open(Path(path), "wb") as fh:
        np.save(fh, arr)


def write_manifest(out_dir: str | Path, meta: dict[str, Any]) -> None:
    write_json(Path(out_dir) / MANIFEST, meta)


def inner_prepared(path: str | Path) -> Path:
    """`path/prepared` when `path` is a build folder holding its training arrays there, else `path`:
    a config may name either."""
    path = Path(path)
    return path / PREPARED_DIR if (path / PREPARED_DIR / MANIFEST).is_file() else path


def open_prepared(path: str | Path, command: str, kind: str | None = None) -> tuple[Path, dict[str, Any]]:
    """(path, manifest) of a prepared folder; a missing manifest or another task's folder is an error
    naming the command that writes the right one."""
    path = Path(path)
    return path, read_prepared_manifest(path, command, kind, MANIFEST)


def load_arrays(path: str | Path, split: str, names: tuple[str, ...], mmap: bool = True) -> dict[str, np.ndarray]:
    """`<split>.<name>.npy` for each name (memory-mapped: training touches only the rows it batches)."""
    path = Path(path)
    return {k: np.load(path / f"{split}.{k}.npy", mmap_mode="r" if mmap else None) for k in names}


def tokenizer_dir(path: str | Path) -> Path | None:
    d = Path(path) / TOKENIZER_DIR
    return d if d.is_dir() else None


def copy_tokenizer(prepared: str | Path, run_dir: str | Path) -> None:
    """Copy the prepared folder's tokenizer beside a run's checkpoints (what `Task.write_run_files` does
    for every task that tokenizes); nothing when the folder has none."""
    src = tokenizer_dir(prepared)
    if src is not None:
        shutil.copytree(src, Path(run_dir) / TOKENIZER_DIR, dirs_exist_ok=True)

"""Deprecated `fa-nlp prepare qa --build B --out P`: the prepared arrays of a `build qa` output made
before the build wrote them itself (BUILD/prepared/). Kept for one release.

    fa-nlp prepare qa --build build/qa/pquad-old --out build/qa/prepared --dev-fraction 0.1 --seed 1234

Why it stays for a release: a PQuAD build takes minutes, and an old build folder (hf/ + examples/,
no prepared/) still holds everything the arrays need. The windows are re-encoded from the build's
stored examples with its tokenizer and settings and CHECKED token for token against its `hf/`
features (the old two-step contract), then split exactly as `fa-nlp build qa` splits them
(`fa_nlp.tasks.qa.prepare.write_prepared`). New builds need none of this: point `data.prepared` at
BUILD/prepared.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from fa_nlp.data.builds import read_manifest
from fa_nlp.io import atomic_dir, sha256_file
from fa_nlp.settings import portable_path, resolve_portable
from fa_nlp.tasks.qa.examples import QAExample
from fa_nlp.tasks.qa.features import encode_examples
from fa_nlp.tasks.qa.prepare import PREPARED_DIR, write_prepared
from fa_nlp.tokenization import QA_FILE, load_fast_tokenizer

REPLACED_BY = (f"`fa-nlp build qa` now writes the arrays itself (BUILD/{PREPARED_DIR}; flags --dev-fraction, "
               f"--seed, --max-dev-questions): point data.prepared at BUILD/{PREPARED_DIR}. "
               "`prepare qa --build` re-encodes an older build and goes away in the next release.")


def prepare_qa(build_dir: str | Path, out_dir: str | Path, tokenizer: str | Path | None = None,
               dev_fraction: float = 0.1, seed: int = 1234, max_dev_questions: int = 0,
               check: bool = True, log=print) -> dict[str, Any]:
    """Write the prepared QA dir `out_dir` from an existing build (see module docstring); returns its manifest."""
    from datasets import load_from_disk

    started = time.time()
    build_dir = Path(build_dir)
    bm = read_manifest(build_dir)
    if bm is None or bm.get("kind") != "qa":
        raise FileNotFoundError(f"{build_dir}: not a `fa-nlp build qa` output (no QA manifest.json)")
    bcfg = bm["config"]
    tok_file = _build_tokenizer_file(build_dir, bm, tokenizer)
    tok = load_fast_tokenizer(tok_file)
    max_length, overlap, pad = int(bcfg["max_length"]), int(bcfg["overlap"]), bool(bcfg.get("pad_to_max_length", True))
    ex_sets = load_from_disk(str(build_dir / "examples"))
    roles = {}
    for role in ("train", "eval"):
        if role in ex_sets:
            examples = _examples(ex_sets[role])
            arrays = encode_examples(examples, tok, max_length, overlap, pad)
            if check:
                _check_against_build(arrays, build_dir, role)
            roles[role] = (examples, arrays)
    with atomic_dir(out_dir) as tmp:
        meta = write_prepared(
            tmp, roles, tok, tok_file, max_length=max_length, overlap=overlap, dev_fraction=dev_fraction, seed=seed,
            max_dev_questions=max_dev_questions,
            build={"dir": portable_path(build_dir), "key": bm.get("build_key"), "config": bcfg},
            extra={"made_by": "fa-nlp prepare qa --build (deprecated)", "checked_against_build": check,
                   "seconds": round(time.time() - started, 2)}, log=log)
    return meta


def _check_against_build(arrays: dict[str, np.ndarray], build_dir: Path, role: str) -> None:
    """The re-encoded windows must be the build's `hf/<role>` features, token for token."""
    import pyarrow as pa
    from datasets import load_from_disk

    ds = load_from_disk(str(build_dir / "hf" / role))
    if len(ds) != len(arrays["input_ids"]):
        raise ValueError(f"{build_dir}: hf/{role} has {len(ds)} windows, re-encoding gave {len(arrays['input_ids'])}; "
                         "was the build made with another tokenizer or code version? Rebuild it.")
    col = ds.data.column("input_ids").combine_chunks()
    flat = col.flatten().to_numpy(zero_copy_only=False)
    offsets = col.offsets.to_numpy()
    lens = np.diff(offsets)
    mine = arrays["input_ids"]
    ok = (lens == arrays["lengths"]) | (lens == mine.shape[1])
    if ok.all():
        width = int(lens.max(initial=0))
        if (lens == width).all() and len(lens):
            ok = (flat.reshape(len(lens), width) == mine[:, :width]).all(1)
        else:
            ok = np.array([(flat[offsets[i]:offsets[i + 1]] == mine[i, : lens[i]]).all() for i in range(len(lens))],
                          dtype=bool)
    if not np.all(ok):
        bad = int(np.flatnonzero(~np.asarray(ok))[0])
        raise ValueError(f"{build_dir}: window {bad} of hf/{role} differs from the re-encoded one; rebuild the features")
    if role == "train":
        for k in ("start_positions", "end_positions"):
            ref = ds.data.column(k).combine_chunks()
            if not np.array_equal(pa.array(ref).to_numpy(zero_copy_only=False), arrays[k]):
                raise ValueError(f"{build_dir}: hf/train {k} differ from the re-encoded labels; rebuild the features")


def _build_tokenizer_file(build_dir: Path, manifest: dict, tokenizer: str | Path | None) -> Path:
    """The tokenizer.json to encode with: `tokenizer` if given, else the build's (same sha256 either way)."""
    rec = next((r for r in manifest.get("inputs", []) if r.get("role") == "tokenizer"), None)
    path = Path(tokenizer) if tokenizer else resolve_portable(rec["path"]) if rec else None
    if path is None:
        raise ValueError(f"{build_dir}: the manifest names no tokenizer; pass --tokenizer")
    tok_file = path / QA_FILE if path.is_dir() else path
    if rec and rec.get("sha256") and sha256_file(tok_file) != rec["sha256"]:
        raise ValueError(f"{tok_file}: not the tokenizer the build used (sha256 differs)")
    return tok_file


def _examples(rows) -> list:
    """`QAExample`s from the build's examples/ dataset (one role)."""
    cols = rows.to_dict()
    return [QAExample(id=cols["id"][i], doc_id=cols["doc_id"][i], title=cols["title"][i],
                      question=cols["question"][i], context=cols["context"][i],
                      answer_texts=tuple(cols["answers"][i]["text"]),
                      answer_starts=tuple(cols["answers"][i]["answer_start"]),
                      original_context=cols["original_context"][i],
                      context_offsets=tuple(cols["context_offsets"][i]), context_ends=tuple(cols["context_ends"][i]))
            for i in range(len(cols["id"]))]

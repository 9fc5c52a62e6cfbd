"""`fa-nlp prepare qa`: a `fa-nlp build qa` output → numpy windows for training and evaluation.

    fa-nlp prepare qa --build build/qa/pquad --out build/qa/prepared --dev-fraction 0.1 --seed 1234

Why: training and evaluation then read only numpy and JSONL (a GPU box may lack pyarrow/datasets),
and the dev slice is cut once, reproducibly. The windows are re-encoded from the build's own
examples with the build's own tokenizer and settings (`encode_windows`, `label_windows`: the same
code `build qa` runs) and CHECKED token for token against the build's `hf/` features, so the
arrays are exactly `run_qa.py`'s features; re-encoding is what gives every window its example and
its character offsets for the train role too (the build's train features carry neither).

Splits:
  train  the build's train role minus the dev contexts
  dev    a seeded slice of the train role's CONTEXTS (every question of a held-out context goes
         to dev, none stays in train): dev EM/F1 during training, and the null threshold of
         `fa-nlp evaluate` is chosen here (never on test)
  test   the build's eval role (PQuAD Test for `make qa`)

Files per split: `{split}.input_ids.npy` [W,L] (uint16 when the vocabulary fits),
`{split}.token_type_ids.npy` [W,L] uint8, `{split}.lengths.npy` [W] (real tokens),
`{split}.start_positions.npy` / `{split}.end_positions.npy` [W] (run_qa labels: [CLS] = 0 when the
answer is not inside the window), `{split}.example_index.npy` [W] (row of `{split}.examples.jsonl`),
`{split}.offsets.npy` [W,L,2] int32 (char span in the example's context for context tokens, -1
elsewhere), `{split}.examples.jsonl` (id, question, answers, context index; questions given no
window are listed too: they are scored as unanswered) and `{split}.contexts.jsonl` (each distinct
context once, with its map to the original text). Plus `tokenizer/` and `manifest.json`.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fa_nlp.data.builds import read_manifest
from fa_nlp.data.prepared import MANIFEST, id_dtype, load_arrays, open_prepared, save_array, tokenizer_dir
from fa_nlp.io import atomic_dir, iter_jsonl, sha256_file, write_json, write_jsonl
from fa_nlp.settings import portable_path, resolve_portable
from fa_nlp.tasks.qa.examples import QAExample
from fa_nlp.tasks.qa.windows import cls_positions, encode_windows, label_windows
from fa_nlp.tokenization import CONFIG_FILE, QA_FILE, load_fast_tokenizer

SPLITS = ("train", "dev", "test")
ROLE_OF = {"train": "train", "dev": "train", "test": "eval"}


# ---------------------------------------------------------------------------------------------
# writing


def write_split(out_dir: str | Path, split: str, examples: list, arrays: dict[str, np.ndarray],
                vocab_size: int) -> dict[str, int]:
    """Write one split: `arrays` holds input_ids, token_type_ids, lengths, start_positions,
    end_positions, example_index, offsets (see module docstring); `examples` are `QAExample`s."""
    out_dir = Path(out_dir)
    n = len(arrays["input_ids"])
    for k in ("token_type_ids", "lengths", "start_positions", "end_positions", "example_index", "offsets"):
        if len(arrays[k]) != n:
            raise ValueError(f"{split}: {k} has {len(arrays[k])} rows, input_ids {n}")
    casts = {"input_ids": id_dtype(vocab_size), "token_type_ids": np.uint8, "lengths": np.int32,
             "start_positions": np.int32, "end_positions": np.int32, "example_index": np.int32,
             "offsets": np.int32}
    for k, dt in casts.items():
        save_array(out_dir / f"{split}.{k}.npy", np.ascontiguousarray(arrays[k], dtype=dt))
    contexts: dict[str, int] = {}
    ctx_rows, ex_rows = [], []
    for e in examples:
        if e.context not in contexts:
            contexts[e.context] = len(contexts)
            ctx_rows.append({"context": e.context, "original_context": e.original_context,
                             "context_offsets": list(e.context_offsets), "context_ends": list(e.context_ends)})
        ex_rows.append({"id": e.id, "doc_id": e.doc_id, "title": e.title, "question": e.question,
                        "answer_texts": list(e.answer_texts), "answer_starts": list(e.answer_starts),
                        "context_index": contexts[e.context]})
    write_jsonl(out_dir / f"{split}.examples.jsonl", ex_rows)
    write_jsonl(out_dir / f"{split}.contexts.jsonl", ctx_rows)
    cls = int(((arrays["start_positions"] == 0) & (arrays["end_positions"] == 0)).sum())
    return {"questions": len(examples), "unanswerable": sum(e.is_impossible for e in examples),
            "contexts": len(contexts), "windows": n, "cls_windows": cls,
            "questions_without_window": len(examples) - len(np.unique(arrays["example_index"]))}


# ---------------------------------------------------------------------------------------------
# loading


class OffsetRows:
    """`offset_mapping` rows for `postprocess_predictions`, built lazily from the int32 array:
    [start, end] for context tokens, None elsewhere (run_qa's layout)."""

    def __init__(self, offsets: np.ndarray, rows: np.ndarray):
        self.offsets, self.rows = offsets, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> list:
        off = np.asarray(self.offsets[int(self.rows[i])])
        return [None if s < 0 else [s, e] for s, e in off.tolist()]


@dataclass
class QASplit:
    name: str
    input_ids: np.ndarray
    token_type_ids: np.ndarray
    lengths: np.ndarray
    start_positions: np.ndarray
    end_positions: np.ndarray
    example_index: np.ndarray
    offsets: np.ndarray
    path: Path
    _examples: list | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.lengths)

    def examples(self) -> list:
        """The split's `QAExample`s (rows of `{split}.examples.jsonl`), loaded once."""
        if self._examples is None:
            from fa_nlp.tasks.qa.examples import QAExample

            ctxs = [row for _, row in iter_jsonl(self.path / f"{self.name}.contexts.jsonl")]
            out = []
            for _, r in iter_jsonl(self.path / f"{self.name}.examples.jsonl"):
                c = ctxs[r["context_index"]]
                out.append(QAExample(id=r["id"], doc_id=r["doc_id"], title=r["title"], question=r["question"],
                                     context=c["context"], answer_texts=tuple(r["answer_texts"]),
                                     answer_starts=tuple(r["answer_starts"]), original_context=c["original_context"],
                                     context_offsets=tuple(c["context_offsets"]), context_ends=tuple(c["context_ends"])))
            self._examples = out
        return self._examples

    def windows_of(self, n_examples: int = 0) -> np.ndarray:
        """Window rows of the first `n_examples` examples (0 = all)."""
        if not n_examples:
            return np.arange(len(self))
        return np.flatnonzero(self.example_index < n_examples)

    def features(self, rows: np.ndarray) -> dict[str, Any]:
        """`example_id` + `offset_mapping` of window `rows`: what `postprocess_predictions` reads."""
        exs = self.examples()
        return {"example_id": [exs[int(self.example_index[r])].id for r in rows],
                "offset_mapping": OffsetRows(self.offsets, rows)}


@dataclass
class QAPrepared:
    path: Path
    meta: dict
    splits: dict[str, QASplit]

    @property
    def tokenizer_dir(self) -> Path | None:
        return tokenizer_dir(self.path)


def load_qa_prepared(path: str | Path) -> QAPrepared:
    path, meta = open_prepared(path, "fa-nlp prepare qa", "qa")
    splits = {}
    for s in meta["splits"]:
        arr = load_arrays(path, s, ("input_ids", "token_type_ids", "lengths", "start_positions", "end_positions",
                                    "example_index", "offsets"))
        splits[s] = QASplit(s, path=path, **arr)
    return QAPrepared(path, meta, splits)


# ---------------------------------------------------------------------------------------------
# prepare


def hold_out_contexts(examples: list, fraction: float, seed: int, max_questions: int = 0) -> set[str]:
    """Contexts for dev: a seeded permutation of the distinct contexts (first-seen order), taken
    until `fraction` of the questions (or `max_questions`) are covered. Whole contexts only."""
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.context] = counts.get(e.context, 0) + 1
    ctxs = list(counts)
    want = int(round(fraction * len(examples)))
    if max_questions:
        want = min(want, max_questions)
    if want <= 0 or len(ctxs) < 2:
        return set()
    order = np.random.default_rng(seed).permutation(len(ctxs))
    out, n = set(), 0
    for i in order.tolist():
        if n >= want or len(out) == len(ctxs) - 1:  # keep at least one context for training
            break
        out.add(ctxs[i])
        n += counts[ctxs[i]]
    return out


def encode_examples(examples: list, tokenizer, max_length: int, overlap: int, pad: bool,
                    batch_size: int = 2000) -> dict[str, np.ndarray]:
    """Windows + run_qa labels + offsets of `examples` (the code path of `build qa`), padded to max_length."""

    parts: list[dict[str, np.ndarray]] = []
    for lo in range(0, len(examples), batch_size):
        batch = examples[lo : lo + batch_size]
        win = encode_windows([e.question.lstrip() for e in batch], [e.context for e in batch], tokenizer,
                             max_length, overlap, pad, skip_too_long=True)
        sc = np.array([e.answer_starts[0] if e.answer_starts else -1 for e in batch], dtype=np.int64)
        ec = np.array([s + len(e.answer_texts[0]) if e.answer_texts else -1 for e, s in zip(batch, sc)])
        s_pos, e_pos = label_windows(win, sc[win.example_index], ec[win.example_index], cls_positions(win, tokenizer))
        width = win.input_ids.shape[1]
        pos = np.arange(width)[None, :]
        ctx = (pos >= win.context_start[:, None]) & (pos <= win.context_end[:, None]) & (win.context_start[:, None] >= 0)
        offs = np.where(ctx[..., None], win.offsets, -1)
        pad_to = max_length - width
        parts.append({
            "input_ids": np.pad(win.input_ids, ((0, 0), (0, pad_to))),
            "token_type_ids": np.pad(win.token_type_ids, ((0, 0), (0, pad_to))),
            "lengths": win.attention_mask.sum(1),
            "start_positions": s_pos, "end_positions": e_pos,
            "example_index": win.example_index + lo,
            "offsets": np.pad(offs, ((0, 0), (0, pad_to), (0, 0)), constant_values=-1),
        })
    if not parts:
        return {"input_ids": np.zeros((0, max_length), np.int64), "token_type_ids": np.zeros((0, max_length), np.int64),
                "lengths": np.zeros(0, np.int64), "start_positions": np.zeros(0, np.int64),
                "end_positions": np.zeros(0, np.int64), "example_index": np.zeros(0, np.int64),
                "offsets": np.zeros((0, max_length, 2), np.int64)}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


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


def _select(arrays: dict[str, np.ndarray], examples: list, keep: list[int]) -> tuple[list, dict[str, np.ndarray]]:
    """Examples `keep` (indices) and their windows, example_index renumbered."""
    remap = np.full(len(examples), -1, dtype=np.int64)
    remap[np.asarray(keep, dtype=np.int64)] = np.arange(len(keep))
    rows = remap[arrays["example_index"]] >= 0
    out = {k: v[rows] for k, v in arrays.items()}
    out["example_index"] = remap[out["example_index"]]
    return [examples[i] for i in keep], out


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


def prepare_qa(build_dir: str | Path, out_dir: str | Path, tokenizer: str | Path | None = None,
               dev_fraction: float = 0.1, seed: int = 1234, max_dev_questions: int = 0,
               check: bool = True, log=print) -> dict[str, Any]:
    """Write the prepared QA dir (see module docstring); returns its manifest."""
    from datasets import load_from_disk

    started = time.time()
    build_dir = Path(build_dir)
    bm = read_manifest(build_dir)
    if bm is None or bm.get("kind") != "qa":
        raise FileNotFoundError(f"{build_dir}: not a `fa-nlp build qa` output (no QA manifest.json)")
    bcfg = bm["config"]
    tok_file = _build_tokenizer_file(build_dir, bm, tokenizer)
    tok = load_fast_tokenizer(tok_file)
    vocab_size = tok.get_vocab_size()
    max_length, overlap, pad = int(bcfg["max_length"]), int(bcfg["overlap"]), bool(bcfg.get("pad_to_max_length", True))
    ex_sets = load_from_disk(str(build_dir / "examples"))

    counts, dev_info = {}, {}
    with atomic_dir(out_dir) as tmp:
        for role in ("train", "eval"):
            if role not in ex_sets:
                continue
            examples = _examples(ex_sets[role])
            arrays = encode_examples(examples, tok, max_length, overlap, pad)
            if check:
                _check_against_build(arrays, build_dir, role)
            if role == "eval":
                counts["test"] = write_split(tmp, "test", examples, arrays, vocab_size)
                continue
            dev_ctx = hold_out_contexts(examples, dev_fraction, seed, max_dev_questions)
            # dev: grouped by context (first-seen order), so the first N dev questions cover whole contexts
            dev_keep = [i for i, e in enumerate(examples) if e.context in dev_ctx]
            order = {c: k for k, c in enumerate(dict.fromkeys(examples[i].context for i in dev_keep))}
            dev_keep.sort(key=lambda i: (order[examples[i].context], i))
            train_keep = [i for i, e in enumerate(examples) if e.context not in dev_ctx]
            for split, keep in (("train", train_keep), ("dev", dev_keep)):
                if keep:
                    ex, arr = _select(arrays, examples, keep)
                    counts[split] = write_split(tmp, split, ex, arr, vocab_size)
            dev_info = {"fraction": dev_fraction, "seed": seed, "max_questions": max_dev_questions,
                        "contexts": len(dev_ctx), "questions": len(dev_keep), "by": "context"}
        tdir = tmp / "tokenizer"
        tdir.mkdir()
        shutil.copy2(tok_file, tdir / QA_FILE)
        cfg_file = tok_file.parent / CONFIG_FILE
        if cfg_file.is_file():
            shutil.copy2(cfg_file, tdir / cfg_file.name)
        ids = {name: tok.token_to_id(t) for name, t in (("pad_id", "[PAD]"), ("unk_id", "[UNK]"), ("cls_id", "[CLS]"),
                                                        ("sep_id", "[SEP]"), ("mask_id", "[MASK]"))}
        meta = {"kind": "qa", "vocab_size": vocab_size, **ids, "max_len": max_length, "max_length": max_length,
                "overlap": overlap, "splits": [s for s in SPLITS if s in counts], "counts": counts, "dev": dev_info,
                "build": {"dir": portable_path(build_dir), "key": bm.get("key"), "config": bcfg},
                "tokenizer": {"path": portable_path(tok_file), "sha256": sha256_file(tok_file)},
                "checked_against_build": check, "seconds": round(time.time() - started, 2)}
        write_json(tmp / MANIFEST, meta)
    for s, c in counts.items():
        log(f"prepare qa: {s}: {c['questions']} questions ({c['unanswerable']} unanswerable), {c['contexts']} contexts, "
            f"{c['windows']} windows ({c['cls_windows']} labelled [CLS])")
    return meta

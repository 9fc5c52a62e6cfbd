"""The prepared QA folder: the numpy windows `fa-nlp train` / `evaluate` read, written by `fa-nlp build qa`.

    fa-nlp build qa --dataset pquad --tokenizer build/tok/qa --out build/qa/pquad --dev-fraction 0.1 --seed 1234
    # [data] prepared = "build/qa/pquad/prepared"   (the build folder itself is accepted too)

Why a folder of its own (BUILD/prepared/): training and evaluation then read only numpy and JSONL
(a GPU box may lack pyarrow/datasets), the folder can be copied alone, and the dev slice is cut once,
reproducibly, by the build (`QABuildConfig.dev_fraction/seed/max_dev_questions`). The arrays come
from the same `encode_windows` call as the build's `hf/` features (`fa_nlp.tasks.qa.features`), so
they are exactly `run_qa.py`'s windows, plus each window's example and character offsets.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fa_nlp.data.prepared import (
    MANIFEST,
    PREPARED_DIR,
    id_dtype,
    inner_prepared,
    load_arrays,
    open_prepared,
    save_array,
    tokenizer_dir,
)
from fa_nlp.io import iter_jsonl, sha256_file, write_json, write_jsonl
from fa_nlp.settings import portable_path
from fa_nlp.tasks.qa.examples import QAExample
from fa_nlp.tokenization import CONFIG_FILE, QA_FILE

SPLITS = ("train", "dev", "test")
ROLE_OF = {"train": "train", "dev": "train", "test": "eval"}
WRITTEN_BY = "fa-nlp build qa"


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


def _select(arrays: dict[str, np.ndarray], examples: list, keep: list[int]) -> tuple[list, dict[str, np.ndarray]]:
    """Examples `keep` (indices) and their windows, example_index renumbered."""
    remap = np.full(len(examples), -1, dtype=np.int64)
    remap[np.asarray(keep, dtype=np.int64)] = np.arange(len(keep))
    rows = remap[arrays["example_index"]] >= 0
    out = {k: v[rows] for k, v in arrays.items()}
    out["example_index"] = remap[out["example_index"]]
    return [examples[i] for i in keep], out


def _write_train_and_dev(out: Path, examples: list, arrays: dict[str, np.ndarray], vocab_size: int,
                         dev_fraction: float, seed: int, max_dev_questions: int) -> tuple[dict, dict]:
    """The train role → `train` and the held-out `dev` split; (counts per split, dev description)."""
    dev_ctx = hold_out_contexts(examples, dev_fraction, seed, max_dev_questions)
    # dev: grouped by context (first-seen order), so the first N dev questions cover whole contexts
    dev_keep = [i for i, e in enumerate(examples) if e.context in dev_ctx]
    order = {c: k for k, c in enumerate(dict.fromkeys(examples[i].context for i in dev_keep))}
    dev_keep.sort(key=lambda i: (order[examples[i].context], i))
    train_keep = [i for i, e in enumerate(examples) if e.context not in dev_ctx]
    counts = {}
    for split, keep in (("train", train_keep), ("dev", dev_keep)):
        if keep:
            ex, arr = _select(arrays, examples, keep)
            counts[split] = write_split(out, split, ex, arr, vocab_size)
    dev = {"fraction": dev_fraction, "seed": seed, "max_questions": max_dev_questions,
           "contexts": len(dev_ctx), "questions": len(dev_keep), "by": "context"}
    return counts, dev


def write_prepared(out: str | Path, roles: dict[str, tuple[list, dict[str, np.ndarray]]], tokenizer,
                   tok_file: str | Path, *, max_length: int, overlap: int, dev_fraction: float = 0.1,
                   seed: int = 1234, max_dev_questions: int = 0, build: dict | None = None,
                   extra: dict | None = None, log=print) -> dict[str, Any]:
    """Write the prepared folder `out` (created; the caller makes it atomic) from `roles`: role
    ("train" / "eval") → (examples, their windows as `features.numpy_windows` arrays). Returns the manifest."""
    out, tok_file = Path(out), Path(tok_file)
    out.mkdir(parents=True, exist_ok=True)
    vocab_size = tokenizer.get_vocab_size()
    counts, dev_info = {}, {}
    if "train" in roles:
        counts, dev_info = _write_train_and_dev(out, *roles["train"], vocab_size, dev_fraction, seed,
                                                max_dev_questions)
    if "eval" in roles:
        counts["test"] = write_split(out, "test", *roles["eval"], vocab_size)
    tdir = out / "tokenizer"
    tdir.mkdir()
    shutil.copy2(tok_file, tdir / QA_FILE)
    cfg_file = tok_file.parent / CONFIG_FILE
    if cfg_file.is_file():
        shutil.copy2(cfg_file, tdir / cfg_file.name)
    ids = {name: tokenizer.token_to_id(t) for name, t in (("pad_id", "[PAD]"), ("unk_id", "[UNK]"),
                                                          ("cls_id", "[CLS]"), ("sep_id", "[SEP]"),
                                                          ("mask_id", "[MASK]"))}
    meta = {"kind": "qa", "made_by": WRITTEN_BY, "vocab_size": vocab_size, **ids, "max_len": max_length,
            "max_length": max_length, "overlap": overlap, "splits": [s for s in SPLITS if s in counts],
            "counts": counts, "dev": dev_info, "build": build or {},
            "tokenizer": {"path": portable_path(tok_file), "sha256": sha256_file(tok_file)}, **(extra or {})}
    write_json(out / MANIFEST, meta)
    for s, c in counts.items():
        log(f"qa: {s}: {c['questions']} questions ({c['unanswerable']} unanswerable), {c['contexts']} contexts, "
            f"{c['windows']} windows ({c['cls_windows']} labelled [CLS])")
    return meta


# ---------------------------------------------------------------------------------------------
# loading


def resolve_prepared(path: str | Path) -> Path:
    """The prepared folder for `path`: itself, or BUILD/prepared when `path` is a `fa-nlp build qa`
    output. A build made before the arrays were part of it is an error that says how to get them."""
    path = Path(path)
    inner = inner_prepared(path)
    if inner != path:
        return inner
    if (path / "hf").is_dir() and (path / "examples").is_dir():
        raise FileNotFoundError(f"{path}: a `fa-nlp build qa` output without {PREPARED_DIR}/ (made by an older "
                                "version): rebuild it with `fa-nlp build qa ... --force`, which now writes the "
                                "arrays too (or, for one more release, `fa-nlp prepare qa --build DIR --out DIR2`)")
    return path


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
    """The prepared QA folder at `path` (or at `path`/prepared for a build folder), arrays memory-mapped."""
    path, meta = open_prepared(resolve_prepared(path), WRITTEN_BY, "qa")
    splits = {}
    for s in meta["splits"]:
        arr = load_arrays(path, s, ("input_ids", "token_type_ids", "lengths", "start_positions", "end_positions",
                                    "example_index", "offsets"))
        splits[s] = QASplit(s, path=path, **arr)
    return QAPrepared(path, meta, splits)

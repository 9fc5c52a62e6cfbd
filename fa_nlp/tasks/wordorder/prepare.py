"""Pre-tokenized seq2seq arrays: `prepare` tokenizes once, training reads only numpy files.

    fa-nlp prepare --dataset build/wordorder/sample --tokenizer build/tok/sample --out build/prepared/sample

Input: `<dataset>/parquet/{train,validation,test}.parquet` (word-order columns `shuffled` -> `ordered`)
or `<dataset>/{split}.jsonl` (`src` / `tgt`, names configurable). Output per split:
`{split}.src_ids.npy` / `{split}.src_offsets.npy` / `{split}.tgt_ids.npy` / `{split}.tgt_offsets.npy`
(flat ids, uint16 when the vocabulary fits, + int64 offsets); for every split but train
`{split}.pairs.jsonl` (id, src, tgt text of the kept pairs, for dev metrics) and `{split}.eval.jsonl`
(every pair read, skipped ones included: what `fa-nlp evaluate` scores); `word_start.npy` (which
token ids begin a word, for per-epoch source word reshuffling); `tokenizer/` (a copy) and
`manifest.json` (inputs, counts, skips, special ids). Train texts are not duplicated as JSONL (they
would dominate the size of what is carried to a GPU box): `Prepared.texts` decodes them when needed. Sources end with EOS; targets are stored bare and get BOS/EOS in `collate`. Why numpy
and JSONL: the GPU box has torch and numpy but maybe not pyarrow/datasets, and the prepared dir is
all that training and evaluation read there.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fa_nlp.data.builds import input_record
from fa_nlp.data.prepared import (
    MANIFEST,  # noqa: F401 - re-exported: the name other modules import from here
    load_arrays,
    open_prepared,
    ragged,
    save_array,
    tokenizer_dir,
    write_manifest,
)
from fa_nlp.io import atomic_dir, iter_jsonl, restore_published, write_jsonl
from fa_nlp.report import InputError, SkipReport
from fa_nlp.settings import portable_path
from fa_nlp.tokenization import load_tokenizer

SPLITS = ("train", "validation", "test")
EVAL_SUFFIX = ".eval.jsonl"  # `{split}.eval.jsonl`: every pair of an evaluation split, as read


# ---------------------------------------------------------------------------------------------
# reading pairs


def split_file(dataset: str | Path, split: str) -> Path | None:
    """A dataset dir's file for `split`: parquet/<split>.parquet, <split>.parquet or <split>.jsonl
    (a dataset stranded by a publish killed between its renames is put back first)."""
    dataset = restore_published(dataset)
    for cand in (dataset / "parquet" / f"{split}.parquet", dataset / f"{split}.parquet", dataset / f"{split}.jsonl"):
        if cand.is_file():
            return cand
    return None


def read_pairs(path: str | Path, src_column: str | None = None, tgt_column: str | None = None) -> Iterator[dict]:
    """Yield {"id", "src", "tgt"} rows from a Parquet (default columns shuffled/ordered) or JSONL
    (default src/tgt) file; bad rows raise InputError naming file and row."""
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        sc, tc = src_column or "shuffled", tgt_column or "ordered"
        table = pq.read_table(path)
        missing = [c for c in (sc, tc) if c not in table.column_names]
        if missing:
            raise InputError(path, None, f"missing column(s) {missing}; has {table.column_names}")
        ids = table.column("id").to_pylist() if "id" in table.column_names else range(table.num_rows)
        for row, (i, s, t) in enumerate(zip(ids, table.column(sc).to_pylist(), table.column(tc).to_pylist())):
            if not isinstance(s, str) or not isinstance(t, str):
                raise InputError(path, f"row {row}", f"{sc!r}/{tc!r} must be strings, got {s!r} / {t!r}")
            yield {"id": str(i), "src": s, "tgt": t}
        return
    sc, tc = src_column or "src", tgt_column or "tgt"
    for lineno, obj in iter_jsonl(path):
        if not isinstance(obj, dict) or not isinstance(obj.get(sc), str) or not isinstance(obj.get(tc), str):
            raise InputError(path, lineno, f"expected an object with string fields {sc!r} and {tc!r}")
        yield {"id": str(obj.get("id", lineno)), "src": obj[sc], "tgt": obj[tc]}


# ---------------------------------------------------------------------------------------------
# writing / loading arrays


def write_split(out_dir: str | Path, split: str, src: list[list[int]], tgt: list[list[int]],
                pairs: list[dict] | None = None) -> None:
    """Write one split's arrays (src already ending in EOS; tgt bare)."""
    out_dir = Path(out_dir)
    for side, seqs in (("src", src), ("tgt", tgt)):
        ids, offsets = ragged(seqs)
        save_array(out_dir / f"{split}.{side}_ids.npy", ids)
        save_array(out_dir / f"{split}.{side}_offsets.npy", offsets)
    if pairs is not None:
        write_jsonl(out_dir / f"{split}.pairs.jsonl", pairs)


def write_meta(out_dir: str | Path, vocab_size: int, pad_id: int = 0, bos_id: int = 2, eos_id: int = 3,
               **extra) -> None:
    write_manifest(out_dir, {"vocab_size": vocab_size, "pad_id": pad_id, "bos_id": bos_id, "eos_id": eos_id, **extra})


@dataclass
class Seq2SeqSplit:
    src_ids: np.ndarray
    src_offsets: np.ndarray
    tgt_ids: np.ndarray
    tgt_offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.src_offsets) - 1

    @property
    def src_lens(self) -> np.ndarray:
        return np.diff(self.src_offsets)

    @property
    def tgt_lens(self) -> np.ndarray:  # + 1: BOS (input side) / EOS (output side)
        return np.diff(self.tgt_offsets) + 1

    def src(self, i: int) -> np.ndarray:
        return self.src_ids[self.src_offsets[i] : self.src_offsets[i + 1]]

    def tgt(self, i: int) -> np.ndarray:
        return self.tgt_ids[self.tgt_offsets[i] : self.tgt_offsets[i + 1]]


@dataclass
class Prepared:
    path: Path
    meta: dict
    splits: dict[str, Seq2SeqSplit]

    def texts(self, split: str, side: str = "tgt", limit: int = 0) -> list[str]:
        """Decoded texts of one side of a split (e.g. train targets for the n-gram baseline)."""

        if self.tokenizer_dir is None:
            raise FileNotFoundError(f"{self.path}: no tokenizer/ to decode {split} texts with")
        tok = load_tokenizer(self.tokenizer_dir)
        sp = self.splits[split]
        n = len(sp) if not limit else min(limit, len(sp))
        get = sp.src if side == "src" else sp.tgt
        return [tok.decode(get(i).tolist()) for i in range(n)]

    def word_starts(self) -> np.ndarray | None:
        """Boolean mask over the vocabulary: token ids that begin a word (None if not prepared)."""
        f = self.path / "word_start.npy"
        return np.load(f) if f.is_file() else None

    def pairs(self, split: str, limit: int | None = None) -> list[tuple[str, str]]:
        """(source, target) texts of a split, for dev metrics; [] when the texts were not saved."""
        f = self.path / f"{split}.pairs.jsonl"
        if not f.is_file():
            return []
        out = []
        for row in read_pairs(f):
            if limit is not None and len(out) >= limit:
                break
            out.append((row["src"], row["tgt"]))
        return out

    @property
    def tokenizer_dir(self) -> Path | None:
        return tokenizer_dir(self.path)


def load_prepared(path: str | Path) -> Prepared:
    path, meta = open_prepared(path, "fa-nlp prepare wordorder --dataset ... --out DIR")
    splits = {}
    for f in sorted(path.glob("*.src_ids.npy")):
        name = f.name.removesuffix(".src_ids.npy")
        arrs = load_arrays(path, name, ("src_ids", "src_offsets", "tgt_ids", "tgt_offsets"), mmap=False)
        splits[name] = Seq2SeqSplit(**arrs)
    return Prepared(path, meta, splits)


def shuffle_source_words(src: np.ndarray, word_start: np.ndarray, key: tuple[int, ...]) -> np.ndarray:
    """A new random order of the words of a source (token ids ending in EOS), seeded by `key`.

    Why: a word-order dataset stores one shuffle per sentence; drawing a fresh one every epoch
    (seeded by seed, epoch, example) multiplies the training data without growing the files, and
    keeps resumed runs exact. Words are token runs that start at a `word_start` id."""
    body, tail = src[:-1], src[-1:]
    if len(body) < 2:
        return src
    starts = np.flatnonzero(word_start[body])
    if len(starts) == 0 or starts[0] != 0:
        starts = np.concatenate([[0], starts])
    words = np.split(body, starts[1:])
    order = np.random.default_rng(key).permutation(len(words))
    return np.concatenate([*(words[k] for k in order), tail])


def collate(split: Seq2SeqSplit, indices: list[int], pad_id: int, bos_id: int, eos_id: int,
            word_start: np.ndarray | None = None, shuffle_key: tuple[int, ...] = ()):
    """-> (src [B,S], tgt_in [B,T], tgt_out [B,T]) int64 tensors, right-padded with pad_id.
    With `word_start`, each source's words are reshuffled (seeded by `shuffle_key` + the index)."""
    import torch

    srcs = [split.src(i) for i in indices]
    if word_start is not None:
        srcs = [shuffle_source_words(s, word_start, (*shuffle_key, int(i))) for s, i in zip(srcs, indices)]
    tgts = [split.tgt(i) for i in indices]
    b = len(indices)
    src = np.full((b, max(len(s) for s in srcs)), pad_id, dtype=np.int64)
    t_len = max(len(t) for t in tgts) + 1
    tin = np.full((b, t_len), pad_id, dtype=np.int64)
    tout = np.full((b, t_len), pad_id, dtype=np.int64)
    for r, (s, t) in enumerate(zip(srcs, tgts)):
        src[r, : len(s)] = s
        tin[r, 0] = bos_id
        tin[r, 1 : len(t) + 1] = t
        tout[r, : len(t)] = t
        tout[r, len(t)] = eos_id
    return torch.from_numpy(src), torch.from_numpy(tin), torch.from_numpy(tout)


# ---------------------------------------------------------------------------------------------
# prepare


def prepare(dataset: str | Path, tokenizer: str | Path, out: str | Path, max_len: int = 256,
            src_column: str | None = None, tgt_column: str | None = None, splits=SPLITS) -> dict:
    """Tokenize every split found in `dataset` into `out` (built in a temp dir, swapped in atomically).

    Pairs whose source or target would exceed `max_len` tokens (with BOS/EOS) are skipped and counted.
    """

    dataset, tok_path = Path(dataset), Path(tokenizer)
    tok = load_tokenizer(tok_path)
    found = {s: split_file(dataset, s) for s in splits}
    found = {s: f for s, f in found.items() if f is not None}
    if "train" not in found:
        raise FileNotFoundError(f"{dataset}: no train split (looked for parquet/train.parquet and train.jsonl)")
    started = time.time()
    counts, reports = {}, {}
    with atomic_dir(out) as tmp:
        for split, f in found.items():
            rep = SkipReport()
            src_seqs, tgt_seqs, pairs = [], [], []
            rows = list(read_pairs(f, src_column, tgt_column))
            enc_src = tok.encode_batch([r["src"] for r in rows])
            enc_tgt = tok.encode_batch([r["tgt"] for r in rows])
            for r, s, t in zip(rows, enc_src, enc_tgt):
                if len(s) + 1 > max_len or len(t) + 1 > max_len:
                    rep.skip("longer than max_len", r["id"])
                    continue
                if not t:
                    rep.skip("empty target", r["id"])
                    continue
                src_seqs.append(list(s) + [tok.eos_id])
                tgt_seqs.append(list(t))
                pairs.append(r)
                rep.keep()
            rep.check()
            write_split(tmp, split, src_seqs, tgt_seqs, None if split == "train" else pairs)
            if split != "train":
                write_jsonl(tmp / f"{split}{EVAL_SUFFIX}", rows)
            counts[split] = {"pairs": len(src_seqs), "src_tokens": sum(map(len, src_seqs)),
                             "tgt_tokens": sum(map(len, tgt_seqs)) + len(tgt_seqs)}
            reports[split] = rep.to_dict()
        shutil.copytree(tok_path if tok_path.is_dir() else tok_path.parent, tmp / "tokenizer")
        save_array(tmp / "word_start.npy",
                  np.array([tok.id_to_piece(i).startswith("▁") for i in range(tok.vocab_size)], dtype=bool))
        write_meta(tmp, tok.vocab_size, tok.pad_id, tok.bos_id, tok.eos_id, max_len=max_len,
                   inputs=[input_record(f) for f in found.values()], tokenizer=portable_path(tok_path),
                   counts=counts, skips=reports, seconds=round(time.time() - started, 2))
    return {"counts": counts, "skips": reports}

"""`fa-nlp prepare-mlm`: plain text → packed rows of WordPiece ids for masked-LM pretraining.

    fa-nlp prepare-mlm --text fa_text:A+B --qa-prepared build/qa/prepared --out build/mlm/prepared --max-len 128

Text: the documents of `--text` (default fa_text tiers A+B) plus each distinct context of the QA
prepared dir's TRAIN split (never its dev or test questions' contexts). Tokenizer: the QA one
(copied from the QA prepared dir), so the pretrained encoder's vocabulary is the QA model's.
Normalization: as the QA build did it (`fa_nlp.text.normalize`), so the model sees one text form.

Decontamination: a text document that shares any 13-word shingle (whitespace words) with a dev or
test context is dropped and counted (fa_text holds Wikipedia-derived text; PQuAD is Wikipedia).

Packing: each document's ids followed by [SEP], documents back to back (seeded order), cut into
rows of `max_len - 2` tokens, each row `[CLS] ... [SEP]` padded with [PAD] (the last, short row is
kept when it has >= 16 tokens). Documents chosen (seeded) for `validation` never reach `train`.

Files: `{split}.ids.npy` [N, max_len] (uint16 when the vocabulary fits), `{split}.lengths.npy`,
`tokenizer/`, `manifest.json` (counts, dropped documents, special ids).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from fa_nlp.io import iter_jsonl, read_prepared_manifest, write_json

MANIFEST = "manifest.json"
SHINGLE = 13
MIN_LAST_ROW = 16


def shingles(text: str, n: int = SHINGLE) -> set[int]:
    w = text.split()
    return {hash(" ".join(w[i : i + n])) for i in range(max(0, len(w) - n + 1))}


def pack(docs_ids: list[list[int]], max_len: int, cls_id: int, sep_id: int, pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Documents (ids without specials) → rows [CLS] chunk [SEP] of width max_len, and their lengths."""
    body = max_len - 2
    if body < 1:
        raise ValueError(f"max_len={max_len} leaves no room for tokens")
    flat = np.fromiter((t for d in docs_ids for t in (*d, sep_id)), dtype=np.int64)
    n_full = len(flat) // body
    rest = len(flat) - n_full * body
    chunks = [flat[i * body : (i + 1) * body] for i in range(n_full)]
    if rest >= MIN_LAST_ROW:
        chunks.append(flat[n_full * body :])
    rows = np.full((len(chunks), max_len), pad_id, dtype=np.int64)
    lengths = np.zeros(len(chunks), dtype=np.int64)
    for i, c in enumerate(chunks):
        rows[i, 0], rows[i, 1 : 1 + len(c)], rows[i, 1 + len(c)] = cls_id, c, sep_id
        lengths[i] = len(c) + 2
    return rows, lengths


def _save(path: Path, arr: np.ndarray) -> None:
    from fa_nlp.io import atomic_open

    with atomic_open(path, "wb") as fh:
        np.save(fh, arr)


def _contexts(qa_prepared: Path, split: str) -> list[str]:
    f = qa_prepared / f"{split}.contexts.jsonl"
    return [row["context"] for _, row in iter_jsonl(f)] if f.is_file() else []


def pretraining_texts(text: str, qa_prepared: Path, normalize: bool | None = None, lenient: bool = False,
                      max_docs: int = 0):
    """Plain text for pretraining: the documents of `text` (normalized when `normalize`; None = as
    the QA build did), minus those sharing a 13-word shingle with a dev or test context, then each
    distinct context of the QA TRAIN split. Returns (texts, counts incl. `normalized`, skip report or None)."""
    from fa_nlp.data.readers import read_documents
    from fa_nlp.report import SkipReport

    qa_meta = read_prepared_manifest(qa_prepared, "fa-nlp prepare-qa", "qa", MANIFEST)
    if normalize is None:
        normalize = bool(qa_meta.get("build", {}).get("config", {}).get("normalize", False))
    held_out = set()
    for split in ("dev", "test"):
        for c in _contexts(qa_prepared, split):
            held_out |= shingles(c)
    report = SkipReport() if lenient else None
    texts, dropped, read = [], 0, 0
    if text:
        norm = None
        if normalize:
            from fa_nlp.text import normalize as norm
        for doc in read_documents(text, lenient=lenient, report=report):
            if max_docs and read >= max_docs:
                break
            read += 1
            t = norm(doc.text).text if norm is not None else doc.text
            if not t.strip():
                continue
            if held_out and shingles(t) & held_out:
                dropped += 1
                continue
            texts.append(t)
    kept = len(texts)
    texts += _contexts(qa_prepared, "train")  # already normalized as the QA build did
    return texts, {"read": read, "kept": kept, "dropped": dropped, "normalized": normalize}, report


def prepare_mlm(text: str, qa_prepared: str | Path, out_dir: str | Path, max_len: int = 128, dev_docs: int = 200,
                max_docs: int = 0, normalize: bool | None = None, lenient: bool = False, seed: int = 1234,
                log=print) -> dict[str, Any]:
    """Write the MLM prepared dir (module docstring); returns its manifest. `text=""`: QA contexts only."""
    from fa_nlp.io import atomic_dir
    from fa_nlp.tokenization import QA_FILE, load_fast_tokenizer

    started = time.time()
    qa_prepared = Path(qa_prepared)
    read_prepared_manifest(qa_prepared, "fa-nlp prepare-qa", "qa", MANIFEST)  # a clear error before any work
    tok_dir = qa_prepared / "tokenizer"
    tok = load_fast_tokenizer(tok_dir / QA_FILE)
    texts, stats, report = pretraining_texts(text, qa_prepared, normalize, lenient=lenient, max_docs=max_docs)
    normalize = stats["normalized"]
    n_text, read, dropped, qa_ctx = stats["kept"], stats["read"], stats["dropped"], texts[stats["kept"]:]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(texts))
    n_dev = min(dev_docs, len(texts) // 10)
    dev_idx, train_idx = order[:n_dev], order[n_dev:]
    ids = {"pad_id": tok.token_to_id("[PAD]"), "unk_id": tok.token_to_id("[UNK]"), "cls_id": tok.token_to_id("[CLS]"),
           "sep_id": tok.token_to_id("[SEP]"), "mask_id": tok.token_to_id("[MASK]")}
    if any(v is None for v in ids.values()):
        raise ValueError(f"{tok_dir}: tokenizer lacks one of [PAD] [UNK] [CLS] [SEP] [MASK]")
    vocab = tok.get_vocab_size()
    counts = {}
    with atomic_dir(out_dir) as tmp:
        for split, idx in (("train", train_idx), ("validation", dev_idx)):
            docs = [texts[i] for i in idx.tolist()]
            enc = []
            for lo in range(0, len(docs), 2000):
                enc += [e.ids for e in tok.encode_batch(docs[lo : lo + 2000], add_special_tokens=False)]
            rows, lengths = pack(enc, max_len, ids["cls_id"], ids["sep_id"], ids["pad_id"])
            dt = np.uint16 if vocab <= np.iinfo(np.uint16).max else np.int32
            _save(tmp / f"{split}.ids.npy", rows.astype(dt))
            _save(tmp / f"{split}.lengths.npy", lengths.astype(np.int32))
            counts[split] = {"documents": len(docs), "rows": len(rows), "tokens": int(lengths.sum()),
                             "unk_share": round(float((rows == ids["unk_id"]).sum()) / max(1, int(lengths.sum())), 5)}
        shutil.copytree(tok_dir, tmp / "tokenizer")
        meta = {"kind": "mlm", "vocab_size": vocab, **ids, "max_len": max_len, "splits": list(counts),
                "counts": counts,
                "sources": {"text": text, "text_documents_read": read, "text_documents_kept": n_text,
                            "dropped_sharing_a_13_word_shingle_with_qa_dev_or_test": dropped,
                            "qa_train_contexts": len(qa_ctx), "qa_prepared": str(qa_prepared),
                            "normalized": normalize,
                            "skips": report.to_dict() if report is not None else None},
                "seed": seed, "seconds": round(time.time() - started, 2)}
        write_json(tmp / MANIFEST, meta)
    for s, c in counts.items():
        log(f"prepare-mlm: {s}: {c['documents']} documents → {c['rows']} rows, {c['tokens']} tokens")
    log(f"prepare-mlm: {read} text documents read, {dropped} dropped (shared text with QA dev/test), "
        f"{len(qa_ctx)} QA train contexts added")
    return meta


def load_mlm_prepared(path: str | Path) -> tuple[dict, dict[str, tuple[np.ndarray, np.ndarray]]]:
    path = Path(path)
    meta = read_prepared_manifest(path, "fa-nlp prepare-mlm", "mlm", MANIFEST)
    return meta, {s: (np.load(path / f"{s}.ids.npy", mmap_mode="r"), np.load(path / f"{s}.lengths.npy"))
                  for s in meta["splits"]}

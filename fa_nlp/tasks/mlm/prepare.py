"""`fa-nlp prepare mlm`: plain text → packed rows of WordPiece ids for masked-LM pretraining.

    fa-nlp prepare mlm --text fa_text:A+B --qa-prepared build/qa/prepared --out build/mlm/prepared --max-len 128

Text: the documents of `--text` (default fa_text tiers A+B) plus each distinct context of the QA
prepared dir's TRAIN split (never its dev or test questions' contexts). Tokenizer: the QA one
(copied from the QA prepared dir), so the pretrained encoder's vocabulary is the QA model's.
Normalization: as the QA build did it (`fa_nlp.text.normalize`), so the model sees one text form.

Decontamination (`fa_nlp.data.decontaminate`): a text document that shares any 13-word run with a dev
or test context of the QA folder, or with a `held_out` set (CLI default: every evaluation set of the
catalog and the word-order validation/test documents), is dropped and counted per set in the manifest
(`sources.decontamination`; fa_text holds Wikipedia-derived text and most ParsiNLU RC test passages).

Packing: each document's ids followed by [SEP], documents back to back (seeded order), cut into
rows of `max_len - 2` tokens, each row `[CLS] ... [SEP]` padded with [PAD] (the last, short row is
kept when it has >= 16 tokens). Documents chosen (seeded) for `validation` never reach `train`.

Files: `{split}.ids.npy` [N, max_len] (uint16 when the vocabulary fits), `{split}.lengths.npy`,
`tokenizer/`, `manifest.json` (counts, dropped documents, special ids).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fa_nlp.data.decontaminate import held_out_sets
from fa_nlp.data.prepared import MANIFEST, id_dtype, load_arrays, open_prepared, save_array
from fa_nlp.data.pretraining import pretraining_texts as _texts
from fa_nlp.data.pretraining import qa_folder_contexts
from fa_nlp.io import atomic_dir, write_json
from fa_nlp.settings import portable_path
from fa_nlp.tokenization import QA_FILE, load_fast_tokenizer

MIN_LAST_ROW = 16


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


def pretraining_texts(text: str, qa_prepared: Path, normalize: bool | None = None, lenient: bool = False,
                      max_docs: int = 0, held_out: Sequence[str] = ()):
    """`fa_nlp.data.pretraining.pretraining_texts` with a prepared QA folder: its TRAIN contexts added, its
    dev/test contexts and the `held_out` sets (`decontaminate.held_out_sets` specs) kept out, its
    normalization matched (None = as the QA build did)."""
    train_ctx, dev_test, normalized = qa_folder_contexts(qa_prepared)
    return _texts(text, include=train_ctx, exclude=dev_test, normalize=normalized if normalize is None else normalize,
                  lenient=lenient, max_docs=max_docs, held_out=held_out_sets(held_out))


def prepare_mlm(text: str, qa_prepared: str | Path, out_dir: str | Path, max_len: int = 128, dev_docs: int = 200,
                max_docs: int = 0, normalize: bool | None = None, lenient: bool = False, seed: int = 1234,
                log=print, held_out: Sequence[str] = ()) -> dict[str, Any]:
    """Write the MLM prepared dir (module docstring); returns its manifest. `text=""`: QA contexts only."""

    started = time.time()
    qa_prepared = Path(qa_prepared)
    open_prepared(qa_prepared, "fa-nlp prepare qa", "qa")  # a clear error before any work
    tok_dir = qa_prepared / "tokenizer"
    tok = load_fast_tokenizer(tok_dir / QA_FILE)
    texts, stats, report = pretraining_texts(text, qa_prepared, normalize, lenient=lenient, max_docs=max_docs,
                                             held_out=held_out)
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
            save_array(tmp / f"{split}.ids.npy", rows.astype(id_dtype(vocab)))
            save_array(tmp / f"{split}.lengths.npy", lengths.astype(np.int32))
            counts[split] = {"documents": len(docs), "rows": len(rows), "tokens": int(lengths.sum()),
                             "unk_share": round(float((rows == ids["unk_id"]).sum()) / max(1, int(lengths.sum())), 5)}
        shutil.copytree(tok_dir, tmp / "tokenizer")
        meta = {"kind": "mlm", "vocab_size": vocab, **ids, "max_len": max_len, "splits": list(counts),
                "counts": counts,
                "sources": {"text": text, "text_documents_read": read, "text_documents_kept": n_text,
                            "dropped_sharing_a_13_word_shingle_with_qa_dev_or_test": dropped,  # any set, once
                            "decontamination": stats["decontamination"],
                            "qa_train_contexts": len(qa_ctx), "qa_prepared": portable_path(qa_prepared),
                            "normalized": normalize,
                            "skips": report.to_dict() if report is not None else None},
                "seed": seed, "seconds": round(time.time() - started, 2)}
        write_json(tmp / MANIFEST, meta)
    for s, c in counts.items():
        log(f"prepare mlm: {s}: {c['documents']} documents → {c['rows']} rows, {c['tokens']} tokens")
    log(f"prepare mlm: {read} text documents read, {dropped} dropped (sharing a 13-word run with an evaluation set), "
        f"{len(qa_ctx)} QA train contexts added")
    return meta


def load_mlm_prepared(path: str | Path) -> tuple[dict, dict[str, tuple[np.ndarray, np.ndarray]]]:
    path, meta = open_prepared(path, "fa-nlp prepare mlm", "mlm")
    return meta, {s: (load_arrays(path, s, ("ids",))["ids"], load_arrays(path, s, ("lengths",), mmap=False)["lengths"])
                  for s in meta["splits"]}

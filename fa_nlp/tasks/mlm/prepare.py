"""`fa-nlp prepare mlm`: plain text + a tokenizer → packed rows of WordPiece ids for masked-LM pretraining.

    fa-nlp prepare mlm --text fa_text:A+B --tokenizer build/tok/qa --include build/qa/pquad/prepared/train.contexts.jsonl \
        --exclude build/qa/pquad/prepared/dev.contexts.jsonl build/qa/pquad/prepared/test.contexts.jsonl \
        --out build/mlm/prepared --max-len 128

Text: the documents of every `--text` source, in order (`fa_nlp.data.pretraining.read_texts`: a corpus
name / selection / file, or the `*.contexts.jsonl` a QA build writes), then the texts of every
`--include` source as they are, neither normalized nor decontaminated: the fine-tuning task's own
training text (a QA folder's train contexts), which that task trains on anyway. Tokenizer: a QA-family tokenizer
(`fa-nlp tokenizer train --family qa` writes one; a directory or its `tokenizer.json`), copied into
the output, so a pretrained encoder's vocabulary is the one its fine-tuning task uses. Normalization
(`fa_nlp.text.normalize`, default on): the text form the QA build gives its contexts by default.
Nothing here reads another task's folder, so MLM pretraining needs no other task's output.

Decontamination (`fa_nlp.data.decontaminate`): a text document that shares any 13-word run with a text
of an `--exclude` source (a QA folder's dev/test contexts, say) or with a `held_out` set (CLI default:
every evaluation set of the catalog and the word-order validation/test documents) is dropped and
counted per set in the manifest (`sources.decontamination`; fa_text holds Wikipedia-derived text and
most ParsiNLU RC test passages).

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
from fa_nlp.data.pretraining import pretraining_texts, read_texts
from fa_nlp.io import atomic_dir, write_json
from fa_nlp.settings import portable_path
from fa_nlp.tokenization import CONFIG_FILE, QA_FILE, load_fast_tokenizer
from fa_nlp.tokenization.common import resolve_files

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


def tokenizer_files(tokenizer: str | Path) -> list[Path]:
    """The files of a QA tokenizer given as a folder or as its `tokenizer.json`: the model file and its
    saved config when there is one. A missing file or a sentencepiece (seq2seq) tokenizer is an error
    naming the path, before any text is read."""
    if not Path(tokenizer).exists():
        raise FileNotFoundError(f"{tokenizer}: no such tokenizer folder or file (`fa-nlp tokenizer train --family qa` "
                                "writes one)")
    file, cfg = resolve_files(tokenizer, QA_FILE)
    if not file.is_file():
        raise FileNotFoundError(f"{tokenizer}: no {file.name} there: give a tokenizer folder as `fa-nlp tokenizer "
                                "train --family qa` writes it, or its tokenizer.json")
    if cfg.get("family", "qa") != "qa":
        raise ValueError(f"{tokenizer}: a {cfg['family']} tokenizer; MLM rows need a QA-family one "
                         "(`fa-nlp tokenizer train --family qa`)")
    config = file.parent / CONFIG_FILE
    return [file, config] if config.is_file() else [file]


def _split_rows(texts: list[str], tok, ids: dict[str, int], max_len: int, dev_docs: int, seed: int):
    """(split, documents, rows, lengths) for `train` and `validation`: a seeded document split, then packing."""
    order = np.random.default_rng(seed).permutation(len(texts))
    n_dev = min(dev_docs, len(texts) // 10)
    for split, idx in (("train", order[n_dev:]), ("validation", order[:n_dev])):
        docs = [texts[i] for i in idx.tolist()]
        enc = []
        for lo in range(0, len(docs), 2000):
            enc += [e.ids for e in tok.encode_batch(docs[lo : lo + 2000], add_special_tokens=False)]
        yield (split, docs, *pack(enc, max_len, ids["cls_id"], ids["sep_id"], ids["pad_id"]))


def prepare_mlm(text: str | Sequence[str], tokenizer: str | Path, out_dir: str | Path, exclude: Sequence[str] = (),
                include: Sequence[str] = (), max_len: int = 128, dev_docs: int = 200, max_docs: int = 0, normalize: bool = True,
                lenient: bool = False, seed: int = 1234, log=print, held_out: Sequence[str] = ()) -> dict[str, Any]:
    """Write the MLM prepared dir (module docstring) from the `text` sources (one or several), minus the
    documents sharing a 13-word run with an `exclude` source's texts or a `held_out` set
    (`decontaminate.held_out_sets` specs), then the texts of the `include` sources as they are;
    `max_docs` > 0: the first N documents of each `text` source. Returns the manifest."""
    started = time.time()
    sources = [text] if isinstance(text, str | Path) else list(text)
    tok_files = tokenizer_files(tokenizer)  # a clear error before any work
    tok = load_fast_tokenizer(tok_files[0])
    ids = {"pad_id": tok.token_to_id("[PAD]"), "unk_id": tok.token_to_id("[UNK]"), "cls_id": tok.token_to_id("[CLS]"),
           "sep_id": tok.token_to_id("[SEP]"), "mask_id": tok.token_to_id("[MASK]")}
    if any(v is None for v in ids.values()):
        raise ValueError(f"{tokenizer}: tokenizer lacks one of [PAD] [UNK] [CLS] [SEP] [MASK]")
    held = held_out_sets(held_out)
    for src in exclude:
        held.add(f"exclude:{portable_path(src)}", read_texts(src))
    added = [t for src in include for t in read_texts(src)]
    texts, stats, report = pretraining_texts(sources, include=added, normalize=normalize, lenient=lenient, max_docs=max_docs,
                                             held_out=held)
    vocab = tok.get_vocab_size()
    counts = {}
    with atomic_dir(out_dir) as tmp:
        for split, docs, rows, lengths in _split_rows(texts, tok, ids, max_len, dev_docs, seed):
            save_array(tmp / f"{split}.ids.npy", rows.astype(id_dtype(vocab)))
            save_array(tmp / f"{split}.lengths.npy", lengths.astype(np.int32))
            counts[split] = {"documents": len(docs), "rows": len(rows), "tokens": int(lengths.sum()),
                             "unk_share": round(float((rows == ids["unk_id"]).sum()) / max(1, int(lengths.sum())), 5)}
        (tmp / "tokenizer").mkdir()
        for f in tok_files:  # the run is self-contained: its vocabulary travels with the rows
            shutil.copy2(f, tmp / "tokenizer" / f.name)
        meta = {"kind": "mlm", "vocab_size": vocab, **ids, "max_len": max_len, "splits": list(counts),
                "counts": counts,
                "sources": {"text": [portable_path(s) for s in sources], "tokenizer": portable_path(tok_files[0]),
                            "exclude": [portable_path(s) for s in exclude],
                            "include": [portable_path(s) for s in include], "included_texts": len(added),
                            "text_documents_read": stats["read"], "text_documents_kept": stats["kept"],
                            "dropped_documents": stats["dropped"],  # sharing a 13-word run with any set, once
                            "decontamination": stats["decontamination"], "normalized": normalize,
                            "skips": report.to_dict() if report is not None else None},
                "seed": seed, "seconds": round(time.time() - started, 2)}
        write_json(tmp / MANIFEST, meta)
    for s, c in counts.items():
        log(f"prepare mlm: {s}: {c['documents']} documents → {c['rows']} rows, {c['tokens']} tokens")
    log(f"prepare mlm: {stats['read']} text documents read, {stats['dropped']} dropped (sharing a 13-word run with "
        f"an evaluation or excluded set), {len(added)} texts included as they are")
    return meta


def load_mlm_prepared(path: str | Path) -> tuple[dict, dict[str, tuple[np.ndarray, np.ndarray]]]:
    path, meta = open_prepared(path, "fa-nlp prepare mlm", "mlm")
    return meta, {s: (load_arrays(path, s, ("ids",))["ids"], load_arrays(path, s, ("lengths",), mmap=False)["lengths"])
                  for s in meta["splits"]}

"""Text for the fusion n-gram LM: every sentence of a word-order build's TRAINING documents, decontaminated.

    from fa_nlp.tasks.wordorder.lm_text import lm_sentences
    sentences, counts = lm_sentences("build/wordorder/fa_text", num_proc=2)
    lm = NgramLM.train(sentences, order=5, smoothing="mkn")

Why not the train split's targets: the build keeps only 3–30-word training sentences (and a
prepared dir only what fits max_len); an n-gram LM gains from every sentence of the same
documents, long ones included, and it needs no GPU time to use them.

What goes in: the documents the build put in `train` (the same corpora, split rule and
`test_sources` as its manifest's config), each sentence normalized and tokenized exactly as the
build does (`filters.process_document`, any length >= 1 word, the other filters unchanged).
What stays out (`fa_nlp.data.decontaminate`, counted in `counts["decontamination"]`):
- a training document that shares a 13-word run with the build's validation or test documents,
  or with any evaluation set of the catalog (QA dev/test, UD dev/test);
- a sentence whose token string is one of the build's validation/test sentences (short sentences
  have no 13-word run; the build's own cross-split dedup covers only sentences in its bounds).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from fa_nlp.config import load_config
from fa_nlp.data.decontaminate import HeldOut, catalog_evaluation_sets
from fa_nlp.report import SkipReport
from fa_nlp.settings import resolve_portable
from fa_nlp.tasks.wordorder.arpa import store_lm, stored_lm
from fa_nlp.tasks.wordorder.baselines import NgramLM
from fa_nlp.tasks.wordorder.build import iter_documents
from fa_nlp.tasks.wordorder.build_config import SPLITS, WordOrderConfig
from fa_nlp.tasks.wordorder.filters import filter_params, process_document
from fa_nlp.tasks.wordorder.parallel import ordered_map, shards
from fa_nlp.tasks.wordorder.prepare import read_pairs, split_file
from fa_nlp.tasks.wordorder.seeded import split_of

HELD_OUT_SPLITS = ("validation", "test")


def build_config(dataset: str | Path) -> WordOrderConfig:
    """The config a word-order build was made with (its manifest.json), runtime fields at their defaults."""
    f = Path(dataset) / "manifest.json"
    if not f.is_file():
        raise FileNotFoundError(f"{dataset}: no manifest.json: not a `fa-nlp build wordorder` output")
    cfg = json.loads(f.read_text(encoding="utf-8")).get("config")
    if not isinstance(cfg, dict) or "corpora" not in cfg:
        raise ValueError(f"{f}: no build config (config.corpora): not a word-order build manifest")
    return WordOrderConfig(**cfg)


def held_out_documents_of(path: str | Path) -> Iterator[tuple[str, list[str]]]:
    """`held_out_documents` of a word-order build directory or a build config TOML (the build need not
    exist: the split rule needs only the config). What `--held-out wordorder:PATH` reads."""
    path = resolve_portable(path)  # a shipped config is found from any working directory
    cfg = build_config(path) if path.is_dir() else load_config(WordOrderConfig, path)
    yield from held_out_documents(cfg)


def document_split(doc_id: str, source: str, params: dict[str, Any]) -> str:
    """The split the build gives a document (the rule of `filters.process_document`)."""
    return "test" if source in params["test_sources"] else split_of(doc_id, params["split_seed"], params["split"])


def held_out_documents(cfg: WordOrderConfig) -> Iterator[tuple[str, list[str]]]:
    """("wordorder:validation" / "wordorder:test", the texts of the build's documents in that split)."""
    params = filter_params(cfg)
    texts: dict[str, list[str]] = {s: [] for s in HELD_OUT_SPLITS}
    for doc_id, text, source in iter_documents(cfg, SkipReport()):
        split = document_split(doc_id, source, params)
        if split in texts:
            texts[split].append(text)
    for s in HELD_OUT_SPLITS:
        yield f"wordorder:{s}", texts[s]


def _digest(s: str) -> bytes:
    return hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest()


def _train_sentences(shard: list[tuple[str, str, str]], params: dict[str, Any]) -> list[list[str]]:
    """Per training document of the shard: its kept sentences (module-level: runs in worker processes)."""
    out = []
    for doc_id, text, source in shard:
        _split, cands = process_document(doc_id, text, source, params, {s: SkipReport() for s in SPLITS}, Counter())
        out.append([c.ordered for c in cands])
    return out


def lm_sentences(dataset: str | Path, num_proc: int = 1, catalog: bool = True,
                 held_out: HeldOut | None = None) -> tuple[list[str], dict[str, Any]]:
    """(sentences, counts) of the module docstring. `catalog=False` skips the catalog's evaluation
    sets (for builds of local files, e.g. tests); `held_out` adds sets of your own."""
    cfg = build_config(dataset)
    held = held_out if held_out is not None else HeldOut()
    for name, texts in held_out_documents(cfg):
        held.add(name, texts)
    if catalog:
        for name, texts in catalog_evaluation_sets():
            held.add(name, texts)
    eval_sentences = set()
    for s in HELD_OUT_SPLITS:
        f = split_file(dataset, s)
        if f is not None:
            eval_sentences |= {_digest(r["tgt"]) for r in read_pairs(f)}
    params = filter_params(cfg)
    params["bounds"] = {s: (1, 10**9) for s in SPLITS}  # every sentence length
    counts = Counter()

    def train_docs():
        for doc_id, text, source in iter_documents(cfg, SkipReport()):
            if document_split(doc_id, source, params) != "train":
                continue
            counts["train_documents"] += 1
            if held.check(text):
                yield doc_id, text, source

    sentences: list[str] = []
    for res in ordered_map(partial(_train_sentences, params=params), shards(train_docs(), cfg.shard_size), num_proc):
        for doc in res:
            counts["documents_kept"] += 1
            for s in doc:
                if _digest(s) in eval_sentences:
                    counts["sentences_equal_to_a_validation_or_test_sentence"] += 1
                    continue
                sentences.append(s)
    counts["sentences"] = len(sentences)
    return sentences, {**counts, "dataset": str(dataset), "decontamination": held.counts()}


# ---------------------------------------------------------------------------------------------
# the fusion LM of an evaluation: stronger than the baseline's, stored with the run


def dataset_dir_of(data_file: str | Path) -> Path:
    """The word-order build a split file comes from: the file's own dataset dir, or (a prepared dir's
    `<split>.eval.jsonl`) the dataset its manifest lists as input."""
    data_file = Path(data_file)
    for cand in (data_file.parent, data_file.parent.parent):
        if (cand / "manifest.json").is_file() and "corpora" in json.loads(
                (cand / "manifest.json").read_text(encoding="utf-8")).get("config", {}):
            return cand
    meta = data_file.parent / "manifest.json"
    if meta.is_file():
        for rec in json.loads(meta.read_text(encoding="utf-8")).get("inputs", []):
            p = resolve_portable(rec.get("path", ""))
            return p.parent.parent if p.parent.name == "parquet" else p.parent
    raise FileNotFoundError(f"{data_file}: cannot tell which word-order build it comes from (no manifest.json "
                            "naming a build beside it): give the dataset, or fusion_lm_text = \"split\"")


def train_fusion_lm(data_file: str | Path, order: int, smoothing: str, text: str, run_dir: str | Path | None,
                    num_proc: int = 1, train_split_sentences=None, catalog: bool = True, prune: int = 0):
    """(the fusion LM, its description; `prune`: `NgramLM`'s): stored with the run (RUN/ngram-<order>.arpa) when it was trained
    on the same data with the same settings, else trained here (`text`: "documents" = `lm_sentences`
    of the build; "split" = `train_split_sentences()`, the train split's targets) and stored there."""
    import time

    if text not in ("documents", "split"):
        raise ValueError(f"fusion_lm_text must be documents or split, not {text!r}")
    source = str(dataset_dir_of(data_file).resolve()) if text == "documents" else str(Path(data_file).resolve().parent)
    key = {"data": source, "text": text, "smoothing": smoothing, "order": order, "prune": prune}
    if run_dir is not None and (hit := stored_lm(run_dir, order, key)) is not None:
        return hit
    t0 = time.perf_counter()
    if text == "documents":
        sentences, counts = lm_sentences(source, num_proc=num_proc, catalog=catalog)
    else:
        sentences, counts = train_split_sentences(), {}
    t1 = time.perf_counter()
    lm = NgramLM.train(sentences, order=order, smoothing=smoothing, prune=prune)
    info = {"order": order, "smoothing": {"kn": "interpolated Kneser-Ney, D=0.75",
                                          "mkn": "interpolated modified Kneser-Ney"}[smoothing],
            "pruned": f"n-grams of order >= 3 seen <= {prune} times" if prune else "none",
            "text": text, "source": source, "train_sentences": lm.sentences, "text_seconds": round(t1 - t0, 1),
            "train_seconds": round(time.perf_counter() - t1, 1),
            "text_counts": {k: v for k, v in counts.items() if k != "dataset"}}
    if run_dir is not None and (f := store_lm(run_dir, lm, info, key)) is not None:
        info["file"] = str(f)
    return lm, info

"""Evaluate a word-order run on a split: predictions, scores, a readable report and a plot.

    fa-nlp evaluate runs/wordorder-tiny-cpu --split test --beam 5 --length-penalty 1.0 --constrained both
    python -m fa_nlp evaluate RUN --split test --max-sentences 500 --batch-size 128

Writes `RUN/eval-<split>/` atomically (built in a temp dir, swapped in at the end):
  predictions.jsonl  one row per sentence: id, shuffled, reference, n_words, prediction per system
  metrics.json       EM/BLEU/chrF (+ signatures) per decoding mode (greedy / beam, with and without the
                     word-bag constraint), per length bucket, decode speed (sentences/s), the baselines
                     (shuffled input; n-gram LM + beam search) on the same sentences
  report.md          a table of all scores + 5 seeded random sentences before / after / reference
  by_length.png      EM and BLEU by reference length bucket for every system

Where the sentences come from: `--dataset DIR` if given, else the prepared data's `<split>.eval.jsonl`
(every pair of the split, written by `fa-nlp prepare`, readable without pyarrow), else the original split
file recorded in its manifest, else the prepared `<split>.pairs.jsonl` (which lacks pairs `prepare`
skipped as too long — the report says which source was used). The n-gram baseline is trained on the
`train` split beside the evaluated one (for prepared data: the kept training pairs).
Without matplotlib (a bare GPU box) everything but by_length.png is written, and report.md says so.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fa_nlp.io import atomic_dir, write_json, write_jsonl, write_text
from fa_nlp.metrics.generation import corpus_bleu, exact_match, generation_scores
from fa_nlp.settings import resolve_portable
from fa_nlp.tasks.wordorder.arpa import store_lm, stored_lm
from fa_nlp.tasks.wordorder.baselines import NgramLM, ngram_baseline, shuffled_baseline
from fa_nlp.tasks.wordorder.lm_text import train_fusion_lm
from fa_nlp.tasks.wordorder.predict import DecodeStats, decode_texts, is_permutation
from fa_nlp.tasks.wordorder.prepare import EVAL_SUFFIX, MANIFEST, load_prepared, read_pairs, split_file
from fa_nlp.tasks.wordorder.report import plot_by_length, render_report
from fa_nlp.text.words import is_punctuation
from fa_nlp.tokenization import load_tokenizer
from fa_nlp.training import checkpoint
from fa_nlp.training.distributed import resolve_device

CONSTRAINED_CHOICES = ("both", "on", "off")


@dataclass
class EvalConfig:
    split: str = "test"
    beam: int = 5  # beam size; 1 = greedy only
    length_penalty: float = 1.0  # GNMT alpha: rank finished beams by logP / ((5 + n) / 6) ** alpha
    constrained: str = "both"  # both | on | off: word-bag-constrained decoding
    max_sentences: int = 0  # 0 = the whole split (else the first N)
    batch_size: int = 64
    step: int | None = None  # checkpoint step (None: latest)
    dataset: str | None = None  # directory with parquet/<split>.parquet or <split>.jsonl
    device: str = "auto"  # auto | cpu | cuda
    baselines: bool = True
    ngram_order: int = 3
    ngram_beam: int = 10
    max_lm_sentences: int = 0  # 0 = the whole train split for the n-gram LM
    samples: int = 5  # random sentences shown in report.md
    seed: int = 1234
    progress: bool = True
    fusion: bool = True  # also decode with shallow fusion: log p_model + lm_weight * log p_LM (n-gram LM)
    lm_weight: float = -1.0  # fusion weight; < 0 = choose it on the validation split (never on test)
    fusion_weights: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.5)  # candidates tried on validation
    fusion_tune_sentences: int = 300  # validation sentences used to choose the weight
    # the fusion LM: 0 = the baseline's n-gram LM; else its own order (RUN/ngram-<order>.arpa), e.g. 5
    fusion_lm_order: int = 0
    fusion_lm_smoothing: str = "mkn"  # kn | mkn (modified Kneser-Ney), for a fusion LM of its own
    fusion_lm_prune: int = 0  # > 0: its n-grams of order >= 3 seen <= this often are left out (4x smaller ARPA;
    #   on fa_text, 1 cost the 4-gram validation perplexity 337 -> 431: most of its 3/4-grams are singletons)
    fusion_lm_text: str = "documents"  # documents: every sentence of the build's training documents,
    #   decontaminated (`fa_nlp.tasks.wordorder.lm_text`); split: the train split's targets
    lm_text_num_proc: int = 1  # processes that normalize/tokenize the documents for the fusion LM


# ---------------------------------------------------------------------------------------------
# data


def find_split(run_config: dict, split: str, dataset: str | Path | None = None) -> Path:
    """The file holding `split`'s (shuffled, ordered) pairs (see the module docstring for the order)."""

    if dataset is not None:
        f = split_file(dataset, split)
        if f is None:
            raise FileNotFoundError(f"{dataset}: no {split} split (parquet/{split}.parquet or {split}.jsonl)")
        return f
    prepared = (run_config.get("data") or {}).get("prepared")
    if not prepared:
        raise ValueError("the run's config has no data.prepared; pass --dataset DIR")
    prepared = Path(prepared)
    if (prepared / f"{split}{EVAL_SUFFIX}").is_file():
        return prepared / f"{split}{EVAL_SUFFIX}"
    manifest = prepared / "manifest.json"
    if manifest.is_file():
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        for rec in meta.get("inputs", []):
            p = resolve_portable(rec.get("path", ""))
            if p.name in (f"{split}.parquet", f"{split}.jsonl") and p.is_file():
                return p
    f = prepared / f"{split}.pairs.jsonl"
    if f.is_file():
        return f
    raise FileNotFoundError(f"no {split} split found for data.prepared={prepared}; pass --dataset DIR")


def read_split(path: Path, limit: int = 0) -> list[dict[str, Any]]:
    """Rows {id, src, tgt, n_words} (n_words = words in the reference, punctuation marks not
    counted: the same measure as the dataset's length bounds and `n_words` column)."""

    rows = []
    for r in read_pairs(path):
        rows.append({**r, "n_words": sum(not is_punctuation(t) for t in r["tgt"].split())})
        if limit and len(rows) >= limit:
            break
    return rows


def lm_training_sentences(split_file: Path, limit: int = 0) -> tuple[str, list[str]] | None:
    """(where from, sentences) to train the n-gram baseline on: the train split's targets beside
    `split_file` (a dataset's parquet/jsonl, or a prepared dir's arrays, decoded); None if absent."""
    for name in ("train.parquet", "train.jsonl"):
        f = split_file.parent / name
        if f.is_file():
            return str(f), [r["tgt"] for r in read_split(f, limit)]

    if (split_file.parent / MANIFEST).is_file() and (split_file.parent / "train.tgt_ids.npy").is_file():
        prepared = load_prepared(split_file.parent)
        return f"{prepared.path} (train targets, decoded)", prepared.texts("train", "tgt", limit)
    return None


# ---------------------------------------------------------------------------------------------
# decoding systems


def system_names(cfg: EvalConfig, kind: str = "seq2seq", fusion: bool = False) -> list[tuple[str, int, bool, bool]]:
    """(name, beam size, constrained, fused) for every decoding mode the config asks for. The pointer
    model is constrained by construction (its outputs are source slots); fusion decodes under the
    word bag, so it is added to the constrained modes only."""
    if cfg.constrained not in CONSTRAINED_CHOICES:
        raise ValueError(f"constrained must be one of {CONSTRAINED_CHOICES}, got {cfg.constrained!r}")
    cons = (True,) if kind == "pointer" else {"both": (False, True), "on": (True,), "off": (False,)}[cfg.constrained]
    beams = (1,) if cfg.beam <= 1 else (1, cfg.beam)
    out = []
    for b in beams:
        for c in cons:
            name = ("greedy" if b == 1 else f"beam{b}") + ("+constrained" if c and kind != "pointer" else "")
            out.append((name, b, c, False))
    if fusion:
        out += [(f"{name}+lm", b, True, True) for name, b, c, _ in list(out) if c]
    return out


def choose_lm_weight(model, tokenizer, lm, rows: Sequence[dict], cfg: EvalConfig) -> dict[str, Any]:
    """Fusion weight with the best BLEU on validation sentences (beam search as evaluated); the
    scores of every candidate are kept, so the choice can be checked."""
    srcs, refs = [r["src"] for r in rows], [r["tgt"] for r in rows]
    tried = {}
    for w in cfg.fusion_weights:
        out = decode_texts(model, tokenizer, srcs, beam_size=max(cfg.beam, 1), alpha=cfg.length_penalty,
                           constrained=True, batch_size=cfg.batch_size, lm=lm, lm_weight=w,
                           progress=f"lm weight {w}" if cfg.progress else False)
        tried[str(w)] = {"bleu": round(corpus_bleu(out, refs).score, 4), "em": round(exact_match(out, refs).score, 4)}
    best = max(cfg.fusion_weights, key=lambda w: (tried[str(w)]["bleu"], -w))
    return {"lm_weight": best, "tuned_on": "validation", "sentences": len(rows), "beam": max(cfg.beam, 1),
            "candidates": tried}


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _permutation_rate(preds: Sequence[str], sources: Sequence[str]) -> float:
    return round(100.0 * sum(map(is_permutation, preds, sources)) / max(len(preds), 1), 4)


def quick_dev_metrics(model, tokenizer, dev_pairs: Sequence[tuple[str, str]], max_sentences: int = 200,
                      batch_size: int = 64) -> dict[str, float]:
    """Greedy, unconstrained EM and BLEU on the first `max_sentences` (source, target) pairs: the
    training loop's periodic dev metric (cheap, comparable across steps)."""
    pairs = list(dev_pairs)[:max_sentences]
    if not pairs:
        return {}
    srcs, refs = [p[0] for p in pairs], [p[1] for p in pairs]
    preds = decode_texts(model, tokenizer, srcs, beam_size=1, batch_size=batch_size)
    return {"em": round(exact_match(preds, refs).score, 4), "bleu": round(corpus_bleu(preds, refs).score, 4)}


# ---------------------------------------------------------------------------------------------
# the whole evaluation


def evaluate_run(run_dir: str | Path, cfg: EvalConfig | None = None) -> dict[str, Any]:
    """Decode `cfg.split` with every requested mode, score it, write RUN/eval-<split>/; returns metrics."""

    cfg = cfg or EvalConfig()
    run_dir = Path(run_dir)
    system_names(cfg)  # validates cfg.constrained before anything is loaded
    device = resolve_device(cfg.device)
    ckpt = checkpoint.resolve(run_dir, cfg.step)
    model, train_cfg = checkpoint.load_model(run_dir, cfg.step, device=device)
    tok_dir = run_dir / "tokenizer"
    if not tok_dir.is_dir():
        raise FileNotFoundError(f"{run_dir}: no tokenizer/ directory (written by `fa-nlp train`)")
    tokenizer = load_tokenizer(tok_dir)
    data_file = find_split(train_cfg, cfg.split, cfg.dataset)
    rows = read_split(data_file, cfg.max_sentences)
    if not rows:
        raise ValueError(f"{data_file}: no sentences in split {cfg.split!r}")
    srcs, refs, lens = [r["src"] for r in rows], [r["tgt"] for r in rows], [r["n_words"] for r in rows]

    def score(out: list[str]) -> dict[str, Any]:
        return {**generation_scores(out, refs, lens), "permutation_rate": _permutation_rate(out, srcs)}

    lm, lm_info = train_ngram(data_file, cfg, run_dir) if cfg.baselines or cfg.fusion else (None, None)
    flm, flm_info = fusion_lm(data_file, cfg, run_dir, lm, lm_info) if cfg.fusion else (None, None)
    fusion = _fusion_setting(run_dir, train_cfg, model, tokenizer, flm, cfg) if flm is not None else None
    preds: dict[str, list[str]] = {}
    results = decode_systems(model, tokenizer, srcs, cfg, device, score, preds, flm, fusion)
    baselines = score_baselines(srcs, cfg, score, preds, lm, lm_info, data_file) if cfg.baselines else {}
    metrics = {
        "run": str(run_dir), "checkpoint": str(ckpt), "step": checkpoint.read_state(ckpt).get("step"),
        "split": cfg.split, "data": str(data_file), "n": len(rows), "device": device,
        "settings": asdict(cfg),
        "length_penalty": "GNMT: finished hypotheses ranked by logP / ((5 + n) / 6) ** alpha",
        "signatures": next(iter(results.values()))["signatures"],
        "model_kind": model.cfg.kind,
        "fusion": fusion,
        "fusion_lm": flm_info if fusion is not None else None,
        "systems": results,
        "baselines": baselines,
    }
    metrics["out_dir"] = str(write_evaluation(run_dir / f"eval-{cfg.split}", metrics, rows, preds, cfg))
    return metrics


def decode_systems(model, tokenizer, srcs: list[str], cfg: EvalConfig, device: str, score, preds: dict,
                   lm=None, fusion: dict | None = None) -> dict[str, Any]:
    """Every decoding mode of `system_names`, timed; fills `preds` and returns the scores per system."""
    results: dict[str, Any] = {}
    for name, beam, constrained, fused in system_names(cfg, model.cfg.kind, fusion is not None):
        stats = DecodeStats()
        _sync(device)
        t0 = time.perf_counter()
        out = decode_texts(model, tokenizer, srcs, beam_size=beam, alpha=cfg.length_penalty, constrained=constrained,
                           batch_size=cfg.batch_size, progress=name if cfg.progress else False, stats=stats,
                           lm=lm if fused else None, lm_weight=fusion["lm_weight"] if fused else 0.0)
        _sync(device)
        dt = time.perf_counter() - t0
        preds[name] = out
        results[name] = {**score(out),
                         "beam": beam, "constrained": constrained, "seconds": round(dt, 3),
                         "sentences_per_s": round(len(out) / max(dt, 1e-9), 2), "decode_stats": stats.to_dict()}
        if fused:
            results[name]["lm_weight"] = fusion["lm_weight"]
    return results


def score_baselines(srcs: list[str], cfg: EvalConfig, score, preds: dict, lm, lm_info: dict | None,
                    data_file: Path) -> dict[str, Any]:
    """The shuffled input and the n-gram LM + beam search on the same sentences (fills `preds`)."""

    out = shuffled_baseline(srcs)
    preds["baseline:shuffled"] = out
    baselines: dict[str, Any] = {"shuffled": score(out)}
    if lm is None:
        baselines["ngram"] = {"skipped": f"no train split beside {data_file}"}
        return baselines
    t0 = time.perf_counter()
    out = ngram_baseline(lm, srcs, cfg.ngram_beam, progress=cfg.progress)
    dt = time.perf_counter() - t0
    key = f"ngram{cfg.ngram_order}_beam{cfg.ngram_beam}"
    preds[f"baseline:{key}"] = out
    baselines[key] = {**score(out), "lm": lm_info, "sentences_per_s": round(len(out) / max(dt, 1e-9), 2)}
    return baselines


def write_evaluation(out_dir: Path, metrics: dict[str, Any], rows: list[dict], preds: dict[str, list[str]],
                     cfg: EvalConfig) -> Path:
    """predictions.jsonl, by_length.png, metrics.json and report.md, swapped into `out_dir` at once."""

    sample_idx = sorted(random.Random(f"{cfg.seed}:samples").sample(range(len(rows)), min(cfg.samples, len(rows))))
    with atomic_dir(out_dir) as tmp:
        write_jsonl(tmp / "predictions.jsonl", (
            {"id": r["id"], "shuffled": r["src"], "reference": r["tgt"], "n_words": r["n_words"],
             "predictions": {k: v[i] for k, v in preds.items()}} for i, r in enumerate(rows)))
        try:
            plot_by_length(metrics, tmp / "by_length.png")
        except ImportError as e:  # matplotlib missing: the numbers are all in metrics.json and report.md
            metrics["plot"] = f"by_length.png not drawn: {e}"
        write_json(tmp / "metrics.json", metrics)
        write_text(tmp / "report.md", render_report(metrics, rows, preds, sample_idx))
    return out_dir


def train_ngram(data_file: Path, cfg: EvalConfig, run_dir: Path | None = None):
    """(n-gram LM on the train split beside `data_file`, its description) or (None, None). With
    `run_dir`: the LM stored with the run (RUN/ngram-<order>.arpa) if trained on the same data, else
    trained here and stored there (`fa_nlp.tasks.wordorder.arpa`), so `predict` needs no dataset."""

    key = {"data": str(Path(data_file).resolve().parent), "max_sentences": cfg.max_lm_sentences}
    if run_dir is not None and (hit := stored_lm(run_dir, cfg.ngram_order, key)) is not None:
        return hit
    lm_data = lm_training_sentences(data_file, cfg.max_lm_sentences)
    if lm_data is None:
        return None, None
    train_file, sentences = lm_data
    t0 = time.perf_counter()
    lm = NgramLM.train(sentences, order=cfg.ngram_order)
    info = {"order": cfg.ngram_order, "smoothing": "interpolated Kneser-Ney, D=0.75", "train_file": train_file,
            "train_sentences": lm.sentences, "train_seconds": round(time.perf_counter() - t0, 3)}
    if run_dir is not None and (f := store_lm(run_dir, lm, info, key)) is not None:
        info["file"] = str(f)
    return lm, info


def fusion_lm(data_file: Path, cfg: EvalConfig, run_dir: Path, lm, lm_info):
    """The LM fused with the model: the baseline's (`fusion_lm_order = 0`), or one of its own
    (`fa_nlp.tasks.wordorder.lm_text.train_fusion_lm`: higher order, modified KN, more text)."""
    if not cfg.fusion_lm_order:
        return lm, lm_info
    if cfg.fusion_lm_order == cfg.ngram_order:  # both would be RUN/ngram-<order>.arpa
        raise ValueError(f"fusion_lm_order={cfg.fusion_lm_order} equals ngram_order: the fusion LM needs an order of "
                         "its own (e.g. 4 or 5), or 0 to fuse the baseline's LM")

    return train_fusion_lm(data_file, cfg.fusion_lm_order, cfg.fusion_lm_smoothing, cfg.fusion_lm_text, run_dir,
                           cfg.lm_text_num_proc, lambda: (lm_training_sentences(data_file) or ("", []))[1],
                           prune=cfg.fusion_lm_prune)


FUSION_FILE = "fusion.json"


def _fusion_setting(run_dir: Path, train_cfg: dict, model, tokenizer, lm, cfg: EvalConfig) -> dict[str, Any]:
    """The fusion weight: given, else stored with the run (RUN/fusion.json), else chosen on validation
    and stored. A stored choice is reused only if it was made with the same candidates and LM order."""

    if cfg.lm_weight >= 0:
        return {"lm_weight": cfg.lm_weight, "tuned_on": None}
    f = run_dir / FUSION_FILE
    key = {"ngram_order": cfg.fusion_lm_order or cfg.ngram_order, "fusion_weights": list(cfg.fusion_weights),
           "beam": max(cfg.beam, 1), "sentences": cfg.fusion_tune_sentences}
    if cfg.fusion_lm_order:  # a fusion LM of its own: a weight chosen with another LM does not carry over
        key["fusion_lm"] = [cfg.fusion_lm_smoothing, cfg.fusion_lm_text, cfg.fusion_lm_prune]
    if f.is_file():
        stored = json.loads(f.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return stored
    val_rows = read_split(find_split(train_cfg, "validation"), cfg.fusion_tune_sentences)
    chosen = {**choose_lm_weight(model, tokenizer, lm, val_rows, cfg), "key": key}
    write_json(f, chosen)
    return chosen

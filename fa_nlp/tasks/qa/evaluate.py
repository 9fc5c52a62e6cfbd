"""`fa-nlp evaluate RUN` for a QA run: windows → start/end logits → post-processing → EM/F1 + report.

    fa-nlp evaluate runs/qa-pquad-cpu --split test
    from fa_nlp.tasks.qa.evaluate import QAEvalConfig, evaluate_qa_run
    m = evaluate_qa_run("runs/qa-pquad-cpu", QAEvalConfig(split="test"))

Steps: the run's latest (or `--step`) checkpoint; logits of every window of the split (batched by
a padded-token budget, no grad); `postprocess_predictions` (n-best spans per window, the example's
null score = min over its windows of [CLS] start+end) — the NULL THRESHOLD is chosen on the
prepared `dev` split (the held-out training contexts; never on test) as the value that maximises
dev F1, as the official SQuAD v2 script's `find_best_thresh` does; answers are put back on the
ORIGINAL context; gold answers are taken from the original context too.

Written to RUN/eval-<split>/: `predictions.json` (SQuAD format, id → answer text, "" = no answer),
`metrics.json` (EM/F1 overall / HasAns / NoAns with the Persian-aware normalization of
`fa_nlp.metrics.qa` and with the official SQuAD v2 ("plain") normalization, each with its
signature; the threshold and how it was chosen; baselines), `report.md` (scores, 5 seeded random
questions with gold, prediction and baseline answers) and `attention.png` (last layer, mean of
heads, first window of the first sample question; needs matplotlib).

Baselines, on exactly the same questions:
- `always_null`: "" for every question (= the unanswerable share).
- `lexical_sentence`: split the original context into sentences (after . ! ? ؟ ! or a line
  break); take the sentence sharing the most distinct normalized words (`normalize_answer`) with
  the question, the first one on ties; answer = that sentence. Never answers "".
- `lexical_sentence_minus_question`: the same sentence with every word that also occurs in the
  question removed (order kept). Not a span, but the usual "answer = what the question did not
  say" heuristic, and the stronger of the two on token F1.
"""

from __future__ import annotations

import json
import random
import re
import string
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

# ---------------------------------------------------------------------------------------------
# logits and predictions


def window_logits(model, sp, rows: np.ndarray, max_tokens: int = 8192, device=None) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) logits [len(rows), L] float32 for window `rows` of a `QASplit` (batched by
    padded tokens, longest first; positions past a window's length hold -1e4)."""
    import torch

    from fa_nlp.tasks.qa.task import window_batch

    rows = np.asarray(rows, dtype=np.int64)
    width = sp.input_ids.shape[1]
    start = np.full((len(rows), width), -1e4, dtype=np.float32)
    end = np.full((len(rows), width), -1e4, dtype=np.float32)
    if device is None:
        device = next(model.parameters()).device
    order = np.argsort(-np.asarray(sp.lengths[rows]), kind="stable")
    was_training = model.training
    model.eval()
    with torch.no_grad():
        i = 0
        while i < len(order):
            longest = int(sp.lengths[rows[order[i]]])
            n = max(1, max_tokens // max(longest, 1))
            pick = order[i : i + n]
            b = window_batch(sp, rows[pick])
            s, e = model(b["input_ids"].to(device), b["token_type_ids"].to(device))
            w = s.size(1)
            start[pick, :w] = s.float().cpu().numpy()
            end[pick, :w] = e.float().cpu().numpy()
            i += n
    model.train(was_training)
    return start, end


def predict_split(model, sp, n_examples: int = 0, max_tokens: int = 8192, null_threshold: float = float("inf"),
                  n_best: int = 20, max_answer_length: int = 30, device=None) -> dict:
    """`Prediction`s (fa_nlp.tasks.qa.postprocess) for the first `n_examples` examples of the split
    (0 = all). With the default threshold (+inf) every prediction is the best span (if any), and
    `score_diff` says how a threshold would decide: see `apply_threshold`."""
    from fa_nlp.tasks.qa.postprocess import postprocess_predictions

    exs = sp.examples()
    exs = exs[:n_examples] if n_examples else exs
    rows = sp.windows_of(len(exs))
    start, end = window_logits(model, sp, rows, max_tokens, device)
    return postprocess_predictions(exs, sp.features(rows), start, end, n_best=n_best,
                                   max_answer_length=max_answer_length, null_threshold=null_threshold)


def apply_threshold(preds: dict, threshold: float) -> dict[str, str]:
    """id → answer text: "" when the null score beats the best span by more than `threshold`."""
    return {k: ("" if p.original_span is None or p.score_diff > threshold else p.text) for k, p in preds.items()}


def gold_answers(ex) -> list[str]:
    """An example's gold answers as text of its ORIGINAL context ([] = unanswerable)."""
    source = ex.original_context or ex.context
    out = []
    for text, start in zip(ex.answer_texts, ex.answer_starts):
        s, e = ex.to_original(start, start + len(text))
        out.append(source[s:e])
    return out


def references(examples) -> dict[str, list[str]]:
    return {ex.id: gold_answers(ex) for ex in examples}


def best_null_threshold(examples, preds: dict) -> tuple[float, dict[str, float]]:
    """The threshold maximising F1 (Persian-aware) on `examples`, given threshold-free `preds`
    (SQuAD v2 `find_best_thresh`): candidates are "always null" and each example's score_diff;
    ties go to the threshold closest to 0. Returns (threshold, {"f1", "em", "n"})."""
    from fa_nlp.metrics.qa import exact_match, f1_score

    n = len(examples)
    if n == 0:
        return 0.0, {"f1": 0.0, "em": 0.0, "n": 0}
    diff = np.empty(n)
    f_null, f_span, e_null, e_span = (np.zeros(n) for _ in range(4))
    for i, ex in enumerate(examples):
        golds, p = gold_answers(ex), preds.get(ex.id)
        e_null[i], f_null[i] = exact_match("", golds), f1_score("", golds)
        if p is None or p.original_span is None:
            diff[i] = np.inf  # no span at all: "" whatever the threshold
            e_span[i], f_span[i] = e_null[i], f_null[i]
        else:
            diff[i] = p.score_diff
            e_span[i], f_span[i] = exact_match(p.text, golds), f1_score(p.text, golds)
    order = np.argsort(diff, kind="stable")
    d = diff[order]
    # threshold t: example i answers its span iff diff_i <= t. Candidate k answers the first k (sorted).
    f_tot = f_null.sum() + np.concatenate([[0.0], np.cumsum((f_span - f_null)[order])])
    e_tot = e_null.sum() + np.concatenate([[0.0], np.cumsum((e_span - e_null)[order])])
    finite = np.isfinite(d)
    # thresholds[k]: answer the first k; k = 0 (all null) sits just below the smallest diff
    thresholds = np.concatenate([[d[0] - 1.0 if finite[0] else 0.0], d])
    best_k, best = 0, (f_tot[0], e_tot[0], -abs(thresholds[0]))
    for k in range(1, n + 1):
        if not finite[k - 1]:
            break
        if k < n and d[k] == d[k - 1]:
            continue  # a threshold includes every example with the same diff
        key = (f_tot[k], e_tot[k], -abs(thresholds[k]))
        if key > best:
            best_k, best = k, key
    t = float(thresholds[best_k])
    return t, {"f1": 100.0 * f_tot[best_k] / n, "em": 100.0 * e_tot[best_k] / n, "n": n}


# ---------------------------------------------------------------------------------------------
# plain (official SQuAD v2) scoring


PLAIN_SIGNATURE = "qa|norm:squad-v2-official|lower|punct:string.punctuation|articles:en-removed|ws:collapse" \
                  "|unanswerable:squad-v2|agg:max-over-golds"


def plain_normalize(s: str) -> str:
    """The official SQuAD v2 `normalize_answer` (English-centric: no Persian character unification)."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def plain_scores(predictions: dict[str, str], refs: dict[str, list[str]]) -> dict[str, Any]:
    def f1(p: str, g: str) -> float:
        pt, gt = plain_normalize(p).split(), plain_normalize(g).split()
        if not pt or not gt:
            return float(pt == gt)
        same = sum((Counter(pt) & Counter(gt)).values())
        if same == 0:
            return 0.0
        pr, rc = same / len(pt), same / len(gt)
        return 2 * pr * rc / (pr + rc)

    em, f, has, no = {}, {}, [], []
    for qid, golds in refs.items():
        g = [a for a in golds if plain_normalize(a)] or [""]
        p = predictions.get(qid, "")
        em[qid] = max(float(plain_normalize(p) == plain_normalize(a)) for a in g)
        f[qid] = max(f1(p, a) for a in g)
        (no if g == [""] else has).append(qid)

    def mean(d, ids):
        return 100.0 * sum(d[i] for i in ids) / len(ids) if ids else 0.0

    ids = list(refs)
    return {"exact": mean(em, ids), "f1": mean(f, ids), "total": len(ids), "HasAns_exact": mean(em, has),
            "HasAns_f1": mean(f, has), "HasAns_total": len(has), "NoAns_exact": mean(em, no),
            "NoAns_f1": mean(f, no), "NoAns_total": len(no), "signature": PLAIN_SIGNATURE}


def score_all(predictions: dict[str, str], refs: dict[str, list[str]]) -> dict[str, Any]:
    from fa_nlp.metrics.qa import qa_scores

    return {"persian": qa_scores(predictions, refs).to_dict(), "plain": plain_scores(predictions, refs)}


# ---------------------------------------------------------------------------------------------
# baselines


_SENT_END = re.compile(r"[^.!?؟!\n]+(?:[.!?؟!]+|\n|$)")


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` (ends after . ! ? ؟ or a line break), stripped."""
    out = []
    for m in _SENT_END.finditer(text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def lexical_baselines(examples) -> dict[str, dict[str, str]]:
    """{"always_null", "lexical_sentence", "lexical_sentence_minus_question"} → id → answer (module docstring)."""
    from fa_nlp.metrics.qa import normalize_answer

    out: dict[str, dict[str, str]] = {"always_null": {}, "lexical_sentence": {}, "lexical_sentence_minus_question": {}}
    for ex in examples:
        ctx = ex.original_context or ex.context
        q = set(normalize_answer(ex.question).split())
        best, best_n = None, -1
        for s, e in sentences(ctx):
            n = len(q & set(normalize_answer(ctx[s:e]).split()))
            if n > best_n:
                best, best_n = (s, e), n
        sent = ctx[best[0] : best[1]] if best else ""
        out["always_null"][ex.id] = ""
        out["lexical_sentence"][ex.id] = sent
        out["lexical_sentence_minus_question"][ex.id] = " ".join(
            w for w in sent.split() if not (set(normalize_answer(w).split()) & q) and normalize_answer(w))
    return out


# ---------------------------------------------------------------------------------------------
# the command


@dataclass
class QAEvalConfig:
    split: str = "test"
    step: int | None = None  # checkpoint step (None: latest)
    prepared: str | None = None  # prepared QA dir (default: the run's data.prepared)
    dev_split: str = "dev"  # where the null threshold is chosen (never the evaluated test split)
    null_threshold: float | None = None  # fixed threshold instead of choosing it on dev_split
    max_questions: int = 0  # 0 = the whole split (else the first N)
    max_tokens: int = 16384  # padded tokens per inference batch
    device: str = "auto"  # auto | cpu | cuda
    n_best: int = 20
    max_answer_length: int = 30  # tokens
    samples: int = 5  # seeded random questions shown in report.md
    seed: int = 1234
    attention_plot: bool = True
    progress: bool = True


def evaluate_qa_run(run_dir: str | Path, cfg: QAEvalConfig | None = None) -> dict[str, Any]:
    """Evaluate a QA run on `cfg.split`; writes RUN/eval-<split>/ and returns metrics.json's content."""
    import torch

    from fa_nlp.io import atomic_dir, write_json, write_jsonl, write_text
    from fa_nlp.tasks.qa.prepare import load_qa_prepared
    from fa_nlp.training import checkpoint
    from fa_nlp.training.distributed import resolve_device

    cfg = cfg or QAEvalConfig()
    started = time.time()
    run_dir = Path(run_dir)
    device = torch.device(resolve_device(cfg.device))
    model, train_cfg = checkpoint.load_model(run_dir, cfg.step, device=device)
    ck = checkpoint.resolve(run_dir, cfg.step)
    base = run_dir if (run_dir / "config.json").is_file() or not (run_dir / "state.json").is_file() else ck.parent.parent
    prepared = cfg.prepared or train_cfg.get("data", {}).get("prepared")
    if not prepared:
        raise ValueError(f"{run_dir}: no data.prepared in the run's config; pass --dataset PREPARED_DIR")
    data = load_qa_prepared(prepared)
    if cfg.split not in data.splits:
        raise ValueError(f"{prepared}: no split {cfg.split!r} (has {sorted(data.splits)})")
    kw = {"max_tokens": cfg.max_tokens, "n_best": cfg.n_best, "max_answer_length": cfg.max_answer_length,
          "device": device}

    # 1. the null threshold, on dev
    if cfg.null_threshold is not None:
        threshold, how = cfg.null_threshold, {"chosen_on": "given (--null_threshold)"}
    elif cfg.dev_split in data.splits and cfg.dev_split != cfg.split:
        dev = data.splits[cfg.dev_split]
        dev_preds = predict_split(model, dev, 0, **kw)
        threshold, best = best_null_threshold(dev.examples(), dev_preds)
        zero = score_all(apply_threshold(dev_preds, 0.0), references(dev.examples()))["persian"]
        how = {"chosen_on": cfg.dev_split, "dev_questions": best["n"], "dev_f1_at_threshold": round(best["f1"], 3),
               "dev_em_at_threshold": round(best["em"], 3), "dev_f1_at_0": round(zero["f1"], 3)}
    else:
        threshold = 0.0
        how = {"chosen_on": "none: no separate dev split, threshold 0 (HF default)"}

    # 2. the split
    sp = data.splits[cfg.split]
    exs = sp.examples()[: cfg.max_questions] if cfg.max_questions else sp.examples()
    raw = predict_split(model, sp, len(exs), **kw)
    preds = apply_threshold(raw, threshold)
    refs = references(exs)
    scores = score_all(preds, refs)
    base_preds = lexical_baselines(exs)
    baselines = {name: score_all(p, refs) for name, p in base_preds.items()}

    out = base / f"eval-{cfg.split}"
    per_ex = [{"id": ex.id, "prediction": preds[ex.id], "gold": refs[ex.id],
               "score_diff": None if raw[ex.id].original_span is None else round(float(raw[ex.id].score_diff), 4)}
              for ex in exs]
    rng = random.Random(cfg.seed)
    picks = sorted(rng.sample(range(len(exs)), min(cfg.samples, len(exs))))
    samples = [_sample(exs[i], preds, refs, base_preds) for i in picks]
    with atomic_dir(out) as tmp:  # a reader never sees half an evaluation
        write_json(tmp / "predictions.json", preds)
        write_jsonl(tmp / "predictions.jsonl", per_ex)
        plot_note = _attention_png(model, sp, exs[picks[0]].id if picks else None, data, tmp / "attention.png",
                                   device) if cfg.attention_plot else "off"
        metrics = {
            "run": str(base), "checkpoint": str(ck), "step": checkpoint.read_state(ck).get("step"),
            "split": cfg.split, "prepared": str(prepared), "questions": len(exs),
            "windows": int(len(sp.windows_of(len(exs)))),
            "null_threshold": threshold, "null_threshold_selection": how,
            "model": scores, "baselines": baselines,
            "settings": asdict(cfg), "seconds": round(time.time() - started, 2),
            "attention_plot": plot_note.replace(str(tmp), str(out)), "out_dir": str(out),
        }
        write_json(tmp / "metrics.json", metrics)
        write_text(tmp / "report.md", _report(metrics, samples))
    return metrics


def _excerpt(ex, golds: list[str], pred: str, width: int = 160) -> str:
    ctx = ex.original_context or ex.context
    anchor = next((ctx.find(a) for a in [*golds, pred] if a and ctx.find(a) >= 0), 0)
    lo, hi = max(0, anchor - width), min(len(ctx), anchor + width)
    return ("…" if lo else "") + ctx[lo:hi].replace("\n", " ") + ("…" if hi < len(ctx) else "")


def _sample(ex, preds, refs, base_preds) -> dict[str, Any]:
    return {"id": ex.id, "question": ex.question.strip(), "context": _excerpt(ex, refs[ex.id], preds[ex.id]),
            "gold": refs[ex.id], "prediction": preds[ex.id],
            "baselines": {k: v[ex.id] for k, v in base_preds.items() if k != "always_null"}}


def _report(m: dict, samples: list[dict]) -> str:
    def row(name, s):
        p, q = s["persian"], s["plain"]
        return (f"| {name} | {p['exact']:.2f} | {p['f1']:.2f} | {p['HasAns_exact']:.2f} | {p['HasAns_f1']:.2f} | "
                f"{p['NoAns_exact']:.2f} | {q['exact']:.2f} | {q['f1']:.2f} |")

    lines = [f"# QA evaluation: {m['run']} on `{m['split']}`", "",
             f"{m['questions']} questions ({m['windows']} windows), checkpoint step {m['step']}. "
             f"Null threshold {m['null_threshold']:.4f} ({json.dumps(m['null_threshold_selection'], ensure_ascii=False)}).",
             "", "| system | EM | F1 | HasAns EM | HasAns F1 | NoAns EM | plain EM | plain F1 |",
             "|---|---|---|---|---|---|---|---|", row("model", m["model"])]
    lines += [row(k, v) for k, v in m["baselines"].items()]
    lines += ["", f"EM/F1: Persian-aware normalization `{m['model']['persian']['signature']}`; plain = official "
              f"SQuAD v2 normalization `{m['model']['plain']['signature']}`. Baselines are defined in "
              "`fa_nlp/tasks/qa/evaluate.py` (always-null; the context sentence sharing most words with the "
              "question; that sentence minus the question's words).", "", "## Samples (seeded)", ""]
    for s in samples:
        gold = " | ".join(s["gold"]) if s["gold"] else "(no answer)"
        lines += [f"**{s['id']}**", "", f"- question: {s['question']}", f"- context: {s['context']}",
                  f"- gold: {gold}", f"- predicted: {s['prediction'] or '(no answer)'}"]
        lines += [f"- {k}: {v or '(no answer)'}" for k, v in s["baselines"].items()]
        lines.append("")
    if m.get("attention_plot") and m["attention_plot"].endswith(".png"):
        lines += ["![attention](attention.png)", ""]
    return "\n".join(lines)


def _attention_png(model, sp, example_id, data, out: Path, device) -> str:
    """Last-layer attention (mean of heads) over the first 48 tokens of the example's first window."""
    if example_id is None:
        return "no samples"
    try:
        from fa_nlp.plots import plot_attention
    except ImportError as e:
        return f"not drawn ({e})"
    import torch

    exs = sp.examples()
    idx = next(i for i, e in enumerate(exs) if e.id == example_id)
    rows = np.flatnonzero(np.asarray(sp.example_index) == idx)
    if not len(rows):
        return "not drawn (question has no window)"
    r = int(rows[0])
    n = min(int(sp.lengths[r]), 48)
    ids = torch.from_numpy(np.asarray(sp.input_ids[r : r + 1, :n], dtype=np.int64)).to(device)
    seg = torch.from_numpy(np.asarray(sp.token_type_ids[r : r + 1, :n], dtype=np.int64)).to(device)
    maps = model.attention_maps(ids, seg)
    w = maps[f"encoder.{model.cfg.n_encoder_layers - 1}.self"][0].mean(0)
    labels = [str(i) for i in ids[0].tolist()]
    if data.tokenizer_dir is not None:
        try:
            from fa_nlp.tokenization import load_fast_tokenizer

            tok = load_fast_tokenizer(data.tokenizer_dir)
            labels = [tok.id_to_token(i) or str(i) for i in ids[0].tolist()]
        except (ImportError, OSError) as e:
            print(f"note: token labels as ids ({e})")
    try:
        plot_attention(w, labels, labels, out, title=f"{example_id}: last layer, mean of heads (first {n} tokens)")
    except ImportError as e:
        return f"not drawn ({e})"
    return str(out)

"""QA inference on prepared windows: logits → post-processed predictions → the null threshold.

    from fa_nlp.tasks.qa.inference import predict_split, apply_threshold, best_null_threshold, references
    raw = predict_split(model, data.splits["dev"])          # threshold-free: best span + score_diff
    threshold, best = best_null_threshold(data.splits["dev"].examples(), raw)
    answers = apply_threshold(raw, threshold)               # id -> text ("" = no answer)

Why its own module: the training loop's dev metrics, `fa-nlp evaluate` and `fa-nlp predict` all run
the same inference; the evaluation report and the baselines are elsewhere (`report.py`, `baselines.py`).
"""

from __future__ import annotations

import numpy as np

from fa_nlp.metrics.qa import exact_match, f1_score
from fa_nlp.tasks.qa.batches import window_batch
from fa_nlp.tasks.qa.postprocess import postprocess_predictions


def window_logits(model, sp, rows: np.ndarray, max_tokens: int = 8192, device=None) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) logits [len(rows), L] float32 for window `rows` of a `QASplit` (batched by
    padded tokens, longest first; positions past a window's length hold -1e4)."""
    import torch

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

"""Start/end logits per window → one answer per example, put back on the ORIGINAL context. Numpy only.

Same decision rule as HF `utils_qa.postprocess_qa_predictions` (n-best starts × n-best ends per
window, spans inside the context, end >= start, at most `max_answer_length` tokens; for SQuAD v2,
the smallest [CLS] score over the example's windows is the null score, and the answer is "" when
`null_score - best_span_score > null_threshold`), vectorized per window.

    from fa_nlp.tasks.qa.postprocess import postprocess_predictions
    preds = postprocess_predictions(examples, eval_features, start_logits, end_logits)
    preds["1601001"].text, preds["1601001"].original_span

`examples`: `QAExample`s (their offset maps put normalized spans back on the original text);
`eval_features`: columns `example_id` and `offset_mapping` (None outside the context), as built
by `prepare_eval_features`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Prediction:
    text: str  # answer in the ORIGINAL context ("" = no answer)
    original_span: tuple[int, int] | None  # char span in the original context (None = no answer)
    span: tuple[int, int] | None  # char span in the (possibly normalized) context the model saw
    score: float  # best span's start+end logit (-inf when no span was valid)
    null_score: float  # min over windows of logit[CLS] start + end
    score_diff: float  # null_score - score: > threshold means "no answer"
    nbest: list[dict[str, Any]] = field(default_factory=list)


def _window_candidates(start_logits, end_logits, offsets, n_best: int, max_answer_length: int):
    """(score, start_char, end_char, start_logit, end_logit) arrays of valid spans in one window."""
    n = len(offsets)
    ctx = np.array([o is not None and len(o) >= 2 for o in offsets], dtype=bool)
    s_idx = np.argsort(start_logits)[-1 : -n_best - 1 : -1]
    e_idx = np.argsort(end_logits)[-1 : -n_best - 1 : -1]
    S, E = np.meshgrid(s_idx, e_idx, indexing="ij")  # starts outer, ends inner (utils_qa order)
    S, E = S.ravel(), E.ravel()
    ok = (S < n) & (E < n)
    ok &= ctx[np.minimum(S, n - 1)] & ctx[np.minimum(E, n - 1)]
    ok &= (E >= S) & (E - S + 1 <= max_answer_length)
    S, E = S[ok], E[ok]
    sc = np.array([offsets[i][0] for i in S.tolist()], dtype=np.int64)
    ec = np.array([offsets[i][1] for i in E.tolist()], dtype=np.int64)
    return start_logits[S] + end_logits[E], sc, ec, start_logits[S], end_logits[E]


def postprocess_predictions(
    examples: Sequence[Any],
    features: Mapping[str, Sequence],
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    n_best: int = 20,
    max_answer_length: int = 30,
    null_threshold: float = 0.0,
    with_negative: bool = True,
) -> dict[str, Prediction]:
    """One `Prediction` per example id (see module docstring)."""
    start_logits, end_logits = np.asarray(start_logits), np.asarray(end_logits)
    if len(start_logits) != len(features["example_id"]) or start_logits.shape != end_logits.shape:
        raise ValueError(
            f"got {len(start_logits)} start / {len(end_logits)} end logit rows for "
            f"{len(features['example_id'])} features"
        )
    by_example: dict[str, list[int]] = defaultdict(list)
    for i, eid in enumerate(features["example_id"]):
        by_example[eid].append(i)
    out: dict[str, Prediction] = {}
    for ex in examples:
        rows = by_example.get(ex.id, [])
        parts, null_score = [], np.inf
        for r in rows:
            sl, el = start_logits[r], end_logits[r]
            if sl[0] + el[0] < null_score:
                null_score = float(sl[0] + el[0])
            parts.append(_window_candidates(sl, el, features["offset_mapping"][r], n_best, max_answer_length))
        if parts:
            score, sc, ec, ls, le = (np.concatenate(p) for p in zip(*parts))
        else:
            score = sc = ec = ls = le = np.zeros(0)
        order = np.argsort(-score, kind="stable")[:n_best]
        nbest = [
            {"text": ex.context[int(sc[i]) : int(ec[i])], "span": (int(sc[i]), int(ec[i])),
             "score": float(score[i]), "start_logit": float(ls[i]), "end_logit": float(le[i])}
            for i in order.tolist()
        ]
        best = next((c for c in nbest if c["text"] != ""), None)
        best_score = best["start_logit"] + best["end_logit"] if best else -np.inf
        diff = null_score - best_score if with_negative and rows else -np.inf
        if best is None or (with_negative and diff > null_threshold):
            out[ex.id] = Prediction("", None, None, best_score, null_score, diff, nbest)
            continue
        s, e = best["span"]
        os_, oe = ex.to_original(s, e)
        source = getattr(ex, "original_context", "") or ex.context
        out[ex.id] = Prediction(source[os_:oe], (os_, oe), (s, e), best_score, null_score, diff, nbest)
    return out

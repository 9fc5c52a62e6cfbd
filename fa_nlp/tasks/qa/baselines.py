"""QA baselines without a model, scored on exactly the evaluated questions.

- `always_null`: "" for every question (= the unanswerable share).
- `lexical_sentence`: the context sentence (`fa_nlp.text.sentence_spans` of the ORIGINAL context) that
  shares the most distinct normalized words (`normalize_answer`) with the question, the first one on
  ties; answer = that sentence. Never answers "".
- `lexical_sentence_minus_question`: the same sentence with every word that also occurs in the question
  removed (order kept). Not a span, but the usual "answer = what the question did not say" heuristic,
  and the stronger of the two on token F1.

Why `sentence_spans`: the toolkit's one sentence splitter (abbreviations, initials, decimals and
quotes handled), so the baseline does not carry a second, weaker splitter.
"""

from __future__ import annotations

from fa_nlp.metrics.qa import normalize_answer
from fa_nlp.text import sentence_spans


def lexical_baselines(examples) -> dict[str, dict[str, str]]:
    """{"always_null", "lexical_sentence", "lexical_sentence_minus_question"} → id → answer (module docstring)."""
    out: dict[str, dict[str, str]] = {"always_null": {}, "lexical_sentence": {}, "lexical_sentence_minus_question": {}}
    for ex in examples:
        ctx = ex.original_context or ex.context
        q = set(normalize_answer(ex.question).split())
        best, best_n = None, -1
        for s, e in sentence_spans(ctx):
            n = len(q & set(normalize_answer(ctx[s:e]).split()))
            if n > best_n:
                best, best_n = (s, e), n
        sent = ctx[best[0] : best[1]] if best else ""
        out["always_null"][ex.id] = ""
        out["lexical_sentence"][ex.id] = sent
        out["lexical_sentence_minus_question"][ex.id] = " ".join(
            w for w in sent.split() if not (set(normalize_answer(w).split()) & q) and normalize_answer(w))
    return out

"""Scores for generated sentences: exact match, corpus BLEU and chrF, and the same per length bucket.

    from fa_nlp.metrics.generation import generation_scores
    generation_scores(["من به خانه رفتم ."], ["من به خانه رفتم ."])["em"]   # -> 100.0

Every score carries a signature, so a number is never quoted without how it was computed:

* **EM** compares whole sentences after `normalize_for_em`: Unicode NFC, every whitespace run
  (space, tab, newline, NBSP, ...) collapsed to one space, ends stripped. ZWNJ (U+200C, the Persian
  half-space in `می‌روم`) is kept by default — it is part of the word. `zwnj="space"` turns it into a
  space and `zwnj="remove"` drops it, for comparing systems that spell half-spaces differently.
  Signature: `em|nfc|ws:collapse|zwnj:keep`.
* **BLEU** is sacrebleu's corpus BLEU with `tokenize="none"`: our sentences are already
  space-tokenized words with punctuation detached (the word-order data), so BLEU's n-grams are
  exactly our words. `13a` would re-split only ASCII punctuation and leave Persian `،` `؛` `؟`
  alone — an inconsistent mix. Pass `bleu_tokenize="13a"` for raw, untokenized text.
  Note: BLEU of a corpus whose hypotheses are all shorter than 4 tokens is 0 (no 4-grams).
* **chrF** is sacrebleu's chrF2 (character 6-grams, beta 2) with its default settings.

Scores are percentages (0–100), like sacrebleu's. No torch here: metrics run anywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ZWNJ = "\u200c"
_WS = re.compile(r"\s+")
ZWNJ_MODES = ("keep", "space", "remove")

# Inclusive word-count ranges; the last bucket is open-ended. Sentences shorter than the first
# bucket go to "<5" so nothing is dropped from the per-bucket table.
DEFAULT_BUCKETS: tuple[tuple[int, int | None], ...] = ((5, 7), (8, 10), (11, 15), (16, None))


def normalize_for_em(text: str, zwnj: str = "keep") -> str:
    """The normalization behind exact match (see the module docstring for why each step)."""
    if zwnj not in ZWNJ_MODES:
        raise ValueError(f"zwnj must be one of {ZWNJ_MODES}, got {zwnj!r}")
    text = unicodedata.normalize("NFC", text)
    if zwnj == "space":
        text = text.replace(ZWNJ, " ")
    elif zwnj == "remove":
        text = text.replace(ZWNJ, "")
    return _WS.sub(" ", text).strip()


def em_signature(zwnj: str = "keep") -> str:
    return f"em|nfc|ws:collapse|zwnj:{zwnj}"


@dataclass(frozen=True)
class Score:
    """One corpus-level score with the signature that says how it was computed."""

    name: str
    score: float
    n: int
    signature: str

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 4), "n": self.n, "signature": self.signature}


def _check(preds: Sequence[str], refs: Sequence[str]) -> None:
    if len(preds) != len(refs):
        raise ValueError(f"{len(preds)} predictions but {len(refs)} references")


def exact_match(preds: Sequence[str], refs: Sequence[str], zwnj: str = "keep") -> Score:
    """Percentage of predictions equal to their reference after `normalize_for_em`."""
    _check(preds, refs)
    hits = sum(normalize_for_em(p, zwnj) == normalize_for_em(r, zwnj) for p, r in zip(preds, refs, strict=True))
    return Score("em", 100.0 * hits / len(preds) if preds else 0.0, len(preds), em_signature(zwnj))


def corpus_bleu(preds: Sequence[str], refs: Sequence[str], tokenize: str = "none") -> Score:
    """sacrebleu corpus BLEU (one reference per sentence) with its signature."""
    from sacrebleu.metrics import BLEU

    _check(preds, refs)
    metric = BLEU(tokenize=tokenize, force=True)  # our text is word-tokenized on purpose: no "detokenize" warning
    if not preds:
        return Score("bleu", 0.0, 0, str(metric.get_signature()))
    res = metric.corpus_score(list(preds), [list(refs)])
    return Score("bleu", float(res.score), len(preds), str(metric.get_signature()))


def corpus_chrf(preds: Sequence[str], refs: Sequence[str]) -> Score:
    """sacrebleu corpus chrF2 with its signature."""
    from sacrebleu.metrics import CHRF

    _check(preds, refs)
    metric = CHRF()
    if not preds:
        return Score("chrf", 0.0, 0, str(metric.get_signature()))
    res = metric.corpus_score(list(preds), [list(refs)])
    return Score("chrf", float(res.score), len(preds), str(metric.get_signature()))


def bucket_name(lo: int, hi: int | None) -> str:
    return f"{lo}+" if hi is None else f"{lo}-{hi}"


def length_bucket(n_words: int, buckets: Sequence[tuple[int, int | None]] = DEFAULT_BUCKETS) -> str:
    """The bucket label for a sentence of `n_words` words (`"<5"` below the first bucket)."""
    for lo, hi in buckets:
        if n_words >= lo and (hi is None or n_words <= hi):
            return bucket_name(lo, hi)
    first = min(lo for lo, _ in buckets)
    if n_words < first:
        return f"<{first}"
    raise ValueError(f"{n_words} words falls in no bucket of {list(buckets)} (buckets must not have gaps)")


def bucket_order(buckets: Sequence[tuple[int, int | None]] = DEFAULT_BUCKETS) -> list[str]:
    first = min(lo for lo, _ in buckets)
    return [f"<{first}"] + [bucket_name(lo, hi) for lo, hi in buckets]


def bucketed_scores(
    preds: Sequence[str],
    refs: Sequence[str],
    n_words: Sequence[int] | None = None,
    buckets: Sequence[tuple[int, int | None]] = DEFAULT_BUCKETS,
    zwnj: str = "keep",
    bleu_tokenize: str = "none",
) -> dict[str, dict[str, Any]]:
    """EM and BLEU per reference-length bucket: `{"5-7": {"n":, "em":, "bleu":}, ...}` (empty buckets left out).

    `n_words` defaults to the number of space-separated tokens in each reference.
    """
    _check(preds, refs)
    if n_words is None:
        n_words = [len(r.split()) for r in refs]
    if len(n_words) != len(refs):
        raise ValueError(f"{len(n_words)} lengths but {len(refs)} references")
    groups: dict[str, list[int]] = {}
    for i, n in enumerate(n_words):
        groups.setdefault(length_bucket(int(n), buckets), []).append(i)
    out: dict[str, dict[str, Any]] = {}
    for name in bucket_order(buckets):
        idx = groups.get(name)
        if not idx:
            continue
        p = [preds[i] for i in idx]
        r = [refs[i] for i in idx]
        out[name] = {
            "n": len(idx),
            "em": round(exact_match(p, r, zwnj).score, 4),
            "bleu": round(corpus_bleu(p, r, bleu_tokenize).score, 4),
        }
    return out


def generation_scores(
    preds: Sequence[str],
    refs: Sequence[str],
    n_words: Sequence[int] | None = None,
    zwnj: str = "keep",
    bleu_tokenize: str = "none",
    buckets: Sequence[tuple[int, int | None]] = DEFAULT_BUCKETS,
) -> dict[str, Any]:
    """All scores for one system: `{"n", "em", "bleu", "chrf", "signatures", "by_length"}`."""
    em = exact_match(preds, refs, zwnj)
    bleu = corpus_bleu(preds, refs, bleu_tokenize)
    chrf = corpus_chrf(preds, refs)
    return {
        "n": len(preds),
        "em": round(em.score, 4),
        "bleu": round(bleu.score, 4),
        "chrf": round(chrf.score, 4),
        "signatures": {"em": em.signature, "bleu": bleu.signature, "chrf": chrf.signature},
        "by_length": bucketed_scores(preds, refs, n_words, buckets, zwnj, bleu_tokenize),
    }

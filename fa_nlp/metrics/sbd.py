"""Sentence-boundary scoring against gold offsets (the JSONL of ../shared/data/ud_fa_sbd).

    fa-nlp eval-sbd --gold ../shared/data/ud_fa_sbd/seraji_test.jsonl

Metric (documented choice): a boundary is a sentence END offset. `f1` counts every end, including the
final end of each document (the convention behind the hazm baseline numbers in the project brief:
98.73 Seraji test, 99.79 PerDT test); `f1_inner` excludes each document's final end, which every
splitter gets for free. `paragraph_em` is the share of documents whose predicted span list equals the
gold list exactly (starts and ends). Offsets are compared after trimming whitespace, so a splitter
that keeps trailing spaces isn't punished for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from fa_nlp.io import iter_jsonl
from fa_nlp.report import InputError
from fa_nlp.text import _hazm
from fa_nlp.text.sentences import _emit, sentence_spans

__all__ = ["SYSTEMS", "GoldDoc", "SBDScore", "errors", "hazm_spans", "read_gold", "score"]

Spans = list[tuple[int, int]]


@dataclass(frozen=True)
class GoldDoc:
    id: str
    text: str
    sentences: tuple[tuple[int, int], ...]


@dataclass
class SBDScore:
    docs: int = 0
    gold: int = 0
    pred: int = 0
    tp: int = 0
    tp_inner: int = 0
    gold_inner: int = 0
    pred_inner: int = 0
    exact_docs: int = 0

    @staticmethod
    def _prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
        p = tp / pred if pred else 1.0
        r = tp / gold if gold else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def add(self, gold: Spans, pred: Spans) -> None:
        g = {e for _, e in gold}
        p = {e for _, e in pred}
        self.docs += 1
        self.gold += len(g)
        self.pred += len(p)
        self.tp += len(g & p)
        gi = g - {max(g)} if g else g
        pi = p - {max(p)} if p else p
        self.gold_inner += len(gi)
        self.pred_inner += len(pi)
        self.tp_inner += len(gi & pi)
        self.exact_docs += list(map(tuple, gold)) == list(map(tuple, pred))

    def to_dict(self) -> dict:
        p, r, f = self._prf(self.tp, self.pred, self.gold)
        _, _, fi = self._prf(self.tp_inner, self.pred_inner, self.gold_inner)
        return {
            "docs": self.docs,
            "gold_boundaries": self.gold,
            "pred_boundaries": self.pred,
            "tp": self.tp,
            "precision": round(100 * p, 2),
            "recall": round(100 * r, 2),
            "f1": round(100 * f, 2),
            "f1_inner": round(100 * fi, 2),
            "paragraph_em": round(100 * self.exact_docs / self.docs, 2) if self.docs else 0.0,
        }


def read_gold(path: str | Path) -> list[GoldDoc]:
    """Read gold JSONL; any bad line raises InputError naming file:line and the problem."""
    path = Path(path)
    docs: list[GoldDoc] = []
    for lineno, row in iter_jsonl(path):
        docs.append(_check_row(row, path, lineno))
    return docs


def _check_row(row: object, path: Path, lineno: int) -> GoldDoc:
    if not isinstance(row, dict):
        raise InputError(path, lineno, "expected a JSON object")
    for key, typ in (("id", str), ("text", str), ("sentences", list)):
        if key not in row:
            raise InputError(path, lineno, f"missing field {key!r}")
        if not isinstance(row[key], typ):
            raise InputError(path, lineno, f"field {key!r} must be {typ.__name__}")
    text, prev = row["text"], 0
    spans = []
    for k, span in enumerate(row["sentences"]):
        ok = isinstance(span, list) and len(span) == 2 and all(type(x) is int for x in span)
        if not ok or not prev <= span[0] < span[1] <= len(text):
            raise InputError(
                path, lineno, f"sentences[{k}] = {span!r}: not a sorted, in-bounds [start, end) pair"
            )
        spans.append((span[0], span[1]))
        prev = span[1]
    return GoldDoc(row["id"], text, tuple(spans))


def _trim(text: str, spans: Iterable[tuple[int, int]]) -> Spans:
    out: Spans = []
    for s, e in spans:
        _emit(text, s, e, out)  # the splitter's own whitespace trim (empty spans dropped)
    return out


def hazm_spans(text: str) -> Spans:
    """hazm.SentenceTokenizer's sentences mapped back to offsets by sequential search (hazm turns
    newlines into spaces, so a whitespace-tolerant regex is the fallback)."""

    spans: Spans = []
    pos = 0
    for sent in _hazm.sentence_tokenizer().tokenize(text):
        i = text.find(sent, pos)
        if i >= 0:
            j = i + len(sent)
        else:
            m = re.compile(r"\s+".join(map(re.escape, sent.split()))).search(text, pos)
            if not m:
                raise ValueError(f"cannot map hazm sentence back to the text: {sent[:60]!r}")
            i, j = m.span()
        spans.append((i, j))
        pos = j
    return spans


SYSTEMS: dict[str, Callable[[str], Spans]] = {"fa_nlp": sentence_spans, "hazm": hazm_spans}


def score(docs: Iterable[GoldDoc], split: Callable[[str], Spans]) -> SBDScore:
    result = SBDScore()
    for doc in docs:
        result.add(list(doc.sentences), _trim(doc.text, split(doc.text)))
    return result


def errors(docs: Iterable[GoldDoc], split: Callable[[str], Spans], context: int = 30) -> list[dict]:
    """Missed and spurious boundaries with some context, for error analysis."""
    out = []
    for doc in docs:
        g = {e for _, e in doc.sentences}
        p = {e for _, e in _trim(doc.text, split(doc.text))}
        for kind, ends in (("missed", g - p), ("spurious", p - g)):
            for e in sorted(ends):
                out.append(
                    {
                        "doc": doc.id,
                        "kind": kind,
                        "offset": e,
                        "context": doc.text[max(0, e - context) : e] + "‖" + doc.text[e : e + context],
                    }
                )
    return out

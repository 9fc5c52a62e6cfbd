"""Extractive QA metrics: EM and token F1 (max over gold answers), SQuAD v2 conventions, Persian-aware.

    from fa_nlp.metrics.qa import qa_scores
    s = qa_scores({"q1": "۱۲ كتاب"}, {"q1": ["12 کتاب", "دوازده کتاب"], "q2": []})
    s.exact, s.f1, s.signature

Answer normalization (both sides, before comparing): Arabic ي/ى/ك/ة/ۀ → ی/ی/ک/ه/ه, Persian and
Arabic-Indic digits → ASCII, ZWNJ (and other zero-width joiners) → space, diacritics and tatweel
removed, punctuation (Latin, Persian « » ، ؛ ؟ ٪ ٫ ٬ …, any Unicode P*) removed, Latin lower-cased,
whitespace collapsed. English articles are NOT removed (SQuAD's rule is English-only).

Unanswerable questions follow the official SQuAD v2 script: a gold list whose answers all
normalize to "" (or is empty) scores EM = F1 = 1 iff the prediction normalizes to "".
Scores are percentages, with `HasAns_*` / `NoAns_*` breakdowns. No torch, no numpy.

Beside it, `squad_v2_scores`: the official SQuAD v2 script's own normalization (lower case, ASCII
punctuation and English articles removed; nothing Persian), so scores compare with published
SQuAD-style numbers; both share the one token F1 and aggregation below.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

NORM_VERSION = "1"
SIGNATURE = (
    f"qa|norm:fa-v{NORM_VERSION}|yeh-kaf:fa|digits:ascii|zwnj:space|diacritics:no|punct:no"
    "|case:lower|ws:collapse|articles:kept|unanswerable:squad-v2|agg:max-over-golds"
)

_CHARS = str.maketrans(
    {
        "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه",
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        "\u200c": " ", "\u200d": " ", "\u200b": " ", "\u00a0": " ", "\u200f": "", "\u200e": "",
        "\u0640": "",  # tatweel
    }
)
SQUAD_V2_SIGNATURE = ("qa|norm:squad-v2-official|lower|punct:string.punctuation|articles:en-removed|ws:collapse"
                      "|unanswerable:squad-v2|agg:max-over-golds")
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_WS = re.compile(r"\s+")


def normalize_answer(text: str) -> str:
    """The comparison form of an answer (see module docstring)."""
    text = unicodedata.normalize("NFC", text).translate(_CHARS)
    text = _DIACRITICS.sub("", text)
    text = "".join(" " if unicodedata.category(c).startswith(("P", "S")) else c for c in text)
    return _WS.sub(" ", text.lower()).strip()


_ASCII_PUNCT = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def squad_v2_normalize(text: str) -> str:
    """The official SQuAD v2 `normalize_answer` (English-centric: no Persian character unification)."""
    text = "".join(ch for ch in text.lower() if ch not in _ASCII_PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def _golds(golds: Sequence[str], normalize: Callable[[str], str] = normalize_answer) -> list[str]:
    g = [normalize(a) for a in golds]
    g = [a for a in g if a]
    return g or [""]  # official v2: unanswerable ⇒ the only gold is ""


def _exact(p: str, golds: list[str]) -> float:
    return float(max(p == g for g in golds))


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    return _exact(normalize_answer(prediction), _golds(golds))


def _f1(pred_toks: list[str], gold_toks: list[str]) -> float:
    if not pred_toks or not gold_toks:
        return float(pred_toks == gold_toks)
    common = Counter(pred_toks) & Counter(gold_toks)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_toks), same / len(gold_toks)
    return 2 * precision * recall / (precision + recall)


def _best_f1(p: str, golds: list[str]) -> float:
    toks = p.split()
    return max(_f1(toks, g.split()) for g in golds)


def f1_score(prediction: str, golds: Sequence[str]) -> float:
    return _best_f1(normalize_answer(prediction), _golds(golds))


@dataclass(frozen=True)
class QAScore:
    exact: float
    f1: float
    total: int
    HasAns_exact: float
    HasAns_f1: float
    HasAns_total: int
    NoAns_exact: float
    NoAns_f1: float
    NoAns_total: int
    missing: int  # references with no prediction (scored as "")
    signature: str = SIGNATURE

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"EM {self.exact:.2f} F1 {self.f1:.2f} (n={self.total}; HasAns EM {self.HasAns_exact:.2f} "
            f"F1 {self.HasAns_f1:.2f} n={self.HasAns_total}; NoAns {self.NoAns_exact:.2f} n={self.NoAns_total}) "
            f"[{self.signature}]"
        )


def qa_scores(predictions: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> QAScore:
    """Corpus EM/F1 (percent) over `references` (id → gold answer texts; [] = unanswerable), Persian-aware."""
    return _corpus_scores(predictions, references, normalize_answer, SIGNATURE)


def squad_v2_scores(predictions: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> QAScore:
    """The same with the official SQuAD v2 normalization (`squad_v2_normalize`)."""
    return _corpus_scores(predictions, references, squad_v2_normalize, SQUAD_V2_SIGNATURE)


def _corpus_scores(predictions: Mapping[str, str], references: Mapping[str, Sequence[str]],
                   normalize: Callable[[str], str], signature: str) -> QAScore:
    em: dict[str, float] = {}
    f1: dict[str, float] = {}
    has: list[str] = []
    no: list[str] = []
    missing = 0
    for qid, golds in references.items():
        if qid not in predictions:
            missing += 1
        p, g = normalize(predictions.get(qid, "")), _golds(golds, normalize)  # each normalized once
        em[qid], f1[qid] = _exact(p, g), _best_f1(p, g)
        (no if g == [""] else has).append(qid)

    def mean(d: dict[str, float], ids: Sequence[str]) -> float:
        return 100.0 * sum(d[i] for i in ids) / len(ids) if ids else 0.0

    ids = list(references)
    return QAScore(
        exact=mean(em, ids), f1=mean(f1, ids), total=len(ids),
        HasAns_exact=mean(em, has), HasAns_f1=mean(f1, has), HasAns_total=len(has),
        NoAns_exact=mean(em, no), NoAns_f1=mean(f1, no), NoAns_total=len(no),
        missing=missing, signature=signature,
    )

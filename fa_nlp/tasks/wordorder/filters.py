"""Per-sentence filters of the word-order build: one document → its split and its kept sentences.

Pure functions of their inputs (module-level, picklable), so they run unchanged in worker processes.
Every dropped sentence is counted by reason (`read = kept + skipped`); see the reasons in
`fa_nlp.tasks.wordorder.build`'s docstring.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from fa_nlp.report import SkipReport
from fa_nlp.tasks.wordorder.build_config import SPLITS, WordOrderConfig
from fa_nlp.tasks.wordorder.seeded import split_of
from fa_nlp.text.words import is_punctuation  # one definition: n_words and "drop" agree with words()

_URL_OR_EMAIL = re.compile(r"(?:https?://|ftp://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


def is_persian_letter(ch: str) -> bool:
    """Arabic-script letters (Persian uses that block plus presentation forms)."""
    cp = ord(ch)
    return ch.isalpha() and (0x0600 <= cp <= 0x06FF or 0xFB50 <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF
                             or 0x0750 <= cp <= 0x077F)


def persian_ratio(text: str) -> float:
    """Share of Persian letters among letters; 0.0 when there are no letters at all (digits only)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(map(is_persian_letter, letters)) / len(letters)


def has_url_or_email(text: str) -> bool:
    return _URL_OR_EMAIL.search(text) is not None


def sentence_tokens(sentence: str, punctuation: str) -> tuple[list[str], int]:
    """Tokens of one normalized sentence under the punctuation policy, and how many marks were dropped."""
    from fa_nlp.text import words

    if punctuation == "keep":
        return words(sentence, punctuation="keep"), 0
    tokens = words(sentence, punctuation="detach")
    if punctuation == "drop":
        kept = [t for t in tokens if not is_punctuation(t)]
        return kept, len(tokens) - len(kept)
    return tokens, 0


@dataclass
class Candidate:
    """A sentence that passed every per-document filter; dedup and shuffling happen later, in order."""

    doc_id: str
    source: str
    sent_index: int
    ordered: str
    ordered_text: str
    n_words: int
    n_tokens: int


def process_document(doc_id: str, text: str, source: str, params: dict[str, Any],
                     reports: dict[str, SkipReport], stats: Counter) -> tuple[str, list[Candidate]]:
    """One document → (its split, its candidate sentences); skips are counted in `reports[split]`.

    Pure given its inputs (no global state), so it can run in any worker process.
    """
    from fa_nlp.text import normalize, sentence_spans

    if source in params["test_sources"]:
        split = "test"
    else:
        split = split_of(doc_id, params["split_seed"], params["split"])
    report = reports[split]
    lo, hi = params["bounds"][split]
    out: list[Candidate] = []
    norm = normalize(text).text
    for i, (s, e) in enumerate(sentence_spans(norm)):
        sentence = norm[s:e].strip()
        if not sentence:
            report.skip("empty", f"{doc_id}#{i}")
            continue
        if params["drop_urls"] and has_url_or_email(sentence):
            report.skip("url_or_email", sentence)
            continue
        if not any(c.isalpha() for c in sentence):
            report.skip("no_letters", sentence)  # stray marks or numbers ("…", "۱۲۳۴.")
            continue
        if persian_ratio(sentence) < params["min_persian_ratio"]:
            report.skip("non_persian", sentence)
            continue
        tokens, dropped = sentence_tokens(sentence, params["punctuation"])
        if any(not t or any(c.isspace() for c in t) for t in tokens):
            report.skip("bad_token", sentence)  # a token with a space would break `.split(" ")`
            continue
        if len(set(tokens)) < 2:
            report.skip("one_distinct_token", sentence)  # "شرم شرم شرم": every order is the original
            continue
        n_words = sum(1 for t in tokens if not is_punctuation(t))
        if n_words < lo:
            report.skip("too_short", sentence)
            continue
        if n_words > hi:
            report.skip("too_long", sentence)
            continue
        stats["punctuation_dropped"] += dropped
        out.append(Candidate(doc_id, source, i, " ".join(tokens), sentence, n_words, len(tokens)))
    return split, out


def process_shard(shard: list[tuple[str, str, str]], params: dict[str, Any]) -> dict[str, Any]:
    """A batch of (doc_id, text, source) → candidates per split plus skip reports (module-level: picklable)."""
    reports = {s: SkipReport() for s in SPLITS}
    stats: Counter = Counter()
    candidates: dict[str, list[Candidate]] = {s: [] for s in SPLITS}
    docs: Counter = Counter()
    for doc_id, text, source in shard:
        split, cands = process_document(doc_id, text, source, params, reports, stats)
        docs[split] += 1
        candidates[split].extend(cands)
    return {"candidates": candidates, "reports": reports, "stats": stats, "docs": docs}


def filter_params(cfg: WordOrderConfig) -> dict[str, Any]:
    """The parts of the config the filters need, as a small picklable dict for worker processes."""
    key = cfg.key_dict()
    return {
        "split_seed": key["split_seed"],
        "split": list(cfg.split),
        "test_sources": frozenset(cfg.test_sources),
        "bounds": {s: cfg.bounds(s) for s in SPLITS},
        "drop_urls": cfg.drop_urls,
        "min_persian_ratio": cfg.min_persian_ratio,
        "punctuation": cfg.punctuation,
    }

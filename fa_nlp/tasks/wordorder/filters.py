"""Per-sentence filters of the word-order build: one document → its split and its kept sentences.

Pure functions of their inputs (module-level, picklable), so they run unchanged in worker processes.
Every dropped sentence is counted by reason (`read = kept + skipped`); see the reasons in
`fa_nlp.tasks.wordorder.build`'s docstring.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fa_nlp.report import SkipReport
from fa_nlp.tasks.wordorder.build_config import SPLITS, WordOrderConfig
from fa_nlp.tasks.wordorder.seeded import split_of
from fa_nlp.text import normalize, sentence_spans, words
from fa_nlp.text.words import is_punctuation  # one definition: n_words and "drop" agree with words()

_URL_OR_EMAIL = re.compile(r"(?:https?://|ftp://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


_PERSIAN_RANGES = ((0x0600, 0x06FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF), (0x0750, 0x077F))
_PERSIAN_LETTERS = frozenset(c for lo, hi in _PERSIAN_RANGES for c in map(chr, range(lo, hi + 1)) if c.isalpha())


def is_persian_letter(ch: str) -> bool:
    """Arabic-script letters (Persian uses that block plus presentation forms)."""
    return ch in _PERSIAN_LETTERS


class _LetterClasses(dict):
    """`str.translate` table, filled on first sight of each character: a Persian letter → "p", any other
    letter → "l", anything else unchanged (never "p" or "l": those are letters). One C pass over a
    sentence then gives both letter counts (`.count`), which the build needs for every sentence."""

    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        self[cp] = cls = ("p" if ch in _PERSIAN_LETTERS else "l") if ch.isalpha() else ch
        return cls


_LETTER_CLASSES = _LetterClasses()


def letter_counts(text: str) -> tuple[int, int]:
    """(Persian letters, all letters) in `text`."""
    classes = text.translate(_LETTER_CLASSES)
    n_persian = classes.count("p")
    return n_persian, n_persian + classes.count("l")


def persian_ratio(text: str) -> float:
    """Share of Persian letters among letters; 0.0 when there are no letters at all (digits only)."""
    n_persian, n_letters = letter_counts(text)
    return n_persian / n_letters if n_letters else 0.0


@lru_cache(maxsize=1)
def _other_letter() -> re.Pattern:
    """A letter that is not Persian (BMP), or any character beyond the BMP: one C search answers, for
    nearly every sentence of a Persian corpus, that all its letters are Persian (the counts are then not
    needed); the astral plane is matched whole, so its rare letters go to the exact count."""
    other = [c for c in range(0x10000) if chr(c).isalpha() and chr(c) not in _PERSIAN_LETTERS]
    ranges: list[list[int]] = []
    for c in other:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    cls = "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges)
    return re.compile(f"[{cls}\U00010000-\U0010FFFF]")


_PERSIAN_LETTER = re.compile(f"[{''.join(map(re.escape, sorted(_PERSIAN_LETTERS)))}]")


def letter_reason(sentence: str, min_persian_ratio: float) -> str | None:
    """"no_letters", "non_persian" or None (kept): what `letter_counts` decides, at a tenth of its cost
    when every letter is Persian (share 1.0, no counting needed)."""
    if _other_letter().search(sentence) is None:
        if _PERSIAN_LETTER.search(sentence) is None:
            return "no_letters"
        return "non_persian" if 1.0 < min_persian_ratio else None
    n_persian, n_letters = letter_counts(sentence)
    if not n_letters:
        return "no_letters"
    return "non_persian" if n_persian / n_letters < min_persian_ratio else None


@lru_cache(maxsize=1)
def _punctuation_tokens() -> re.Pattern:
    """A space-delimited run of punctuation marks in `" ".join(tokens)`: exactly the tokens for which
    `is_punctuation` is true (tokens are non-empty and hold no whitespace by then), found in one C pass
    instead of one Python call per token. The marks are asked of `is_punctuation` itself (BMP)."""
    marks = "".join(c for c in map(chr, range(0x10000)) if is_punctuation(c))
    return re.compile(f"(?<![^ ])[{re.escape(marks)}]+(?![^ ])")


def count_punctuation_tokens(ordered: str) -> int:
    """How many of the single-space-separated tokens of `ordered` are punctuation marks only."""
    return len(_punctuation_tokens().findall(ordered))


def has_url_or_email(text: str) -> bool:
    # the pattern needs "@", "://" or "www." (any case): three substring tests skip its slow scan
    if "@" not in text and "://" not in text and "www." not in text.lower():
        return False
    return _URL_OR_EMAIL.search(text) is not None


def sentence_tokens(sentence: str, punctuation: str) -> tuple[list[str], int]:
    """Tokens of one normalized sentence under the punctuation policy, and how many marks were dropped."""
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
        reason = letter_reason(sentence, params["min_persian_ratio"])
        if reason is not None:
            report.skip(reason, sentence)  # no_letters: stray marks or numbers ("…", "۱۲۳۴.")
            continue
        tokens, dropped = sentence_tokens(sentence, params["punctuation"])
        ordered = " ".join(tokens)
        if ordered.split() != tokens:  # equal iff no token is empty or holds whitespace
            report.skip("bad_token", sentence)  # a token with a space would break `.split(" ")`
            continue
        if len(tokens) < 2 or tokens.count(tokens[0]) == len(tokens):  # fewer than 2 distinct, without a set
            report.skip("one_distinct_token", sentence)  # "شرم شرم شرم": every order is the original
            continue
        n_words = len(tokens) - count_punctuation_tokens(ordered)
        if n_words < lo:
            report.skip("too_short", sentence)
            continue
        if n_words > hi:
            report.skip("too_long", sentence)
            continue
        stats["punctuation_dropped"] += dropped
        out.append(Candidate(doc_id, source, i, ordered, sentence, n_words, len(tokens)))
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
        "seed": cfg.seed,  # the workers shuffle (storage.shard_rows)
        "shuffles": {s: cfg.shuffles(s) for s in SPLITS},
    }

"""Decontamination: keep every evaluation set's text out of pretraining text, and count what left.

    from fa_nlp.data.decontaminate import HeldOut, catalog_evaluation_sets
    held = HeldOut()
    for name, texts in catalog_evaluation_sets():          # PQuAD Test, PersianQA test, ParsiNLU RC, UD dev/test
        held.add(name, texts)
    kept = [t for t in texts_to_train_on if not held.matches(t)]   # → [] when no 13-word run is shared
    held.counts()    # {"pquad:test": {"texts": 1, "shingles": ..., "dropped_documents": ...}, ...}

Rule (GPT-3's, Brown et al. 2020, App. C): a document is dropped when it shares ANY run of 13
consecutive words with ANY evaluation text. Thirteen words are long enough that a shared run is
copied text, not a common phrase, and short enough to catch a paragraph quoted inside a longer page.
A text of 5–12 words is compared whole (shorter ones match nothing): a short document equal to a short evaluation text
(a one-line document repeating a test sentence) is dropped too; a short evaluation text quoted
inside a LONGER document is not caught (the word-order build dedups its own sentences across splits).

Words (`shingle_words`): runs of letters/digits after a light canonical form (Arabic yeh/kaf →
Persian, diacritics and tatweel removed, Persian/Arabic digits → ASCII), so the same passage
matches whether or not one side went through `fa_nlp.text.normalize` (which moves spaces, ZWNJs and
punctuation: a ZWNJ or a mark splits words on both sides alike). Shingles are Python hashes of
13-word tuples, kept per evaluation set in a `set`: memory ~ 80 bytes per evaluation word, one
lookup per training word. Hash randomisation only changes which (astronomically rare) 64-bit
collisions happen, never the result in practice.

Which catalog files are evaluation sets (`catalog_evaluation_sets`): every file of a `qa` or `sbd`
corpus, except the QA recipe's own training file (PQuAD's `validation` file, `QA_TRAINING_FILES`).
ParsiNLU RC's train split is held out too: the QA recipe scores on ParsiNLU without ever training on
it. The ParsiNLU `.jsonl` copy of the same data is read once (files are deduplicated by path stem
and split). Word-order validation/test documents come from the word-order build's own split rule
(`fa_nlp.tasks.wordorder.lm_text.held_out_documents`), named in `held_out_sets` specs as
`wordorder:PATH`.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from fa_nlp.data import corpora
from fa_nlp.data.readers import read_file

SHINGLE = 13
MIN_WHOLE = 5  # a shorter text is no evidence of copying (a one-word line): it matches nothing
# (corpus, split) the QA recipe trains on: not an evaluation set (`make qa` trains on PQuAD's Validation.json)
QA_TRAINING_FILES = frozenset({("pquad", "validation")})
EVAL_GROUPS = ("qa", "sbd")

_CANON = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ـ": None,
                        **{chr(0x06F0 + i): str(i) for i in range(10)},
                        **{chr(0x0660 + i): str(i) for i in range(10)}})
_WORD = re.compile(r"\w+")


def shingle_words(text: str) -> list[str]:
    """The words shingles are made of (module docstring): canonical letters/digits runs.

    >>> shingle_words("كتاب‌هاي «من» ۱۲")
    ['کتاب', 'های', 'من', '12']
    """
    t = unicodedata.normalize("NFC", text).translate(_CANON)
    t = "".join(c for c in t if not unicodedata.combining(c))
    return _WORD.findall(t)


def shingles(text: str, n: int = SHINGLE) -> set[int]:
    """Hashes of every run of `n` consecutive words; a text of MIN_WHOLE..n-1 words is one shingle of
    all its words (so a one-sentence document equal to a short evaluation text still matches)."""
    w = shingle_words(text)
    if len(w) < n:
        return {hash(tuple(w))} if len(w) >= min(MIN_WHOLE, n) else set()
    return {hash(tuple(w[i : i + n])) for i in range(len(w) - n + 1)}


class HeldOut:
    """Named evaluation sets' shingles; `matches(text)` names the sets a text shares a run with.

    Counts per set: texts and shingles added, and documents dropped by `check` (a document that
    matches several sets counts under each; `dropped` counts it once)."""

    def __init__(self, n: int = SHINGLE):
        self.n = n
        self.sets: dict[str, set[int]] = {}
        self.texts: dict[str, int] = {}
        self.dropped_per_set: dict[str, int] = {}
        self.dropped = 0
        self.checked = 0

    def add(self, name: str, texts: Iterable[str]) -> HeldOut:
        s = self.sets.setdefault(name, set())
        self.texts.setdefault(name, 0)
        self.dropped_per_set.setdefault(name, 0)
        for t in texts:
            s |= shingles(t, self.n)
            self.texts[name] += 1
        return self

    def __bool__(self) -> bool:
        return any(self.sets.values())

    def matches(self, text: str) -> list[str]:
        """The evaluation sets sharing at least one n-word run with `text` ([] = clean)."""
        sh = shingles(text, self.n)
        return [name for name, s in self.sets.items() if not s.isdisjoint(sh)] if sh else []

    def check(self, text: str) -> bool:
        """True when `text` may be trained on; a contaminated one is counted (per set and once)."""
        self.checked += 1
        hit = self.matches(text)
        for name in hit:
            self.dropped_per_set[name] += 1
        self.dropped += bool(hit)
        return not hit

    def counts(self) -> dict:
        """For the manifest: the rule, documents checked and dropped, and per evaluation set."""
        return {"rule": f"dropped when sharing a {self.n}-word run with an evaluation text (a {MIN_WHOLE}-{self.n - 1}"
                        "-word text: when equal to one)", "checked": self.checked,
                "dropped": self.dropped,
                "per_set": {k: {"texts": self.texts[k], "shingles": len(self.sets[k]),
                                "dropped_documents": self.dropped_per_set[k]} for k in self.sets}}


def catalog_evaluation_files(catalog: str | Path | None = None) -> list[tuple[str, Path, str]]:
    """(set name `corpus:split`, local file, reader kind) of every evaluation file the catalog knows
    (module docstring); a corpus that is not available locally is an error naming it."""
    out, seen = [], set()
    for e in corpora.list_corpora(catalog):
        if e.group not in EVAL_GROUPS:
            continue
        directory = corpora.locate(e)
        if directory is None:
            raise FileNotFoundError(f"evaluation corpus {e.name!r} is not available locally, so pretraining text "
                                    f"cannot be checked against it: run `fa-nlp corpus fetch {e.name}` or set "
                                    f"FA_NLP_DATA to the data mirror")
        for f in e.files:
            split = f.split or "all"
            if (e.name, split) in QA_TRAINING_FILES:
                continue
            key = (e.dir, Path(f.path).stem, split)
            if key in seen:  # the same data in another format (ParsiNLU .json and .jsonl)
                continue
            seen.add(key)
            out.append((f"{e.name}:{split}" if e.group == "qa" else f"{e.name}:{Path(f.path).stem}",
                        directory / f.path, e.file_kind(f)))
    return out


def catalog_evaluation_sets(catalog: str | Path | None = None) -> Iterator[tuple[str, Iterator[str]]]:
    """(set name, its texts: QA contexts or SBD documents) for every catalog evaluation file."""
    for name, path, kind in catalog_evaluation_files(catalog):
        yield name, (d.text for d in read_file(path, kind))


# `--held-out` sources defined by a task, by name (a data module must not import a task: a name table)
TASK_HELD_OUT = {"wordorder": "fa_nlp.tasks.wordorder.lm_text:held_out_documents_of"}
DEFAULT_HELD_OUT = ("catalog", "wordorder:fa_nlp/configs/wordorder-fa_text.toml")


def held_out_sets(specs: Sequence[str], held: HeldOut | None = None) -> HeldOut:
    """The evaluation sets named by `specs`: `catalog` (every evaluation file of the catalog) and
    `wordorder:PATH` (the validation/test documents of a word-order build dir or build config);
    `none` alone = no set. Unknown specs are errors naming the known ones."""
    held = held if held is not None else HeldOut()
    for spec in specs:
        kind, _, arg = spec.partition(":")
        if spec == "none":
            continue
        if spec == "catalog":
            for name, texts in catalog_evaluation_sets():
                held.add(name, texts)
        elif kind in TASK_HELD_OUT and arg:
            module, fn = TASK_HELD_OUT[kind].split(":")
            for name, texts in getattr(importlib.import_module(module), fn)(arg):
                held.add(name, texts)
        else:
            raise ValueError(f"unknown held-out set {spec!r}: use catalog, none, or "
                             + ", ".join(f"{k}:PATH" for k in TASK_HELD_OUT))
    return held

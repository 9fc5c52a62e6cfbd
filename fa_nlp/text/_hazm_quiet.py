"""A conservative "can any of hazm's steps change this text?" test (`Quiet.unchanged`), so the common
already-normal segment costs a few scans instead of ~30 passes (issue 21).

hazm's tokenizer pads every mark run with spaces (`کرد.` → `کرد .`) and its punctuation step removes
the space again before a closing mark and after an opening one, so a pad next to those is harmless;
any other pad, and anything a step's pattern could match (on the text, or with a mark standing for
the space a pad would put there), sends the text to the full run. tests/text/test_normalize_fast_path.py
checks that it never says "unchanged" where a step fires (fa_text and random text), and
benchmarks/bench_normalize_diff.py that `normalize` gives the same text and offsets without it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

ZWNJ = "\u200c"
_M = r'؟!?\d.:،؛»\[\](){}"«/\\'  # every char hazm's WordTokenizer pads (its three classes)
_CLOSE, _OPEN, _SUF = r".:!،؛؟»\])}", r"«\[({", r"(?:تر(?:ین?)?|گری?|های?)(?=[ \n" + _M + "]|$)"
_SPACE_FIRST = re.compile(  # doubled spaces, space before a closing mark or a ZWNJ, affixes
    rf" (?: |\n|$|[{_CLOSE}]|\u200c|(?<=ه )ی[ {_M}]|{_SUF}|(?<=ه )ا(?:م|یم|ش|ند|ی|ید|ت)(?=[ \n{_M}]|$))"
)
_MI_FIRST = re.compile(rf"م(?:(?<![^ \n{_M}]م)|(?<=نم)(?<![^ \n{_M}]نم))ی[ {_M}]")
_ZWNJ_FIRST = re.compile(r"\u200c(?:\u200c| |(?<=\w\u200c)\B|(?<!\w\u200c)(?=\w))")  # " \u200c": _SPACE_FIRST
_PIECE = re.compile(rf"[^ \t\n{_M}]+")  # hazm's tokens, less the mark runs


# The test below is derived from hazm 0.12's patterns: with other patterns (another hazm) it is not
# used, and every segment takes the full run (`HazmRules.normalize`'s plain-then-mapped path).
_PATTERN_LISTS = ("PERSIAN_STYLE_PATTERNS", "DIACRITICS_PATTERNS", "EXTRA_SPACE_PATTERNS", "AFFIX_SPACING_PATTERNS",
                  "PUNCTUATION_SPACING_PATTERNS", "SPECIAL_CHARS_PATTERNS", "UNICODE_REPLACEMENTS")
_PATTERNS_SHA1 = "8ee8264bd5020b82419075f044a389e214fca842"


def fits_hazm() -> bool:
    """Are hazm's rule lists the ones `Quiet` was written for?"""
    from hazm import constants

    lists = repr([getattr(constants, name, None) for name in _PATTERN_LISTS])
    return hashlib.sha1(lists.encode()).hexdigest() == _PATTERNS_SHA1


class Quiet:
    """`unchanged(text)`: True only if `HazmRules._run` would return `text` as it is (all flags on)."""

    def __init__(self, r: Any, letters: str, token_pad: re.Pattern) -> None:
        from hazm import constants

        self.r, self.token_pad = r, token_pad
        self.mark_first = _mark_first(letters)
        marks = set('؟!?.:،؛»[](){}"«/\\')
        # a token made of marks is never joined, so the tokens that matter are `_PIECE`s
        self.joinable = frozenset(w for w in r.heads | r.suffixes if not marks.intersection(w))
        # ... and two pieces with a mark run between them can be taken as neighbours (a superset of
        # the token pairs) unless a mark run could be a word a suffix joins to: none is in hazm 0.12
        self.marks_in_words = any(w[:1] in marks or w[:1].isdigit() for w in r.words)
        rare = "".join(p.pattern[1:-1] for p, _, _ in r.diacritics + r.specials)
        # every `UNICODE_REPLACEMENTS` key (a literal string) holds one of its non-ASCII chars
        rare += "".join(sorted({c for a, _ in constants.UNICODE_REPLACEMENTS for c in a if ord(c) > 127}))
        self.rare = re.compile(rf"[\t\r\"ـ{rare}]")

    def unchanged(self, t: str) -> bool:
        r = self.r
        if (
            t[:1] == " " or "\n " in t or "\n\n\n" in t or "..." in t or "هها" in t
            or self.mark_first.search(t) or _SPACE_FIRST.search(t) or self.rare.search(t)
            or _MI_FIRST.search(t) or ("\u200c" in t and _ZWNJ_FIRST.search(t)) or r.more_than_two.search(t)
        ):
            return False
        pieces = _PIECE.findall(t)
        if not self.joinable.isdisjoint(pieces) and self._may_join(pieces, t):
            return False  # a participle before its auxiliary (`شده است`) is common: check the pairs
        verbs = r.verbs
        for m in r.mi.finditer(t):  # `_separate_mi` changes a word iff its ZWNJ form is a verb
            w = m.group()
            k = 3 if w[0] == "ن" else 2
            if w[:k] + ZWNJ + w[k:] in verbs:
                return False
        return True

    def _may_join(self, pieces: list[str], t: str) -> bool:
        """Could `token_spacing` join two tokens? The first join it makes is of two neighbours, the
        first a verb head whose ZWNJ pair is a verb, or the second a suffix after a known word (its
        other conditions only stop joins, so leaving them out keeps this a superset)."""
        if self.marks_in_words:
            return any(map(self._joins, t.split("\n")))
        r = self.r
        heads, verbs, words, suffixes, compounds = r.heads, r.verbs, r.words, r.suffixes, r.join_compounds
        for a, b in zip(pieces, pieces[1:]):  # lines run on: more pairs, never fewer
            if a in heads:
                pair = a + ZWNJ + b
                if pair in verbs or (compounds and pair in words and words[pair][0] > 0):
                    return True
            if b in suffixes and a in words:
                return True
        return False

    def _joins(self, line: str) -> bool:
        """Does `token_spacing` join two of this line's tokens (as the plain run tokenizes it)?"""
        tokens = [x for x in self.token_pad.sub(r" \1 ", line).split(" ") if x]
        text = " ".join(tokens)
        return self.r._join(text, tokens) != text


def _mark_first(letters: str) -> re.Pattern:
    """A mark whose pad stays, or a mark where a punctuation step, the digit/letter spacing or
    persian_style's decimal comma fires, or a mark before a suffix (a pad would make it `mark suffix`)."""
    return re.compile(
        rf"[{_M}+](?:(?<=[؟!?])(?=[^؟!?{_CLOSE} \t\n])"  # pads that the punctuation step keeps
        rf"|(?<=[\d.:])(?=[^\d{_CLOSE} \t\n])|(?<=[،؛»\])}}\"/\\])(?=[^{_CLOSE} \t\n])"
        rf"|(?<=[^{_M} \t\n][?\d\"«\[({{/\\])"  # a word char before a mark that is not closing
        rf"|(?<=[.:])(?=[^ {_CLOSE}\d])|(?<=[!،؛؟»\])}}])(?=[^ {_CLOSE}])|(?<=[^ {_OPEN}][{_OPEN}])"
        rf"|(?<=[{_OPEN}])(?= )|(?<=\d)(?=[{letters}])|(?<=[{letters}]\d)|(?<=[\d+])(?=\.[\d+])"
        rf"|(?<=[{_M}]){_SUF})"
    )

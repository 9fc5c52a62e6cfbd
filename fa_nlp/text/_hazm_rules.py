"""hazm 0.12's `Normalizer.normalize`, step for step, on a `MappedText` (offsets kept as it goes).

Why not call hazm: its `normalize` rebuilds a translation table on every call, runs ~30 regex passes
through `re.sub`'s cache, and gives no offsets, so we had to align its output afterwards (difflib:
slower than hazm itself, quadratic on long lines). Here the same rules, in the same order, are
compiled once, a step whose pattern cannot match costs one scan in C, and the offset map is updated
by each step that changes something. Most segments need none of it: a few scans (`_hazm_quiet.py`)
show that no step can fire, and they are returned as they are (issue 21: 2x hazm's speed). hazm stays
the reference: `normalize_reference.py` still calls it, and tests/text/test_normalize_differential.py
compares both on fa_text lines.

What is not hazm's: nothing here. Our own choices (protected spans, ZWNJ clean-up, `join_compounds`)
live in `normalize.py`; `token_joins` mirrors both hazm's `token_spacing` and our no-compounds variant.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from fa_nlp.text import _hazm
from fa_nlp.text._hazm_quiet import Quiet, fits_hazm
from fa_nlp.text._mapped import MappedText, PlainText, Template, compile_template

__all__ = ["HazmRules", "rules"]

ZWNJ = "\u200c"
# hazm.constants, compiled once (patterns and templates copied from hazm 0.12; see _compile)
_LETTERS = "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
# hazm's WordTokenizer pads `([؟!?]+|[\d.:]+|[:.،؛»\])}"«\[({/\\])` with spaces and splits on " " (tabs
# are spaces). So two touching chars are one token only if both are in `[؟!?]`, both in `[\d.:]`, or both
# in neither class nor the single-char marks; everywhere else a space goes between them. With runs of
# spaces/tabs made one space, this is the line hazm's `" ".join(tokens)` gives (before ZWNJ joins).
_A, _B, _C = r"؟!?", r"\d.:", r'،؛»\])}"«\[({/\\'
# Each pass starts with a char class, so the regex engine skips ordinary text at C speed (a pattern
# starting with alternatives of groups is tried at every position). A run is matched from its first
# char only (the lookbehind right after it), so digit runs are not rescanned.
_TOUCH_AFTER = [  # a mark run followed by a non-space, then runs of spaces and tabs
    re.compile(rf"([{_A}](?<![{_A}][{_A}])[{_A}]*)(?=[^{_A} \t])"),
    re.compile(rf"([{_B}](?<![{_B}][{_B}])[{_B}]*)(?=[^{_B} \t])"),
    re.compile(rf"([{_C}])(?=[^ \t])"),
]
_SPACE_RUN = re.compile(r"\t[ \t]*| [ \t]+")  # `[ \t]{2,}|\t`, starting with literals
_TOUCH_BEFORE = re.compile(rf"([{_A}{_B}{_C}])(?<=[^{_A}{_B}{_C} \t][{_A}{_B}{_C}])")  # a word char, then a mark
_EDGE_SPACE = re.compile(r"^ +| +$")
_TOKEN_PAD = re.compile(r'([؟!?]+|[\d.:]+|[:.،؛»\])}"«\[({/\\])')  # hazm's WordTokenizer.pattern
_DELETE = compile_template("")
_ONE_SPACE = compile_template(" ")


def _literal(s: str) -> Template:
    t = Template([s] if s else [])
    t.repl = s.replace("\\", "\\\\")
    return t


@functools.cache
def translation_chars() -> re.Pattern:
    """The chars hazm's translation table changes: most lines have none, and `str.translate` with a
    400-entry table costs more per char than a regex scan."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in _hazm.translation_table()) + "]")


# Cheap tests that a hazm pattern can match at all (`str in` is far faster than a regex scan), and
# equivalent rewrites of patterns that would otherwise be tried at every position of the text.
_GUARDS = {
    r"^ +| +$": lambda t: t[:1] == " " or t[-1:] == " " or t.endswith(" \n"),
    r" {2,}": lambda t: "  " in t,
    r"\u200c{2,}": lambda t: "\u200c\u200c" in t,
    r"\u200c{1,} ": lambda t: "\u200c " in t,
    r" \u200c{1,}": lambda t: " \u200c" in t,
    r"\n{3,}": lambda t: "\n\n\n" in t,
    r"[ـ\r]": lambda t: "ـ" in t or "\r" in t,
    r'"([^\n"]+)"': lambda t: '"' in t,
    r'" ([^\n"]+) "': lambda t: '"' in t,
    r"([\d+])\.([\d+])": lambda t: "." in t,
    r" ?\.\.\.": lambda t: "..." in t,
    r"([^ ]ه) ی ": lambda t: "ه ی " in t,
    r"(^| )(ن?می) ": lambda t: "می " in t,
    r"(ه)(ها)": lambda t: "هها" in t,
    r"([^ ]ه) (ا(م|یم|ش|ند|ی|ید|ت))(?=[ \n\.:!،؛؟»\]\)\}]|$)": lambda t: "ه ا" in t,
}
_ZWNJ_GUARD = lambda t: "\u200c" in t  # noqa: E731  (the ZWNJ clean-up patterns)
_AFFIX_GUARD = lambda t: " تر" in t or " گر" in t or " ها" in t  # noqa: E731
_BEFORE_GUARD = re.compile(r"[«\[\(\{]")
_REWRITES = {  # hazm's pattern → (same matches and output, but starting with a char class)
    r"\b\u200c*\B": (r"\u200c(?<=\w\u200c)\u200c*\B", ""),
    r"\B\u200c*\b": (r"(\u200c)(?<=\w\u200c)\u200c+(?=\w)|\u200c(?<!\w\u200c)\u200c*(?=\w)", r"\1"),
    r"([آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی])(\d)": (rf"(\d)(?<=[{_LETTERS}]\d)", " \\1"),
    # the same with a literal first (the char before is in a lookbehind; matches cannot overlap there)
    r"([^ «\[\(\{])([«\[\(\{])": (r"([«\[\(\{])(?<=[^ «\[\(\{][«\[\(\{])", " \\1"),
    r"([^ ]ه) (ا(م|یم|ش|ند|ی|ید|ت))(?=[ \n\.:!،؛؟»\]\)\}]|$)": (
        r" (?<=[^ ]ه )(ا(م|یم|ش|ند|ی|ید|ت))(?=[ \n\.:!،؛؟»\]\)\}]|$)", "\u200c\\1"
    ),
    r"(?<=[^\n\d \.:!،؛؟»\]\)\}«\[\(\{]{2}) (تر(ین?)?|گری?|های?)(?=[ \n\.:!،؛؟»\]\)\}«\[\(\{]|$)": (
        r" (?<=[^\n\d \.:!،؛؟»\]\)\}«\[\(\{]{2} )(تر(ین?)?|گری?|های?)(?=[ \n\.:!،؛؟»\]\)\}«\[\(\{]|$)",
        "\u200c\\1",
    ),
}


def _patterns(name: str) -> list[tuple[re.Pattern, list, object]]:
    from hazm import constants

    out = []
    for p, r in getattr(constants, name):
        guard = _GUARDS.get(p)
        if guard is None and "\u200c" in p:
            guard = _ZWNJ_GUARD
        elif p.startswith("(?<=") and "(تر(ین?)?" in p:
            guard = _AFFIX_GUARD
        elif p.startswith("([^ «"):
            guard = _BEFORE_GUARD.search
        p, r = _REWRITES.get(p, (p, r))
        out.append((re.compile(p), compile_template(r), guard))
    return out


class HazmRules:
    """One compiled copy of hazm's rules for a set of Normalizer flags."""

    def __init__(self, normalizer: Any, join_compounds: bool) -> None:
        from hazm import constants

        n = normalizer
        self.flags = {
            k: getattr(n, "_" + k)
            for k in (
                "correct_spacing",
                "remove_diacritics",
                "remove_specials_chars",
                "decrease_repeated_chars",
                "persian_style",
                "unicodes_replacement",
                "seperate_mi",
            )
        }
        self.words = n._words or {}
        self.verbs = n._verbs or set()
        self.suffixes = constants.SUFFIXES
        self.join_compounds = join_compounds
        # a join needs the token before it to be the head of a verb (or compound) up to a ZWNJ
        joinable = list(self.verbs) + ([w for w in self.words if ZWNJ in w] if join_compounds else [])
        self.heads = frozenset(w[:i] for w in joinable for i, c in enumerate(w) if c == ZWNJ)
        self.persian_style = _patterns("PERSIAN_STYLE_PATTERNS")
        self.diacritics = _patterns("DIACRITICS_PATTERNS")
        self.extra_space = _patterns("EXTRA_SPACE_PATTERNS")
        self.affix = _patterns("AFFIX_SPACING_PATTERNS")
        self.punctuation = _patterns("PUNCTUATION_SPACING_PATTERNS")
        self.specials = _patterns("SPECIAL_CHARS_PATTERNS")
        # hazm uses str.replace here: the keys are literal strings (even "(ﷰ|ﷹ)")
        self.unicode = [(re.compile(re.escape(a)), _literal(b), None) for a, b in constants.UNICODE_REPLACEMENTS]
        self.unicode_first = re.compile("|".join(re.escape(a[0]) for a, _ in constants.UNICODE_REPLACEMENTS))
        self.more_than_two = re.compile(rf"([{_LETTERS}])\1{{2,}}")
        self.repeated = re.compile(rf"[{_LETTERS}]*([{_LETTERS}])\1{{2,}}[{_LETTERS}]*")
        # hazm's `\bن?می[...]+`, starting with a char class: a word that starts with نمی or می
        self.mi = re.compile(rf"[نم](?<=\b[نم])(?:(?<=ن)می|(?<=م)ی)[{_LETTERS}]+")
        self.mi_prefix = re.compile(r"^(ن?می)")
        self._joined: dict[str, str] = {}
        self.quiet = Quiet(self, _LETTERS, _TOKEN_PAD) if all(self.flags.values()) and fits_hazm() else None

    # ---------------------------------------------------------------- hazm's normalize
    def normalize(self, mt: MappedText) -> MappedText:
        """hazm's `Normalizer.normalize` minus its translation tables (our caller applied both). With
        hazm's default flags: the quick test, then the mapped run only where a step can fire. With
        other flags (no quick test for them): a plain run first, and the mapped run replaying its
        changed steps only when it changed something. `mt` itself is returned when nothing changed."""
        if self.quiet is not None:
            if self.quiet.unchanged(mt.text):
                return mt  # no step can fire (most segments, and most second runs): skip the ~30 passes
            # a step fires: the mapped run at once (a step with no match costs the same scan there; a
            # plain run first would only tell which steps to skip)
            out = self._run(mt, _Trace())
            return mt if out.text == mt.text else out  # pads put in and taken out again: as before
        trace = _Trace()
        if self._run(PlainText(mt.text), trace).text == mt.text:
            return mt
        trace.replay()
        return self._run(mt, trace)

    def _run(self, mt, tr: _Trace):
        f = self.flags
        if f["persian_style"]:
            mt = _apply(self.persian_style, mt, tr)
        if f["remove_diacritics"]:
            mt = _apply(self.diacritics, mt, tr)
        if f["correct_spacing"]:
            mt = self.correct_spacing(mt, tr)
        if f["unicodes_replacement"] and self.unicode_first.search(mt.text):
            mt = _apply(self.unicode, mt, tr)
        if f["remove_specials_chars"]:
            mt = _apply(self.specials, mt, tr)
        if f["decrease_repeated_chars"] and self.more_than_two.search(mt.text):
            mt = tr.sub_fn(mt, self.repeated, self._shorten)
        if f["seperate_mi"]:
            mt = tr.sub_fn(mt, self.mi, self._separate_mi)
        return mt

    def correct_spacing(self, mt, tr: _Trace):
        mt = _apply(self.extra_space, mt, tr)
        text = mt.text
        if "\n" not in text:
            mt = self._space_line(mt, tr)
        else:  # hazm spaces line by line and keeps blank lines as they are
            parts: list[MappedText] = []
            pos = 0
            for line_end in [*(m.start() for m in re.finditer("\n", text)), len(text)]:
                if pos:
                    parts.append(mt[pos - 1 : pos])  # the "\n" itself
                parts.append(self._space_line(mt[pos:line_end], tr))
                pos = line_end + 1
            mt = mt.join(parts)
        mt = _apply(self.affix, mt, tr)
        return _apply(self.punctuation, mt, tr)

    def _space_line(self, mt, tr: _Trace):
        """One line through hazm's WordTokenizer, `token_spacing` and `" ".join`. Plain text: hazm's
        own padding regex and `split` (fast, in C). Mapped: without the token loop, a space wherever
        two tokens touch, one space between tokens, none at the edges, then a ZWNJ (1:1 for the map)
        where `token_spacing` joins two tokens. One trace entry for the whole line either way."""
        if not mt.text.strip():
            return mt
        if isinstance(mt, PlainText):
            tokens = [t for t in _TOKEN_PAD.sub(r" \1 ", mt.text.replace("\t", " ")).split(" ") if t]
            out = PlainText(self._join(" ".join(tokens), tokens))
            tr.changed.append(out.text != mt.text)
            return out
        if tr.replaying and not tr.next():
            return mt
        for pattern in _TOUCH_AFTER:
            mt = mt.insert(pattern, " ", after=True)  # = mt.sub(pattern, _AFTER_T): group 1 is the match
        if "\t" in mt.text or "  " in mt.text:
            mt = mt.sub(_SPACE_RUN, _ONE_SPACE)
        mt = mt.insert(_TOUCH_BEFORE, " ", after=False)  # = mt.sub(_TOUCH_BEFORE, _BEFORE_T)
        t = mt.text
        if t[:1] == " " or t[-1:] == " ":
            mt = mt.sub(_EDGE_SPACE, _DELETE)
        text = mt.text
        joined = self._join(text, text.split(" "))
        return mt if joined is text else mt.with_text(joined)

    def _join(self, text: str, tokens: list[str]) -> str:
        """`text` (the tokens joined by spaces) with a ZWNJ for each space `token_spacing` joins. The
        same line is joined up to three times (quick check, plain run, mapped run): the last few
        results are kept."""
        if not (self.heads.intersection(tokens) or self.suffixes.intersection(tokens)):
            return text  # nothing token_spacing could join
        joined = self._joined.get(text)
        if joined is None:
            if len(self._joined) > 64:
                self._joined.clear()
            joined = self._joined[text] = self._join_tokens(text, tokens)
        return text if joined == text else joined

    def _join_tokens(self, text: str, tokens: list[str]) -> str:
        joins = self.token_joins(tokens)
        if not any(joins):
            return text
        chars = list(text)
        pos = -1
        for token, joined in zip(tokens, joins, strict=True):
            if joined:
                chars[pos] = ZWNJ
            pos += len(token) + 1
        return "".join(chars)

    def token_joins(self, tokens: list[str]) -> list[bool]:
        """For each token, whether `token_spacing` glues it to the previous one with a ZWNJ."""
        words, verbs, suffixes, heads = self.words, self.verbs, self.suffixes, self.heads
        joins = [False] * len(tokens)
        last = None
        n = len(tokens)
        for t, token in enumerate(tokens):
            joined = False
            if last is not None and words:
                pair = last + ZWNJ + token
                if last in heads and (
                    pair in verbs or (self.join_compounds and pair in words and words[pair][0] > 0)
                ):
                    joined = not (t < n - 1 and verbs and token + "_" + tokens[t + 1] in verbs)
                elif token in suffixes and last in words:
                    # ours (join_compounds=False): a one-letter "suffix" before "." is an initial
                    joined = self.join_compounds or not (len(token) == 1 and t < n - 1 and tokens[t + 1] == ".")
            if joined:
                last = pair
                joins[t] = True
            else:
                last = token
        return joins

    def _shorten(self, m: re.Match) -> str:
        word = m.group()
        if word in self.words:
            return word
        no_repeat = self.more_than_two.sub(r"\1", word)
        two_repeat = self.more_than_two.sub(r"\1\1", word)
        if (no_repeat in self.words) != (two_repeat in self.words):
            return no_repeat if no_repeat in self.words else two_repeat
        return two_repeat

    def _separate_mi(self, m: re.Match) -> str:
        w = m.group()
        r = self.mi_prefix.sub("\\1" + ZWNJ, w)
        return r if self.verbs and r in self.verbs else w


def _apply(patterns: list[tuple[re.Pattern, list, object]], mt, tr: _Trace):
    for pattern, template, guard in patterns:
        if guard is None or guard(mt.text):
            mt = tr.sub(mt, pattern, template)
    return mt


class _Trace:
    """Which rewrite steps changed the text on the plain run, so the mapped run (same steps, same
    texts) skips the others without scanning again."""

    __slots__ = ("changed", "i", "replaying")

    def __init__(self) -> None:
        self.changed: list[bool] = []
        self.i = 0
        self.replaying = False

    def replay(self) -> None:
        self.i, self.replaying = 0, True

    def next(self) -> bool:
        self.i += 1
        return self.changed[self.i - 1]

    def sub(self, mt, pattern: re.Pattern, template: Template):
        if self.replaying:
            self.i += 1
            return mt.sub(pattern, template) if self.changed[self.i - 1] else mt
        out = mt.sub(pattern, template)
        self.changed.append(out.text is not mt.text)
        return out

    def sub_fn(self, mt, pattern: re.Pattern, fn):
        if self.replaying:
            self.i += 1
            return mt.sub_fn(pattern, fn) if self.changed[self.i - 1] else mt
        out = mt.sub_fn(pattern, fn)
        self.changed.append(out.text is not mt.text)
        return out


@functools.cache
def rules(join_compounds: bool = False, **flags: bool) -> HazmRules:
    """The compiled rules for one set of `hazm.Normalizer` flags (word lists loaded once, via hazm)."""
    return HazmRules(_hazm.normalizer(join_compounds=join_compounds, **flags), join_compounds)

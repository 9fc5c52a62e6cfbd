"""Offset-preserving Persian normalization on top of `hazm.Normalizer`.

hazm does useful work (Arabic ي/ك → ی/ک, Persian digits, ZWNJ in `می‌روم`/`کتاب‌ها`, spacing around
punctuation, no diacritics or kashida) but it changes string length and damages decimals, dates,
URLs, e-mails, file names and dotted abbreviations (`۳.۵` → `۳ ٫ ۵`, `ق.م` → `ق. م`). So:

1. protected spans (those patterns) are found in the input and kept intact (only their digits and
   Arabic letters are mapped 1:1), also before a sentence-final `.` and when glued to a word
   (`قیمت۳.۵درصد` → `قیمت ۳.۵ درصد`: the space hazm puts between words and digits is kept);
2. the text between them goes through hazm's rules, segment by segment: compiled once and run in
   hazm's order (`_hazm_rules.py`) on a `MappedText` that updates each char's original range as every
   rule rewrites it (`_mapped.py`): no alignment afterwards, time linear in the input (difflib's was
   not, issue 20). A few scans first tell whether any rule can change the segment at all
   (`_hazm_quiet.py`); most cannot, and skip the ~30 passes (issue 21);
3. our ZWNJ clean-up follows, and the rules run again while a step that can enable another changed
   the text, so a second `normalize` changes nothing. `normalize_reference.py` keeps the old path
   (hazm itself, then alignment) as the reference the tests and benchmarks compare against.

    >>> n = normalize("قيمت 3.5 درصد شد . من می روم")
    >>> n.text
    'قیمت ۳.۵ درصد شد. من می\u200cروم'
    >>> n.original[slice(*n.to_original(5, 8))]
    '3.5'
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, fields

from fa_nlp.text import _hazm, _hazm_rules
from fa_nlp.text._hazm_rules import HazmRules
from fa_nlp.text._mapped import MappedText, compile_template

__all__ = ["NormalizeOptions", "Normalized", "normalize", "protected_spans"]

_DIGITS_TO_FA = str.maketrans("0123456789٠١٢٣٤٥٦٧٨٩%", "۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹٪")
_LETTER = r"[^\W\d_]"
# A token ends at a non-word char, or at a "." that is not followed by a word char: sentence-final
# `۳.۵.`, `report.pdf.` are still protected, but `1.2` is never cut out of `1.2.3`.
_END = r"(?!\w|\.\w)"
# Numbers and dates may touch letters (`قیمت۳.۵درصد`: hazm would make it `۳ ٫ ۵`); only a digit
# or a dot on either side means we are inside a longer token.
_NUM_START, _NUM_END = r"(?<![\d.])", r"(?!\d|\.\d)"
# One alternation; earlier alternatives win, so URLs beat file names beat abbreviations.
_PROTECTED = re.compile(
    r"(?P<url>(?:https?://|ftp://|www\.)[^\s<>«»\"]*[^\s<>«»\".,،؛:!?؟)\]}])"
    r"|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
    rf"|(?P<file>(?<![\w.])[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.[A-Za-z][A-Za-z0-9]{{1,5}}{_END})"
    rf"|(?P<version>(?<![\w.])[vV]\d+(?:\.\d+)+{_END}|(?<![\w.])\d+(?:\.\d+){{3,}}{_END})"
    rf"|(?P<date>{_NUM_START}\d{{1,4}}(?P<sep>[/.\-])\d{{1,2}}(?P=sep)\d{{1,4}}{_NUM_END})"
    r"|(?P<time>(?<![\w:])\d{1,2}:\d{2}(?::\d{2})?(?![\w:]))"
    rf"|(?P<number>{_NUM_START}\d+(?:(?:[.,٫٬]\d+)+|/\d+){_NUM_END})"  # 3.5, 1,200, ۲٫۵, fractions ۳/۴
    rf"|(?P<abbrev>(?<![\w.\u200c]){_LETTER}{{1,2}}(?:\.{_LETTER}{{1,2}})+(?![\w\u200c]))"
)
# Speed: every protected kind lies inside one whitespace-free token and has a digit, "@", ":" or a
# "." with more of the token after it (`www.x`, `a.b`, `report.pdf`), so only such tokens are scanned
# with `_PROTECTED` (not `کرد.`, the commonest token with a "."; lookbehinds still see the char before
# the token; the lookaheads see its end as they would see the space).
_TRIGGER_TOKEN = re.compile(r"(?<!\S)[^\s\d@:.]*(?:[\d@:]|\.\S)\S*")
_TRIGGER_CHAR = re.compile(r"[\d@:]|\.\S")
_LATIN_DIGITS = re.compile(r"[0-9٠-٩%]")
_TO_FA = {chr(k): chr(v) for k, v in _DIGITS_TO_FA.items()}


def _to_fa_digit(m: re.Match) -> str:
    """One char of `_DIGITS_TO_FA` (a `re.sub` callback: only the digits pay, not every char)."""
    return _TO_FA[m.group()]


_ZWNJS = re.compile("\u200c*")
# Kinds whose digits follow the `persian_digits` option; the others are copied byte for byte.
_NUMERIC_KINDS = frozenset({"date", "time", "number"})
_QUOTES = re.compile(r'"([^\n"]+)"')
# ZWNJ only between two letters that join (hazm #208, #367): a ZWNJ with bidi marks (RLM/LRM, a common
# ZWNJ stand-in) around it is one ZWNJ; none after a non-joining letter (ا د ذ ر ز ژ و ...), none at a
# word's start or end, and diacritics count as part of the letter before them.
_ZWNJ_RUN = re.compile(r"[\u200c\u200e\u200f]*\u200c[\u200c\u200e\u200f]*")
_ZWNJ_RUN_LONG = re.compile(r"(?=[\u200c\u200e\u200f]{2})" + _ZWNJ_RUN.pattern)  # a lone ZWNJ is left as is
_ZWNJ_PAIR = re.compile(r"[\u200c\u200e\u200f]{2}")  # what `_ZWNJ_RUN_LONG` needs: a fast scan to rule it out
_MARK = r"[\u064b-\u065f\u0670]"
_REPEATED = re.compile(r"([^\W\d_])\1\1")  # hazm shortens runs of 3+ letters after fixing spacing
_DIACRITIC = re.compile(_MARK)  # hazm removes them after fixing spacing: the words it spaced change
# the month «می» (May) after «ماه» or a day number: hazm glues it to the next word like the verb prefix
_MONTH_MI = re.compile(r"(?:(?<=ماه )|(?<=\d ))می(\u200c)([^\W\d_]+)")
# `_ZWNJ_STRAY` as a pattern that starts with the ZWNJ (fast to scan for); up to 4 marks after a
# non-joining letter (`_ZWNJ_STRAY` allows any number; more than 2 in a row do not occur in fa_text)
_STRAY_AT = re.compile(
    "\u200c(?:"
    + "|".join(rf"(?<=[اآأإٱدذرزژوؤءة]{_MARK * k}\u200c)" for k in range(5))
    + rf"|(?<![^\W\d_]\u200c)(?<!{_MARK}\u200c)|(?![^\W\d_]))"
)
_LETTER_OR_MARK = re.compile(rf"[^\W\d_]|{_MARK}")
_LETTER_RE = re.compile(_LETTER)
_ZWNJ_STRAY = re.compile(
    rf"(?<=[اآأإٱدذرزژوؤءة])(?:{_MARK})*\u200c"  # after a non-joining letter
    rf"|(?<![^\W\d_])(?<!{_MARK})\u200c"  # not after a letter (word start, after a space or a mark run)
    r"|\u200c(?![^\W\d_])"  # not before a letter (word end)
)


@dataclass(frozen=True)
class NormalizeOptions:
    """Behaviour flags; each maps to one hazm.Normalizer step, plus our own `protect`."""

    persian_digits: bool = True  # 0-9 and ٠-٩ → ۰-۹ (also inside numbers and dates)
    correct_spacing: bool = True  # ZWNJ affixes (می‌روم, کتاب‌ها), spaces around punctuation
    remove_diacritics: bool = True  # fatha, kasra, tashdid, ...
    remove_special_chars: bool = True  # Quranic marks and the like
    decrease_repeated_chars: bool = True  # سلاممممم → سلام
    persian_style: bool = True  # "…" → «…», ... → …
    unicode_replacement: bool = True  # ﷼ → ریال, ﻻ → لا
    separate_mi: bool = True  # میروم → می‌روم (for known verbs)
    protect: bool = True  # keep URLs, e-mails, files, numbers, dates, abbreviations intact
    # hazm joins two words whose ZWNJ compound is in its word list (سینه زن → سینه‌زن, هیچ کس → هیچ‌کس;
    # hazm #318): off by default, separate words stay separate; verbs and suffixes are still joined
    join_compounds: bool = False

    def hazm_flags(self) -> dict[str, bool]:
        return {
            "correct_spacing": self.correct_spacing,
            "remove_diacritics": self.remove_diacritics,
            "remove_specials_chars": self.remove_special_chars,
            "decrease_repeated_chars": self.decrease_repeated_chars,
            "persian_style": self.persian_style,
            "persian_numbers": self.persian_digits,
            "unicodes_replacement": self.unicode_replacement,
            "seperate_mi": self.separate_mi,
            "join_compounds": self.join_compounds,
        }


_DEFAULT_OPTIONS = NormalizeOptions()


@dataclass(frozen=True)
class Normalized:
    """Normalized text plus a character map back to the input.

    `offsets[i]` is the original index of normalized char i (`offsets[len(text)] == len(original)`);
    `ends[i]` is the end of the original range that char i came from. Both are non-decreasing, and
    `offsets[i] <= ends[i]` (inserted characters have an empty range).
    """

    text: str
    original: str
    offsets: tuple[int, ...]
    ends: tuple[int, ...] = field(repr=False)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Half-open normalized span → half-open original span covering everything it came from."""
        n = len(self.text)
        if not 0 <= start <= end <= n:
            raise ValueError(f"span ({start}, {end}) out of range for normalized text of length {n}")
        s = self.offsets[start]
        e = self.ends[end - 1] if end > start else s
        return s, max(s, e)

    def to_normalized(self, start: int, end: int) -> tuple[int, int]:
        """Half-open original span → the normalized chars whose origin overlaps it."""
        n = len(self.original)
        if not 0 <= start <= end <= n:
            raise ValueError(f"span ({start}, {end}) out of range for original text of length {n}")
        s = bisect_right(self.ends, start)
        if end == start:
            return s, s
        e = bisect_left(self.offsets, end, 0, len(self.text))
        return s, max(s, e)


def protected_spans(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of the spans hazm would damage: url, email, file, version, date, time,
    number, abbrev."""
    return [
        (m.lastgroup, m.start(), m.end())
        for start, end in _trigger_tokens(text)
        for m in _PROTECTED.finditer(text, start, end)
        # a diacritic after an "abbreviation" means it ends inside a word (`کد.اُرگ`): hazm's spacing
        # applies, and once the diacritic is gone a second pass would not protect it either
        if not (m.lastgroup == "abbrev" and _DIACRITIC.match(text, m.end()))
    ]


def _trigger_tokens(text: str) -> list[tuple[int, int]]:
    """The `_TRIGGER_TOKEN` matches, found from their trigger chars: a scan for a char class is fast,
    one that tries a lookbehind at every position is not, and most lines have one or no such token."""
    out = []
    m = _TRIGGER_CHAR.search(text)
    while m is not None:
        j = m.start()
        while j and not text[j - 1].isspace():
            j -= 1
        token = _TRIGGER_TOKEN.match(text, j)  # the token's first trigger is at or after m
        out.append(token.span())
        m = _TRIGGER_CHAR.search(text, token.end())
    return out


def _pair_across_spans(pre: str, spans: list[tuple[str, int, int]]) -> tuple[str, list[tuple[str, int, int]]]:
    """Quotes still paired around a protected span after the global pass (`"" ۳.۵ ""` → `"« ۳.۵ »"`)
    become «» too: hazm's later runs pair them within a segment, never across the span, so a second
    `normalize` did it (not idempotent). Pairs inside one segment are left to hazm, as before."""
    while True:
        starts = [s for _, s, _ in spans]
        ends = [e for _, _, e in spans]
        out, pos = [], 0
        for m in _QUOTES.finditer(pre):
            i = bisect_right(starts, m.start())  # the first span starting inside the pair
            if i < len(spans) and ends[i] < m.end():
                out += [pre[pos : m.start()], "«", m.group(1), "»"]
                pos = m.end()
        if not out:
            return pre, spans
        pre = "".join(out) + pre[pos:]
        spans = protected_spans(pre)


def _normalize_ws(ws: str) -> str:
    """What hazm's spacing does to whitespace runs: newlines kept (at most two), else one space."""
    if not ws:
        return ""
    k = ws.count("\n")
    return "\n" * min(k, 2) if k else " "


_EMPTY = MappedText("", [], [])
_MAX_RUNS = 4  # hazm + ZWNJ clean-up until stable; fa_text needs at most 3
_ONE_ZWNJ = compile_template("\u200c")


def _ws(mt: MappedText, text: str | None = None) -> MappedText:
    """A whitespace run normalized, mapped over the whole run it replaces."""
    norm = _normalize_ws(mt.text if text is None else text)
    if not norm:
        return _EMPTY
    out: list[str] = []
    s: list[int] = []
    e: list[int] = []
    mt._gap(norm, 0, len(mt.text), out, s, e)
    return MappedText(norm, s, e)


def _normalize_segment(
    seg: MappedText, origin: str, rules: HazmRules, at_start: bool, at_end: bool
) -> MappedText:
    """hazm's rules on the segment's core; its edge whitespace handled here (hazm would strip it).
    `origin` is the text the map points into (to tell a ZWNJ hazm made from a space)."""
    # ZWNJs first (hazm would keep the RLM of a ZWNJ+RLM pair), on the whole segment: one dropped at
    # its edge leaves the space beside it outside the core (`example.com‌ برای` keeps its space)
    seg = _clean_zwnj(seg, origin)
    t = seg.text
    left, right = len(t) - len(t.lstrip()), len(t.rstrip())
    if right <= left:
        return _EMPTY if at_start or at_end else _ws(seg)
    lead = _EMPTY if at_start else seg[:left]
    trail = _EMPTY if at_end else seg[right:]
    out = seg[left:right]
    for _ in range(_MAX_RUNS):
        # hazm's steps run in a fixed order, so a later step can undo or enable an earlier one's work
        # (special chars removed after spacing leave "  "; ". . ." joined after `...` → `…`; diacritics
        # and letter runs reduced after spacing; `میمیزد` → `می‌میزد` → `می‌می‌زد`; a suffix ZWNJ we
        # drop after a non-joining letter, `میگو‌ید` → `میگوید` → `می‌گوید`): run again while one of
        # these happened, so that normalizing twice gives the same text as once.
        hz = rules.normalize(out)
        if hz is out:
            break  # unchanged (most segments): one run
        nxt = _clean_zwnj(hz, origin, rules.verbs)
        o, before = nxt.text, out.text
        out = nxt
        if not (
            nxt is not hz  # our clean-up changed hazm's output
            or "  " in o or "..." in o or '"' in o or "\u200cمی" in o
            or _DIACRITIC.search(before) or _REPEATED.search(before)
        ):
            break
    out = out.strip()  # edge ZWNJs may have become spaces
    if not out.text:  # the core was only ZWNJs / marks
        return _EMPTY if at_start or at_end else _ws(seg, lead.text + trail.text)
    if not lead.text and not trail.text:
        return out
    return MappedText.join([_ws(lead), out, _ws(trail)])


def _restores_space(mt: MappedText, i: int, origin: str) -> bool:
    """Did hazm make the ZWNJ at `i` from a space, with no space beside it now (a second run may have
    put one there: `می‌۲۰۱۴` → `می‌ ۲۰۱۴`)?"""
    t = mt.text
    return origin[mt.starts[i] : mt.ends[i]].isspace() and not (t[i - 1 : i].isspace() or t[i + 1 : i + 2].isspace())


def _clean_zwnj(mt: MappedText, origin: str, verbs: frozenset | set | None = None) -> MappedText:
    """Drop the ZWNJs hazm leaves or inserts where they join nothing (see `_ZWNJ_STRAY`), and undo
    hazm's ZWNJ after a month «می» (`ماه می سال`, `۲۰ می ۲۰۲۳`). A ZWNJ that hazm made from a space
    becomes that space again, never nothing: a normalizer must not merge two words
    (`نمی ۳ بار` was `نمی۳ بار`: hazm glues «نمی» to the next word, and a ZWNJ before a digit is stray)."""
    if "\u200c" not in mt.text:
        return mt
    if _ZWNJ_PAIR.search(mt.text):
        mt = mt.sub(_ZWNJ_RUN_LONG, _ONE_ZWNJ)
    t = mt.text
    # stray ZWNJs: deleted, or a space again where one side is not a letter (`نمی‌۳`); between two
    # letters it is hazm joining a suffix after a non-joining letter (`کار ها` → `کارها`), kept joined
    edits = {
        z: " " if _restores_space(mt, z, origin) and not (_LETTER_OR_MARK.match(t, z - 1) and _LETTER_RE.match(t, z + 1)) else ""
        for z in (m.start() for m in _STRAY_AT.finditer(t))
    }
    if verbs is not None:
        for m in _MONTH_MI.finditer(t):
            z = m.start(1)
            if _restores_space(mt, z, origin) and "می\u200c" + m.group(2) not in verbs:
                edits[z] = " "  # `ماه می سال`: not a verb (`۱۳۳۲ می‌گذرد` is)
    if not edits:
        return mt
    out: list[str] = []
    s: list[int] = []
    e: list[int] = []
    pos = 0
    for z in sorted(edits):
        mt._keep(pos, z, out, s, e)
        if edits[z]:
            mt._gap(" ", z, z + 1, out, s, e)  # the space hazm turned into this ZWNJ
        pos = z + 1
    mt._keep(pos, len(mt.text), out, s, e)
    return MappedText("".join(out), s, e)


def normalize(text: str, options: NormalizeOptions | None = None) -> Normalized:
    """Normalize `text` like hazm, keeping protected spans intact and a map back to `text`."""
    opts = options or _DEFAULT_OPTIONS
    rules, table, table_chars = _setup(opts)
    # 1:1, so the map is the same; a few chars per line at most, and `str.translate` with hazm's
    # 400-entry dict costs a lookup for every char of the line
    pre = table_chars.sub(lambda m: table[m.group()], text) if table_chars.search(text) else text
    if opts.persian_style:
        pre = _QUOTES.sub(r"«\1»", pre)  # 1:1 too; done globally so quotes pair across protected spans
    spans = protected_spans(pre) if opts.protect else []
    if opts.persian_style and spans and '"' in pre:
        pre, spans = _pair_across_spans(pre, spans)
    if opts.persian_digits and _LATIN_DIGITS.search(pre):
        pre = _LATIN_DIGITS.sub(_to_fa_digit, pre)  # after finding spans: file/e-mail patterns are ASCII
    parts: list[MappedText] = []
    pos = 0
    for kind, s, e in [*spans, ("", len(pre), len(pre))]:
        if s > pos:
            seg = MappedText.identity(pre[pos:s], pos)
            parts.append(_normalize_segment(seg, pre, rules, pos == 0, s == len(pre)))
        if e > s:
            # hazm puts a space between a word and a number (`۵درصد` → `۵ درصد`); a protected number
            # glued to a word gets the same, mapped like any inserted char (to the char before it)
            spaced = opts.correct_spacing and kind in _NUMERIC_KINDS
            if spaced and parts and parts[-1].text and parts[-1].text[-1].isalpha():
                parts.append(MappedText(" ", [s - 1], [s]))
            # numbers, dates and abbreviations take the mapped digits/letters; URLs & co stay byte-exact
            piece = pre[s:e] if kind in _NUMERIC_KINDS or kind == "abbrev" else text[s:e]
            parts.append(MappedText.identity(piece, s))
            after = _ZWNJS.match(pre, e).end()  # a ZWNJ after a number is dropped (not `pre[e:]`: quadratic)
            if spaced and pre[after : after + 1].isalpha():
                parts.append(MappedText(" ", [e - 1], [e]))
        pos = e
    out = parts[0] if len(parts) == 1 else MappedText.join(parts)
    offsets = (*out.starts, len(text))  # a new tuple: `out`'s lists may be shared (`_EMPTY`)
    assert len(offsets) == len(out.text) + 1, "offset map length mismatch"
    return Normalized(text=out.text, original=text, offsets=offsets, ends=tuple(out.ends))


@functools.cache
def _setup(opts: NormalizeOptions) -> tuple[HazmRules, dict[str, str], re.Pattern]:
    """The compiled rules, hazm's translation table (char → char) and the pattern of its chars, for one
    set of options (built once)."""
    table = {chr(k): v for k, v in _hazm.translation_table().items()}
    return _hazm_rules.rules(**opts.hazm_flags()), table, _hazm_rules.translation_chars()


def options_from_dict(d: dict) -> NormalizeOptions:
    """Build options from a plain dict (CLI / config), rejecting unknown keys."""
    known = {f.name for f in fields(NormalizeOptions)}
    unknown = set(d) - known
    if unknown:
        raise ValueError(f"unknown normalize options: {sorted(unknown)}; known: {sorted(known)}")
    return NormalizeOptions(**d)

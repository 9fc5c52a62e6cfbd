"""Offset-preserving Persian normalization on top of `hazm.Normalizer`.

hazm does useful work (Arabic ي/ك → ی/ک, Persian digits, ZWNJ in `می‌روم`/`کتاب‌ها`, spacing around
punctuation, no diacritics or kashida) but it changes string length and damages decimals, dates,
URLs, e-mails, file names and dotted abbreviations (`۳.۵` → `۳ ٫ ۵`, `ق.م` → `ق. م`). So:

1. protected spans (those patterns) are found in the input and kept intact (only their digits and
   Arabic letters are mapped 1:1), also before a sentence-final `.` and when glued to a word
   (`قیمت۳.۵درصد` → `قیمت ۳.۵ درصد`: the space hazm puts between words and digits is kept);
2. the text between them is normalized by hazm, segment by segment;
3. each segment's output is aligned with its input (difflib) to get, for every normalized character,
   the original character range it came from.

    >>> n = normalize("قيمت 3.5 درصد شد . من می روم")
    >>> n.text
    'قیمت ۳.۵ درصد شد. من می\u200cروم'
    >>> n.original[slice(*n.to_original(5, 8))]
    '3.5'
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, fields

from fa_nlp.text import _hazm

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
# Kinds whose digits follow the `persian_digits` option; the others are copied byte for byte.
_NUMERIC_KINDS = frozenset({"date", "time", "number"})
_QUOTES = re.compile(r'"([^\n"]+)"')
# ZWNJ only between two letters that join (hazm #208, #367): a ZWNJ with bidi marks (RLM/LRM, a common
# ZWNJ stand-in) around it is one ZWNJ; none after a non-joining letter (ا د ذ ر ز ژ و ...), none at a
# word's start or end, and diacritics count as part of the letter before them.
_ZWNJ_RUN = re.compile(r"[\u200c\u200e\u200f]*\u200c[\u200c\u200e\u200f]*")
_MARK = r"[\u064b-\u065f\u0670]"
_REPEATED = re.compile(r"([^\W\d_])\1\1")  # hazm shortens runs of 3+ letters after fixing spacing
_DIACRITIC = re.compile(_MARK)  # hazm removes them after fixing spacing: the words it spaced change
_ZWNJ_STRAY = re.compile(
    rf"(?<=[اآأإٱدذرزژوؤءة])(?:{_MARK})*\u200c"  # after a non-joining letter
    rf"|(?<![^\W\d_])(?<!{_MARK})\u200c"  # not after a letter (word start, after a space or a mark run)
    r"|\u200c(?![^\W\d_])"  # not before a letter (word end)
)
_CHUNKS = re.compile(r"\S+\s*|\s+")  # a word with its trailing space: few repeats, fast diff


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
    return [(m.lastgroup, m.start(), m.end()) for m in _PROTECTED.finditer(text)]


def _edit_opcodes(src: str, dst: str) -> list[tuple[str, int, int, int, int]]:
    """difflib-style opcodes of a minimal edit script (Levenshtein, matches preferred).

    difflib's longest-match heuristic misaligns short stretches such as `۳/۳ ` → `۳ / ۳ ` (it pairs the
    last `۳ ` with the first); a minimal edit script pairs each digit with itself."""
    n, m = len(src), len(dst)
    prev = list(range(m + 1))
    rows = [prev]
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        a = src[i - 1]
        for j in range(1, m + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a != dst[j - 1]))
        rows.append(cur)
        prev = cur
    steps: list[str] = []  # backtrace, end to start
    i, j = n, m
    while i or j:
        d = rows[i][j]
        if i and j and src[i - 1] == dst[j - 1] and d == rows[i - 1][j - 1]:
            steps.append("equal")
            i, j = i - 1, j - 1
        elif i and j and d == rows[i - 1][j - 1] + 1:
            steps.append("replace")
            i, j = i - 1, j - 1
        elif j and d == rows[i][j - 1] + 1:
            steps.append("insert")
            j -= 1
        else:
            steps.append("delete")
            i -= 1
    ops: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    for op in reversed(steps):
        di, dj = (op != "insert"), (op != "delete")
        if ops and ops[-1][0] == op:
            o, i1, _, j1, _ = ops[-1]
            ops[-1] = (o, i1, i + di, j1, j + dj)
        else:
            ops.append((op, i, i + di, j, j + dj))
        i, j = i + di, j + dj
    return ops


def _align_chars(src: str, dst: str, base: int, starts: list[int], ends: list[int]) -> None:
    """Char-level alignment of a (short) changed stretch: a minimal edit script, or difflib when the
    stretch is too long for the quadratic table."""
    if len(src) * len(dst) <= 40_000:
        opcodes = _edit_opcodes(src, dst)
    else:
        opcodes = difflib.SequenceMatcher(None, src, dst, autojunk=False).get_opcodes()
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            starts.extend(range(base + i1, base + i2))
            ends.extend(range(base + i1 + 1, base + i2 + 1))
        elif op == "replace":  # spread dst chars over the src range; every char gets a non-empty range
            n_src, n_dst = i2 - i1, j2 - j1
            for k in range(n_dst):
                starts.append(base + i1 + (k * n_src) // n_dst)
                ends.append(base + i1 - (-(k + 1) * n_src // n_dst))
        elif op == "insert":  # an added char (a space, a ZWNJ) belongs to the src char before it
            s = base + max(i1 - 1, 0)
            e = base + min(max(i1, 1), len(src))
            starts.extend([s] * (j2 - j1))
            ends.extend([e] * (j2 - j1))
        # "delete": source chars with no output


def _cumulative(chunks: list[str]) -> list[int]:
    pos = [0]
    for c in chunks:
        pos.append(pos[-1] + len(c))
    return pos


def _align(src: str, dst: str, base: int, starts: list[int], ends: list[int]) -> None:
    """Append, for each char of `dst`, the range of `src` (shifted by `base`) it came from.

    Two levels for speed: whitespace-delimited chunks first (hazm's edits are local), then chars
    inside the chunks that differ.
    """
    if src == dst:
        starts.extend(range(base, base + len(src)))
        ends.extend(range(base + 1, base + len(src) + 1))
        return
    a, b = _CHUNKS.findall(src), _CHUNKS.findall(dst)
    pa, pb = _cumulative(a), _cumulative(b)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        sa, ea, sb, eb = pa[i1], pa[i2], pb[j1], pb[j2]
        if op == "equal":
            starts.extend(range(base + sa, base + ea))
            ends.extend(range(base + sa + 1, base + ea + 1))
        elif op == "insert":  # whole chunks added: they belong to the src char before them
            s0, e0 = max(sa - 1, 0), min(max(sa, 1), len(src))
            starts.extend([base + s0] * (eb - sb))
            ends.extend([base + e0] * (eb - sb))
        elif op == "replace":
            _align_chars(src[sa:ea], dst[sb:eb], base + sa, starts, ends)


def _normalize_ws(ws: str) -> str:
    """What hazm's spacing does to whitespace runs: newlines kept (at most two), else one space."""
    if not ws:
        return ""
    k = ws.count("\n")
    return "\n" * min(k, 2) if k else " "


def _normalize_segment(seg: str, normalizer, at_start: bool, at_end: bool) -> str:
    """hazm on the segment's core; its edge whitespace handled here (hazm would strip it)."""
    core = seg.strip()
    if not core:
        return "" if at_start or at_end else _normalize_ws(seg)
    lead = "" if at_start else seg[: len(seg) - len(seg.lstrip())]
    trail = "" if at_end else seg[len(seg.rstrip()) :]
    core = _clean_zwnj(core)  # before hazm too: it would keep the RLM of a ZWNJ+RLM pair, space out `!‌!`
    out = normalizer.normalize(core)
    if "  " in out or "..." in out or '"' in out or _DIACRITIC.search(core) or _REPEATED.search(core):
        # hazm's steps run in a fixed order, so a later step can undo an earlier one's work (special
        # chars removed after spacing leave "  "; ". . ." joined after `...` → `…`; `"""` spaced into a
        # pair; diacritics and letter runs reduced after spacing, so `نوشتهٔ ها`, `هاااا` were not seen
        # as `نوشته ها`, `ها`): a second
        # run settles these, so normalizing twice gives the same text as once
        out = normalizer.normalize(out)
    out = _clean_zwnj(out).strip()  # edge ZWNJs may have become spaces
    if not out:  # the core was only ZWNJs / marks
        return "" if at_start or at_end else _normalize_ws(lead + trail)
    return _normalize_ws(lead) + out + _normalize_ws(trail)


def _clean_zwnj(text: str) -> str:
    """Drop the ZWNJs hazm leaves or inserts where they join nothing (see `_ZWNJ_STRAY`)."""
    if "\u200c" not in text:
        return text
    text = _ZWNJ_RUN.sub("\u200c", text)
    return _ZWNJ_STRAY.sub(lambda m: m.group()[:-1], text)


def normalize(text: str, options: NormalizeOptions | None = None) -> Normalized:
    """Normalize `text` with hazm, keeping protected spans intact and a map back to `text`."""
    opts = options or NormalizeOptions()
    table = _hazm.translation_table()
    normalizer = _hazm.normalizer(**opts.hazm_flags())
    pre = text.translate(table)  # 1:1, so alignment below sees equal characters
    if opts.persian_style:
        pre = _QUOTES.sub(r"«\1»", pre)  # 1:1 too; done globally so quotes pair across protected spans
    spans = protected_spans(pre) if opts.protect else []
    if opts.persian_digits:
        pre = pre.translate(_DIGITS_TO_FA)  # after finding spans: file/e-mail patterns are ASCII
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for kind, s, e in [*spans, ("", len(pre), len(pre))]:
        if s > pos:
            seg = pre[pos:s]
            norm = _normalize_segment(seg, normalizer, pos == 0, s == len(pre))
            out.append(norm)
            _align(seg, norm, pos, starts, ends)
        if e > s:
            # hazm puts a space between a word and a number (`۵درصد` → `۵ درصد`); a protected number
            # glued to a word gets the same, mapped like any inserted char (to the char before it)
            spaced = opts.correct_spacing and kind in _NUMERIC_KINDS
            if spaced and out and out[-1] and out[-1][-1].isalpha():
                out.append(" ")
                starts.append(s - 1)
                ends.append(s)
            # numbers, dates and abbreviations take the mapped digits/letters; URLs & co stay byte-exact
            out.append(pre[s:e] if kind in _NUMERIC_KINDS or kind == "abbrev" else text[s:e])
            starts.extend(range(s, e))
            ends.extend(range(s + 1, e + 1))
            if spaced and pre[e:].lstrip("\u200c")[:1].isalpha():  # a ZWNJ after a number is dropped
                out.append(" ")
                starts.append(e - 1)
                ends.append(e)
        pos = e
    norm_text = "".join(out)
    starts.append(len(text))
    assert len(starts) == len(norm_text) + 1, "offset map length mismatch"
    return Normalized(text=norm_text, original=text, offsets=tuple(starts), ends=tuple(ends))


def options_from_dict(d: dict) -> NormalizeOptions:
    """Build options from a plain dict (CLI / config), rejecting unknown keys."""
    known = {f.name for f in fields(NormalizeOptions)}
    unknown = set(d) - known
    if unknown:
        raise ValueError(f"unknown normalize options: {sorted(unknown)}; known: {sorted(known)}")
    return NormalizeOptions(**d)

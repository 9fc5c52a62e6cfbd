"""The reference normalizer: hazm's own `Normalizer.normalize` on each segment, aligned afterwards.

Why keep it: `fa_nlp.text.normalize` now runs hazm's rules compiled into `_hazm_rules.py` with the
offset map built as it goes (2-5x hazm's speed, linear in the input). This module is how it worked
before (hazm called per segment, sometimes twice, output aligned to input by an edit script or
difflib), kept so that tests/text/test_normalize_differential.py and benchmarks/bench_normalize.py
can compare the two on real text and list every line where they differ. Not for production use:
its alignment is quadratic in long changed stretches (issue 20).
"""

from __future__ import annotations

import difflib
import re

from fa_nlp.text import _hazm
from fa_nlp.text.normalize import (
    _DIACRITIC,
    _DIGITS_TO_FA,
    _NUMERIC_KINDS,
    _PROTECTED,
    _QUOTES,
    _REPEATED,
    _ZWNJ_RUN,
    _ZWNJ_STRAY,
    Normalized,
    NormalizeOptions,
)

__all__ = ["normalize_reference"]

_CHUNKS = re.compile(r"\S+\s*|\s+")  # a word with its trailing space: few repeats, fast diff


def protected_spans(text: str) -> list[tuple[str, int, int]]:
    """The protected spans as `normalize` found them before (every position scanned)."""
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


def normalize_reference(text: str, options: NormalizeOptions | None = None) -> Normalized:
    """`normalize` as it was before the compiled rules: hazm itself on each segment, then alignment."""
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


# Every intended difference between `normalize` and this reference, each with its reason: the
# differential test and benchmarks/bench_normalize_diff.py accept a changed line only if one applies.
DIFFERENCES = {
    "space_not_merged": "a ZWNJ hazm made from a space and our clean-up removed is a space again, so "
    "two words are not merged (`نمی ۳ بار` was `نمی۳ بار`; issue 21)",
    "month_mi": "the month «می» after «ماه» or a day number is not glued to the next word like the verb "
    "prefix (`ماه می سال` was `ماه می‌سال`; issue 21)",
    "settled": "hazm's rules run again until nothing changes: the new text is what the reference gives "
    "on its own output (it was not idempotent on this line)",
    "rlm_as_zwnj": "an RLM between two letters (a common ZWNJ stand-in) next to a ZWNJ hazm added is one "
    "ZWNJ: our clean-up now runs between hazm's runs, so hazm's second run no longer deletes the ZWNJ "
    "and keeps the RLM (`نمى \u200fشنوند` → `نمی‌شنوند`, was `نمی\u200fشنوند`)",
}


def _direct(reference: str, new: str) -> str | None:
    if len(new) > len(reference) and new.replace(" ", "") == reference.replace(" ", ""):
        return "space_not_merged"
    if len(new) == len(reference):
        diffs = [i for i, (a, b) in enumerate(zip(reference, new, strict=True)) if a != b]
        if diffs and all(reference[i] == "\u200c" and new[i] == " " and new[i - 2 : i] == "می" for i in diffs):
            return "month_mi"
        if diffs and all(reference[i] == "\u200f" and new[i] == "\u200c" for i in diffs):
            return "rlm_as_zwnj"
    return None


def explain_difference(reference: str, new: str) -> str | None:
    """The key(s) in `DIFFERENCES` that account for `reference` → `new` ("settled+month_mi" when the
    reference's own second pass explains part), or None if none does."""
    again = normalize_reference(reference).text
    if again == new:
        return "settled"
    why = _direct(reference, new)
    if why:
        return why
    why = _direct(again, new)
    return f"settled+{why}" if why else None

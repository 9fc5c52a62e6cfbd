"""A string that carries, for each of its characters, the original range it came from.

Why: aligning hazm's output with its input afterwards (difflib) cost more than hazm itself and was
quadratic on long lines (issue 20: one 5 MiB line took 164 s). Here every rewrite step updates the
map as it goes, in time linear in the text: a step with no match costs one regex scan in C, and a
step with matches copies the map in slices around them.

Conventions (the same as `Normalized`): char i came from original[starts[i]:ends[i]]; a kept char maps
to itself, an inserted char (a space hazm adds) to the char before it, and replacement chars are
spread over the range they replace, so both lists stay non-decreasing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["MappedText", "PlainText", "Template", "compile_template"]

_GROUP_REF = re.compile(r"\\(\d+)")


class Template(list):
    """A replacement parsed once: literal strings and group numbers (`\\1 \\2` → [1, " ", 2]), plus
    `repl`, the same replacement for `re.sub` (an unmatched group inserts nothing in both)."""

    repl: str
    keeps_group_1 = False  # the template is `\\1`: the match minus group 1 is deleted (see `_keep_group`)


def compile_template(repl: str) -> Template:
    """`\\1‌\\2` → [1, "\\u200c", 2]: what `re.sub` would insert, as pieces the map can follow."""
    out = Template()
    pos = 0
    for m in _GROUP_REF.finditer(repl):
        if m.start() > pos:
            out.append(repl[pos : m.start()])
        out.append(int(m.group(1)))
        pos = m.end()
    if pos < len(repl):
        out.append(repl[pos:])
    out.repl = repl
    out.keeps_group_1 = out == [1]
    return out


class PlainText:
    """The same interface as `MappedText` without a map: with non-default flags the rules run on it
    first (all in C), and the map is only built for the segments they change (with hazm's defaults a
    quick test, `_hazm_quiet.py`, does this job in fewer scans)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __getitem__(self, sl: slice) -> PlainText:
        return PlainText(self.text[sl])

    def sub(self, pattern: re.Pattern, template: Template) -> PlainText:
        return PlainText(pattern.sub(template.repl, self.text))

    def sub_fn(self, pattern: re.Pattern, fn: Callable[[re.Match], str]) -> PlainText:
        return PlainText(pattern.sub(fn, self.text))

    def with_text(self, text: str) -> PlainText:
        return PlainText(text)

    @staticmethod
    def join(parts: list[PlainText]) -> PlainText:
        return PlainText("".join(p.text for p in parts))


class MappedText:
    """Text plus per-char original ranges; every method returns a new object (or `self` if unchanged)."""

    __slots__ = ("ends", "starts", "text")

    def __init__(self, text: str, starts: list[int], ends: list[int]) -> None:
        self.text, self.starts, self.ends = text, starts, ends

    @classmethod
    def identity(cls, text: str, base: int = 0) -> MappedText:
        """`text` as found at original[base : base + len(text)]."""
        return cls(text, list(range(base, base + len(text))), list(range(base + 1, base + len(text) + 1)))

    def __getitem__(self, sl: slice) -> MappedText:
        return MappedText(self.text[sl], self.starts[sl], self.ends[sl])

    def strip(self) -> MappedText:
        t = self.text
        left = len(t) - len(t.lstrip())
        right = len(t.rstrip())
        if left == 0 and right == len(t):
            return self
        return self[left : max(left, right)]

    def with_text(self, text: str) -> MappedText:
        """The same map under a text of the same length (chars replaced 1:1)."""
        return MappedText(text, self.starts, self.ends)

    def translate(self, table: dict[int, str]) -> MappedText:
        """A 1:1 character table: the map does not change."""
        return MappedText(self.text.translate(table), self.starts, self.ends)

    # ---------------------------------------------------------------- building blocks
    def _gap(self, lit: str, a: int, b: int, out: list[str], s: list[int], e: list[int]) -> None:
        """Emit `lit` in place of text[a:b]: deleted (no lit), inserted (empty range) or spread."""
        if not lit:
            return
        out.append(lit)
        n = b - a
        if n == 0:  # inserted: belongs to the char before it (or the first one at the very start)
            k = a - 1 if a > 0 else 0
            if k < len(self.starts):
                s.extend([self.starts[k]] * len(lit))
                e.extend([self.ends[k]] * len(lit))
            else:  # empty text: nothing to point at
                s.extend([0] * len(lit))
                e.extend([0] * len(lit))
            return
        m = len(lit)
        for k in range(m):
            s.append(self.starts[a + (k * n) // m])
            e.append(self.ends[a - (-(k + 1) * n // m) - 1])

    def _keep(self, a: int, b: int, out: list[str], s: list[int], e: list[int]) -> None:
        if b > a:
            out.append(self.text[a:b])
            s.extend(self.starts[a:b])
            e.extend(self.ends[a:b])

    def sub(self, pattern: re.Pattern, template: Template) -> MappedText:
        """`pattern.sub(repl)` for a parsed template: group text keeps its own map, literals replace
        the matched text around them (see `_gap`). Kept text is copied in as few slices as possible:
        a group that continues the kept stretch (`\\1 \\2` on touching groups) does not split it."""
        if template.keeps_group_1:
            return self._keep_group(pattern)
        it = pattern.finditer(self.text)
        m = next(it, None)
        if m is None:
            return self
        text, starts, ends = self.text, self.starts, self.ends
        out: list[str] = []
        s: list[int] = []
        e: list[int] = []
        kstart = 0  # the kept stretch not yet copied is text[kstart:cur]
        while m is not None:
            a, b = m.span()
            cur, pending = a, ""
            for piece in template:
                if piece.__class__ is int:
                    gs, ge = m.span(piece)
                    if gs < 0:
                        continue
                    if pending or gs != cur:
                        if cur > kstart:
                            out.append(text[kstart:cur])
                            s += starts[kstart:cur]
                            e += ends[kstart:cur]
                        self._gap(pending, cur, max(cur, gs), out, s, e)
                        pending, kstart = "", max(cur, gs)
                    cur = max(cur, ge)
                else:
                    pending += piece
            if pending or cur != b:
                if cur > kstart:
                    out.append(text[kstart:cur])
                    s += starts[kstart:cur]
                    e += ends[kstart:cur]
                self._gap(pending, cur, max(cur, b), out, s, e)
                kstart = max(cur, b)
            m = next(it, None)
        if kstart == 0 and not out:
            return self
        out.append(text[kstart:])
        s += starts[kstart:]
        e += ends[kstart:]
        return MappedText("".join(out), s, e)

    def _keep_group(self, pattern: re.Pattern) -> MappedText:
        """`sub` for the template `\\1` (hazm's "drop the space before a closing mark" and the like):
        only deletions, so the map is copied in slices, with no per-match `_gap`. Same result as the
        general loop; that loop still handles a match whose group 1 did not take part (or lies
        outside the match)."""
        matches = list(pattern.finditer(self.text))
        if not matches:
            return self
        if any(not m.start() <= m.start(1) <= m.end(1) <= m.end() for m in matches):
            return MappedText.sub(self, pattern, _GENERAL_KEEP_1)
        text, starts, ends = self.text, self.starts, self.ends
        out: list[str] = []
        s: list[int] = []
        e: list[int] = []
        pos = 0
        for m in matches:
            a, b = m.span(1)
            for x, y in ((pos, m.start()), (a, b)):
                if y > x:
                    out.append(text[x:y])
                    s += starts[x:y]
                    e += ends[x:y]
            pos = m.end()
        out.append(text[pos:])
        s += starts[pos:]
        e += ends[pos:]
        return MappedText("".join(out), s, e)

    def insert(self, pattern: re.Pattern, lit: str, after: bool) -> MappedText:
        """`pattern.sub` with the template `\\1` + `lit` (`after`) or `lit` + `\\1`, for patterns whose
        group 1 is the whole match (hazm's tokenizer pads): `lit` is inserted after (before) each match
        and maps like `_gap`'s inserted text, to the char before it."""
        text, starts, ends = self.text, self.starts, self.ends
        cuts = [m.end() if after else m.start() for m in pattern.finditer(text)]
        if not cuts:
            return self
        out: list[str] = []
        s: list[int] = []
        e: list[int] = []
        pos, n = 0, len(lit)
        for p in cuts:
            out.append(text[pos:p])
            out.append(lit)
            s += starts[pos:p]
            e += ends[pos:p]
            k = p - 1 if p > 0 else 0
            s += [starts[k]] * n
            e += [ends[k]] * n
            pos = p
        out.append(text[pos:])
        s += starts[pos:]
        e += ends[pos:]
        return MappedText("".join(out), s, e)

    def sub_fn(self, pattern: re.Pattern, fn: Callable[[re.Match], str]) -> MappedText:
        """`pattern.sub(fn)`: a changed match keeps its common prefix and suffix mapped to themselves,
        and the middle is replaced (hazm's functions insert a ZWNJ or shorten a letter run)."""
        it = pattern.finditer(self.text)
        out: list[str] = []
        s: list[int] = []
        e: list[int] = []
        pos = 0
        changed = False
        for m in it:
            x = m.group()
            r = fn(m)
            if r == x:
                continue
            changed = True
            a, b = m.span()
            self._keep(pos, a, out, s, e)
            p = 0
            lim = min(len(x), len(r))
            while p < lim and x[p] == r[p]:
                p += 1
            q = 0
            while q < lim - p and x[-1 - q] == r[-1 - q]:
                q += 1
            self._keep(a, a + p, out, s, e)
            self._gap(r[p : len(r) - q], a + p, b - q, out, s, e)
            self._keep(b - q, b, out, s, e)
            pos = b
        if not changed:
            return self
        self._keep(pos, len(self.text), out, s, e)
        return MappedText("".join(out), s, e)

    @staticmethod
    def join(parts: list[MappedText]) -> MappedText:
        s: list[int] = []
        e: list[int] = []
        for p in parts:
            s.extend(p.starts)
            e.extend(p.ends)
        return MappedText("".join(p.text for p in parts), s, e)


_GENERAL_KEEP_1 = Template([1])  # `\1` for the general loop (no `keeps_group_1` shortcut)
_GENERAL_KEEP_1.repl = r"\1"

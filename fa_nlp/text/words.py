"""The "word" policy for the word-order data: whitespace tokens, ZWNJ compounds kept whole.

- A word is a whitespace-separated token; ZWNJ (U+200C) is not whitespace, so `می‌روم` and `کتاب‌ها`
  are one word. Verb parts are never joined with `_` (unlike hazm.WordTokenizer).
- `punctuation="detach"` (default): punctuation marks at the edges of a token become tokens of their
  own (`است.` → `است`, `.`), so a glued final `.` can't give away the last word. Runs of terminal marks
  stay one token (`؟!`, `...`). Internal punctuation stays (`۳.۵`, `ق.م`, `example.com`, `۱۰:۳۰`),
  and so does the dot of an initial or abbreviation (`م.`, `ق.م.`, `Dr.`).
- `"keep"`: whitespace tokens as they are. `"drop"`: like detach, then pure-punctuation tokens removed.

`detokenize` re-joins the Persian way: no space before `. ، ؛ : ! ؟ » )`, none after `« (`; so
`detokenize(words(s)) == s` for normalized sentences (hazm spacing) in nearly all cases.

    >>> words("او گفت: «کتاب‌ها را می‌خوانم.»")
    ['او', 'گفت', ':', '«', 'کتاب\u200cها', 'را', 'می\u200cخوانم', '.', '»']
    >>> detokenize(words("او گفت: «کتاب‌ها را می‌خوانم.»"))
    'او گفت: «کتاب\u200cها را می\u200cخوانم.»'
"""

from __future__ import annotations

import re

__all__ = ["PUNCTUATION_MODES", "detokenize", "is_punctuation", "words"]

PUNCTUATION_MODES = ("detach", "keep", "drop")
_LEADING = frozenset('«([{"“‘‹')
_TRAILING = frozenset('.،؛:!?؟…,;»)]}"”’›⸮')
_PUNCT = _LEADING | _TRAILING | frozenset("-–—/\\*•")
_TERMINAL_RUN = re.compile(r"[.!?؟…⸮]+|.", re.DOTALL)
_INITIAL_OR_ABBREV = re.compile(r"[^\W\d_]|[^\W\d_]{1,3}(?:\.[^\W\d_]{1,3})+")
_LATIN_ABBREVIATIONS = frozenset(
    ["dr", "mr", "mrs", "ms", "prof", "st", "jr", "sr", "vs", "cf", "fig", "no", "vol", "pp", "etc", "al"]
)
# detokenize: tokens that attach to the previous token / the next token
_ATTACH_LEFT = frozenset(".،؛:!?؟…,;»)]}”’›⸮")
_ATTACH_RIGHT = frozenset("«([{“‘‹")


def is_punctuation(token: str) -> bool:
    """True when every character of `token` is a punctuation mark (what `"drop"` removes)."""
    return bool(token) and all(c in _PUNCT for c in token)


def _keeps_dot(core: str) -> bool:
    return bool(_INITIAL_OR_ABBREV.fullmatch(core)) or core.lower() in _LATIN_ABBREVIATIONS


def _detach(token: str, out: list[str]) -> None:
    i, j = 0, len(token)
    while i < j and token[i] in _LEADING:
        i += 1
    while j > i and token[j - 1] in _TRAILING:
        j -= 1
    core, trail = token[i:j], token[j:]
    if core and trail.startswith(".") and not trail.startswith("..") and _keeps_dot(core):
        core, trail = core + ".", trail[1:]
    out.extend(token[:i])
    if core:
        out.append(core)
    if trail:
        out.extend(_TERMINAL_RUN.findall(trail))


def words(sentence: str, punctuation: str = "detach") -> list[str]:
    """The words of one sentence under the policy above."""
    if punctuation == "keep":
        return sentence.split()
    if punctuation not in PUNCTUATION_MODES:
        raise ValueError(f"punctuation must be one of {PUNCTUATION_MODES}, not {punctuation!r}")
    out: list[str] = []
    for token in sentence.split():
        if token[0] in _LEADING or token[-1] in _TRAILING:
            _detach(token, out)
        else:  # most tokens: nothing to detach (the builds' hot loop)
            out.append(token)
    if punctuation == "drop":
        out = [w for w in out if not is_punctuation(w)]
    return out


def detokenize(tokens: list[str]) -> str:
    """Join words with Persian punctuation spacing (inverse of `words(..., "detach")`)."""
    parts: list[str] = []
    glue_next = True  # no space before the first token
    quote_open = False
    for w in tokens:
        if w == '"':
            attach_left, attach_right = quote_open, not quote_open
            quote_open = not quote_open
        else:
            # hazm writes a space before … (`و …`), so a token starting with … doesn't attach
            attach_left = all(c in _ATTACH_LEFT for c in w) and not w.startswith("…")
            attach_right = w in _ATTACH_RIGHT
        if parts and not glue_next and not attach_left:
            parts.append(" ")
        parts.append(w)
        glue_next = attach_right
    return "".join(parts)

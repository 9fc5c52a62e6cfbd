"""Lazy, cached access to hazm: `import hazm` costs ~0.3 s and a Normalizer ~1 s (word lists),
so nothing in fa_nlp imports it at module level. Only fa_nlp.text uses these getters."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def hazm_module() -> Any:
    import hazm

    return hazm


@functools.cache
def stop_words() -> frozenset[str]:
    """hazm's Persian stop-word list (read from its data file once)."""
    return frozenset(hazm_module().stopwords_list())


@functools.cache
def normalizer(join_compounds: bool = False, **flags: bool) -> Any:
    """A `hazm.Normalizer` built once per distinct set of constructor flags.

    `join_compounds=False` (our default) keeps hazm's spacing step from joining two separate words
    because their ZWNJ compound is in its word list (`سینه زن` → `سینه‌زن` "mourner", `هیچ کس`,
    `ایالات متحده`; hazm issue #318): only verb forms (`می روم` → `می‌روم`) and suffixes
    (`کتاب ها` → `کتاب‌ها`) are joined, and a one-letter suffix never before a full stop (an initial).
    """
    import types

    n = hazm_module().Normalizer(**flags)
    if not join_compounds and getattr(n, "_words", None):
        n.token_spacing = types.MethodType(_token_spacing_no_compounds, n)
    return n


def _token_spacing_no_compounds(self, tokens: list[str]) -> list[str]:
    """hazm 0.12's `Normalizer.token_spacing` without its word-list branch (see `normalizer`)."""
    from hazm.constants import SUFFIXES

    result: list[str] = []
    for t, token in enumerate(tokens):
        joined = False
        if result:
            pair = result[-1] + "\u200c" + token
            if self._verbs and pair in self._verbs:
                joined = not (t < len(tokens) - 1 and token + "_" + tokens[t + 1] in self._verbs)
            elif token in SUFFIXES and result[-1] in self._words:
                # a one-letter "suffix" before a full stop is an initial: `نوشته م. ع. کرمانی`
                joined = not (len(token) == 1 and t < len(tokens) - 1 and tokens[t + 1] == ".")
        if joined:
            result[-1] = pair
        else:
            result.append(token)
    return result


@functools.cache
def sentence_tokenizer() -> Any:
    """hazm's baseline splitter (the regex `([!.?⸮؟]+)[ \\n]+`), used by benchmarks and eval-sbd."""
    return hazm_module().SentenceTokenizer()


@functools.cache
def translation_table() -> dict[int, str]:
    """hazm's 1:1 character table (Arabic ي/ك and presentation forms → Persian letters, NBSP → space)."""
    from hazm.constants import TRANSLATION_DST, TRANSLATION_SRC

    return {ord(a): b for a, b in zip(TRANSLATION_SRC, TRANSLATION_DST, strict=True)}

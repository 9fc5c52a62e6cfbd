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
def normalizer(**flags: bool) -> Any:
    """A `hazm.Normalizer` built once per distinct set of constructor flags."""
    return hazm_module().Normalizer(**flags)


@functools.cache
def sentence_tokenizer() -> Any:
    """hazm's baseline splitter (the regex `([!.?⸮؟]+)[ \\n]+`), used by benchmarks and eval-sbd."""
    return hazm_module().SentenceTokenizer()


@functools.cache
def translation_table() -> dict[int, str]:
    """hazm's 1:1 character table (Arabic ي/ك and presentation forms → Persian letters, NBSP → space)."""
    from hazm.constants import TRANSLATION_DST, TRANSLATION_SRC

    return {ord(a): b for a, b in zip(TRANSLATION_SRC, TRANSLATION_DST, strict=True)}

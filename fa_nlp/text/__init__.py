"""Persian text primitives: offset-preserving normalization, sentence spans, words.

Importing this package does not import hazm; hazm loads on first use (see `_hazm.py`).

    >>> from fa_nlp.text import sentence_spans, split_sentences, words
    >>> split_sentences("دکتر م. ع. کرمانی آمد. او گفت: «سلام!» آیا رفت؟")
    ['دکتر م. ع. کرمانی آمد.', 'او گفت: «سلام!»', 'آیا رفت؟']
"""

from fa_nlp.text._hazm import stop_words
from fa_nlp.text.normalize import Normalized, NormalizeOptions, normalize
from fa_nlp.text.sentences import sentence_spans, split_sentences
from fa_nlp.text.words import detokenize, words

__all__ = [
    "NormalizeOptions",
    "Normalized",
    "detokenize",
    "normalize",
    "sentence_spans",
    "split_sentences",
    "stop_words",
    "words",
]

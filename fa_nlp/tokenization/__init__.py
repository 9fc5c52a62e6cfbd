"""Subword tokenizers behind one small interface, trained on corpus text only.

Two families, because the two tasks need different things:

* **seq2seq** (word order, any source→target pairs): sentencepiece unigram/BPE with byte fallback
  and *identity* normalization, so `decode(encode(text)) == text` for any text (no NFKC, ZWNJ
  kept, no lowercasing, whitespace runs kept); digits are split into single pieces so numbers
  never become rare whole-number pieces. Ids are fixed: pad=0, unk=1, bos=2, eos=3.
* **qa** (extractive QA): a `tokenizers` fast tokenizer (WordPiece, BPE or Unigram) that gives
  character offsets and BERT-style pairs `[CLS] question [SEP] context [SEP]` with type ids;
  Persian-aware: NFC only (ZWNJ survives), no lowercasing or accent stripping, punctuation and
  single digits split off.

    fa-nlp tokenizer train --dataset build/wordorder/sample --vocab-size 2000 --out build/tok/sample

Modules: `seq2seq` (sentencepiece), `fast` (tokenizers), `common` (files, specials, config). Importing
this package imports neither sentencepiece nor tokenizers; they load when a tokenizer is trained or loaded.
"""

from fa_nlp.tokenization.common import (
    CONFIG_FILE,
    QA_FILE,
    QA_SPECIALS,
    SEQ2SEQ_SPECIALS,
    SPM_FILE,
    TokenizerConfig,
)
from fa_nlp.tokenization.fast import load_fast_tokenizer, train_qa_tokenizer
from fa_nlp.tokenization.seq2seq import TextTokenizer, load_tokenizer, train_seq2seq_tokenizer

__all__ = [
    "CONFIG_FILE",
    "QA_FILE",
    "QA_SPECIALS",
    "SEQ2SEQ_SPECIALS",
    "SPM_FILE",
    "TextTokenizer",
    "TokenizerConfig",
    "load_fast_tokenizer",
    "load_tokenizer",
    "train_qa_tokenizer",
    "train_seq2seq_tokenizer",
]

"""fa_nlp's sentencepiece tokenizer (word-order family: byte fallback, identity normalization, digits
split) for `AutoTokenizer.from_pretrained(DIR, trust_remote_code=True)`: the ids are sentencepiece's
own, so they equal fa_nlp's. Self-contained (sentencepiece + transformers; no fa_nlp import).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import sentencepiece as spm
from transformers import PreTrainedTokenizer


class FaSentencePieceTokenizer(PreTrainedTokenizer):
    vocab_files_names = {"vocab_file": "spm.model"}
    model_input_names = ["input_ids", "attention_mask"]

    def __init__(self, vocab_file, **kwargs):
        self.vocab_file = vocab_file
        self.sp = spm.SentencePieceProcessor(model_file=str(vocab_file))
        for name, i in (("pad_token", self.sp.pad_id()), ("unk_token", self.sp.unk_id()),
                        ("bos_token", self.sp.bos_id()), ("eos_token", self.sp.eos_id())):
            if i >= 0:
                kwargs.setdefault(name, self.sp.id_to_piece(i))
        super().__init__(**kwargs)

    @property
    def vocab_size(self) -> int:
        return self.sp.get_piece_size()

    def get_vocab(self):
        return {self.sp.id_to_piece(i): i for i in range(self.vocab_size)}

    def _tokenize(self, text, **kwargs):
        return self.sp.encode(text, out_type=str)

    def _convert_token_to_id(self, token):
        return self.sp.piece_to_id(token)

    def _convert_id_to_token(self, index):
        return self.sp.id_to_piece(int(index))

    def convert_tokens_to_string(self, tokens):
        return self.sp.decode([self.sp.piece_to_id(t) for t in tokens])

    def build_inputs_with_special_tokens(self, token_ids_0, token_ids_1=None):
        """fa_nlp's source: the pieces followed by EOS (pairs are not used by the word-order models)."""
        return token_ids_0 + [self.sp.eos_id()] + (token_ids_1 + [self.sp.eos_id()] if token_ids_1 else [])

    def save_vocabulary(self, save_directory, filename_prefix=None):
        out = Path(save_directory) / ((filename_prefix + "-" if filename_prefix else "") + "spm.model")
        if Path(self.vocab_file).resolve() != out.resolve():
            shutil.copyfile(self.vocab_file, out)
        return (str(out),)

"""The seq2seq family: sentencepiece unigram/BPE with byte fallback and identity normalization, so
`decode(encode(text)) == text` for any text; digits split; ids fixed (pad=0, unk=1, bos=2, eos=3).

    fa-nlp tokenizer train --dataset build/wordorder/sample --vocab-size 2000 --out build/tok/sample
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fa_nlp.io import current_umask, write_json
from fa_nlp.tokenization.common import (
    CONFIG_FILE,
    SEQ2SEQ_SPECIALS,
    SPM_FILE,
    TokenizerConfig,
    check_family,
    resolve_files,
)


class TextTokenizer:
    """A trained seq2seq tokenizer: `encode(text) -> ids`, `decode(ids) -> text`, fixed special ids."""

    def __init__(self, model_path: str | Path, config: dict[str, Any] | None = None):
        import sentencepiece as spm

        self.path = Path(model_path)
        self.sp = spm.SentencePieceProcessor(model_file=str(self.path))
        self.config = config or {}
        self.pad_id, self.unk_id = self.sp.pad_id(), self.sp.unk_id()
        self.bos_id, self.eos_id = self.sp.bos_id(), self.sp.eos_id()
        self.vocab_size = self.sp.get_piece_size()

    def encode(self, text: str) -> list[int]:
        return self.sp.encode(text)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return self.sp.encode(texts)

    def decode(self, ids: Iterable[int]) -> str:
        specials = {self.pad_id, self.bos_id, self.eos_id}
        return self.sp.decode([int(i) for i in ids if int(i) not in specials])

    def id_to_piece(self, i: int) -> str:
        return self.sp.id_to_piece(int(i))

    def piece_to_id(self, piece: str) -> int:
        return self.sp.piece_to_id(piece)

    def encode_pieces(self, text: str) -> list[str]:
        return self.sp.encode(text, out_type=str)

    def __len__(self) -> int:
        return self.vocab_size


def train_seq2seq_tokenizer(
    texts: Iterable[str], out_dir: str | Path, vocab_size: int = 8000, kind: str = "unigram", **kw: Any
) -> Path:
    """Train sentencepiece on `texts` (the training split only) and save it with its config.

    `out_dir` is created only once training has succeeded: a bad input (a missing file, a located
    read error raised by `texts`) leaves nothing behind. The work happens in a hidden temp folder
    beside it, removed either way."""
    cfg = TokenizerConfig(family="seq2seq", kind=kind, vocab_size=vocab_size, **kw)
    check_family(cfg)
    import sentencepiece as spm

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent) as tmp:
        corpus = Path(tmp) / "train.txt"
        n_lines = 0
        with open(corpus, "w", encoding="utf-8") as fh:
            for t in texts:
                t = t.replace("\n", " ").strip()
                if t:
                    fh.write(t + "\n")
                    n_lines += 1
        if n_lines == 0:
            raise ValueError("no training text for the tokenizer")
        prefix = Path(tmp) / "spm"
        _train_spm(spm, corpus, prefix, cfg)
        out_dir.mkdir(exist_ok=True)
        os.replace(f"{prefix}.model", out_dir / SPM_FILE)
        os.chmod(out_dir / SPM_FILE, 0o666 & ~current_umask())
    write_json(out_dir / CONFIG_FILE, {**asdict(cfg), "backend": "sentencepiece", "file": SPM_FILE,
                                       "special_ids": SEQ2SEQ_SPECIALS, "training_lines": n_lines})
    return out_dir


def _train_spm(spm, corpus: Path, prefix: Path, cfg: TokenizerConfig) -> None:
    """sentencepiece's trainer; its refusals (a vocabulary smaller than the characters it must
    cover, ...) are RuntimeErrors carrying the fix: they become ValueErrors, one line, no traceback."""
    try:
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(prefix),
            model_type=cfg.kind,
            vocab_size=cfg.vocab_size,
            character_coverage=cfg.character_coverage,
            byte_fallback=True,
            split_digits=True,
            normalization_rule_name="identity",
            remove_extra_whitespaces=False,
            add_dummy_prefix=True,
            pad_id=SEQ2SEQ_SPECIALS["pad"],
            unk_id=SEQ2SEQ_SPECIALS["unk"],
            bos_id=SEQ2SEQ_SPECIALS["bos"],
            eos_id=SEQ2SEQ_SPECIALS["eos"],
            input_sentence_size=cfg.seed_sentences,
            shuffle_input_sentence=True,
            max_sentence_length=cfg.max_sentence_length,
            num_threads=1,  # deterministic output for the same input
            hard_vocab_limit=False,
            minloglevel=2,
        )
    except RuntimeError as e:
        raise ValueError(f"sentencepiece refused to train: {str(e).split('] ')[-1]}") from None


def load_tokenizer(path: str | Path) -> TextTokenizer:
    """Load a seq2seq tokenizer from its directory (or its `spm.model`)."""
    file, cfg = resolve_files(path, SPM_FILE)
    if not file.is_file():
        raise FileNotFoundError(f"no sentencepiece model at {file}")
    return TextTokenizer(file, cfg)

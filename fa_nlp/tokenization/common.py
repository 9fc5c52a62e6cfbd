"""What both tokenizer families share: file names, fixed special tokens, the saved config, and how a
directory or a model file inside it is found."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_FILE = "tokenizer_config.json"
SPM_FILE = "spm.model"
QA_FILE = "tokenizer.json"
SEQ2SEQ_SPECIALS = {"pad": 0, "unk": 1, "bos": 2, "eos": 3}
QA_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@dataclass
class TokenizerConfig:
    family: str = "seq2seq"  # "seq2seq" (sentencepiece) or "qa" (tokenizers, with offsets)
    kind: str = "unigram"  # seq2seq: unigram|bpe; qa: wordpiece|bpe|unigram
    vocab_size: int = 8000
    min_frequency: int = 2  # qa only
    character_coverage: float = 0.9999  # seq2seq only; rarer characters fall back to bytes
    max_sentence_length: int = 8192  # seq2seq only; longer training lines are skipped by sentencepiece
    seed_sentences: int = 2_000_000  # seq2seq: cap on training sentences sampled by sentencepiece
    extra: dict[str, Any] = field(default_factory=dict)


def check_family(cfg: TokenizerConfig) -> None:
    allowed = {"seq2seq": {"unigram", "bpe"}, "qa": {"wordpiece", "bpe", "unigram"}}
    if cfg.family not in allowed:
        raise ValueError(f"tokenizer family must be one of {sorted(allowed)}, got {cfg.family!r}")
    if cfg.kind not in allowed[cfg.family]:
        raise ValueError(f"{cfg.family} tokenizer kind must be one of {sorted(allowed[cfg.family])}, got {cfg.kind!r}")


def nonempty(texts: Iterable[str]) -> Iterator[str]:
    for t in texts:
        if t and t.strip():
            yield t


def resolve_files(path: str | Path, default_file: str) -> tuple[Path, dict[str, Any]]:
    """(model file, saved config) for a tokenizer directory or a model file inside one."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    cfg_path = folder / CONFIG_FILE
    cfg = json.loads(cfg_path.read_text(encoding="utf-8")) if cfg_path.is_file() else {}
    return (folder / cfg.get("file", default_file) if path.is_dir() else path), cfg

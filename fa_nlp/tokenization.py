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
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fa_nlp.io import write_json

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


def _check_family(cfg: TokenizerConfig) -> None:
    allowed = {"seq2seq": {"unigram", "bpe"}, "qa": {"wordpiece", "bpe", "unigram"}}
    if cfg.family not in allowed:
        raise ValueError(f"tokenizer family must be one of {sorted(allowed)}, got {cfg.family!r}")
    if cfg.kind not in allowed[cfg.family]:
        raise ValueError(f"{cfg.family} tokenizer kind must be one of {sorted(allowed[cfg.family])}, got {cfg.kind!r}")


def train_seq2seq_tokenizer(
    texts: Iterable[str], out_dir: str | Path, vocab_size: int = 8000, kind: str = "unigram", **kw: Any
) -> Path:
    """Train sentencepiece on `texts` (the training split only) and save it with its config."""
    cfg = TokenizerConfig(family="seq2seq", kind=kind, vocab_size=vocab_size, **kw)
    _check_family(cfg)
    import sentencepiece as spm

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
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
        os.replace(f"{prefix}.model", out_dir / SPM_FILE)
    write_json(out_dir / CONFIG_FILE, {**asdict(cfg), "backend": "sentencepiece", "file": SPM_FILE,
                                       "special_ids": SEQ2SEQ_SPECIALS, "training_lines": n_lines})
    return out_dir


def train_qa_tokenizer(
    texts: Iterable[str], out_dir: str | Path, kind: str = "wordpiece", vocab_size: int = 16000,
    min_frequency: int = 2,
):
    """Train a `tokenizers` fast tokenizer for QA; saves `tokenizer.json` + config; returns the Tokenizer."""
    cfg = TokenizerConfig(family="qa", kind=kind, vocab_size=vocab_size, min_frequency=min_frequency)
    _check_family(cfg)
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    if kind == "wordpiece":
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                            special_tokens=QA_SPECIALS, continuing_subword_prefix="##")
        tok.decoder = decoders.WordPiece(prefix="##")
    elif kind == "bpe":
        tok = Tokenizer(models.BPE(unk_token="[UNK]"))
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=QA_SPECIALS)
    else:
        tok = Tokenizer(models.Unigram())
        trainer = trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=QA_SPECIALS, unk_token="[UNK]")
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(), pre_tokenizers.Digits(individual_digits=True)]
    )
    tok.train_from_iterator(_nonempty(texts), trainer=trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json_text = tok.to_str(pretty=False)
    from fa_nlp.io import write_text

    write_text(out_dir / QA_FILE, write_json_text)
    write_json(out_dir / CONFIG_FILE, {**asdict(cfg), "backend": "tokenizers", "file": QA_FILE,
                                       "special_tokens": QA_SPECIALS})
    return tok


def _nonempty(texts: Iterable[str]) -> Iterator[str]:
    for t in texts:
        if t and t.strip():
            yield t


def _resolve(path: str | Path, default_file: str) -> tuple[Path, dict[str, Any]]:
    """(model file, saved config) for a tokenizer directory or a model file inside one."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    cfg_path = folder / CONFIG_FILE
    cfg = json.loads(cfg_path.read_text(encoding="utf-8")) if cfg_path.is_file() else {}
    return (folder / cfg.get("file", default_file) if path.is_dir() else path), cfg


def load_tokenizer(path: str | Path) -> TextTokenizer:
    """Load a seq2seq tokenizer from its directory (or its `spm.model`)."""
    file, cfg = _resolve(path, SPM_FILE)
    if not file.is_file():
        raise FileNotFoundError(f"no sentencepiece model at {file}")
    return TextTokenizer(file, cfg)


def load_fast_tokenizer(path: str | Path, hf: bool = False):
    """Load a QA tokenizer (directory or `tokenizer.json`) as a `tokenizers.Tokenizer`, or wrapped in
    `transformers.PreTrainedTokenizerFast` when `hf=True` (what `run_qa.py` expects)."""
    file, _ = _resolve(path, QA_FILE)
    if not file.is_file():
        raise FileNotFoundError(f"no tokenizer.json at {file}")
    if hf:
        from transformers import PreTrainedTokenizerFast

        return PreTrainedTokenizerFast(tokenizer_file=str(file), unk_token="[UNK]", pad_token="[PAD]",
                                       cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                       model_input_names=["input_ids", "token_type_ids", "attention_mask"])
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(file))

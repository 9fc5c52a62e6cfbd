"""The QA family: a `tokenizers` fast tokenizer (WordPiece, BPE or Unigram) with character offsets and
BERT-style pairs `[CLS] question [SEP] context [SEP]`; NFC only (ZWNJ survives), punctuation and digits split.

    fa-nlp tokenizer train --family qa --kind wordpiece --squad pquad --vocab-size 16000 --out build/tok/pquad
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from fa_nlp.io import write_json, write_text
from fa_nlp.tokenization.common import (
    CONFIG_FILE,
    QA_FILE,
    QA_SPECIALS,
    TokenizerConfig,
    check_family,
    nonempty,
    resolve_files,
)


def train_qa_tokenizer(
    texts: Iterable[str], out_dir: str | Path, kind: str = "wordpiece", vocab_size: int = 16000,
    min_frequency: int = 2,
):
    """Train a `tokenizers` fast tokenizer for QA; saves `tokenizer.json` + config; returns the Tokenizer.

    The trainer's progress bars are off: they write blank lines to stdout (even when it is not a
    terminal, and when training fails), and stdout is for results. `out_dir` is created only after
    training succeeded."""
    cfg = TokenizerConfig(family="qa", kind=kind, vocab_size=vocab_size, min_frequency=min_frequency)
    check_family(cfg)
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    if kind == "wordpiece":
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
                                            special_tokens=QA_SPECIALS, continuing_subword_prefix="##")
        tok.decoder = decoders.WordPiece(prefix="##")
    elif kind == "bpe":
        tok = Tokenizer(models.BPE(unk_token="[UNK]"))
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=QA_SPECIALS,
                                      show_progress=False)
    else:
        tok = Tokenizer(models.Unigram())
        trainer = trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=QA_SPECIALS, unk_token="[UNK]",
                                          show_progress=False)
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(), pre_tokenizers.Digits(individual_digits=True)]
    )
    tok.train_from_iterator(nonempty(texts), trainer=trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json_text = tok.to_str(pretty=False)

    write_text(out_dir / QA_FILE, write_json_text)
    write_json(out_dir / CONFIG_FILE, {**asdict(cfg), "backend": "tokenizers", "file": QA_FILE,
                                       "special_tokens": QA_SPECIALS})
    return tok


def load_fast_tokenizer(path: str | Path, hf: bool = False):
    """Load a QA tokenizer (directory or `tokenizer.json`) as a `tokenizers.Tokenizer`, or wrapped in
    `transformers.PreTrainedTokenizerFast` when `hf=True` (what `run_qa.py` expects)."""
    file, _ = resolve_files(path, QA_FILE)
    if not file.is_file():
        raise FileNotFoundError(f"no tokenizer.json at {file}")
    if hf:
        from transformers import PreTrainedTokenizerFast

        return PreTrainedTokenizerFast(tokenizer_file=str(file), unk_token="[UNK]", pad_token="[PAD]",
                                       cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                       model_input_names=["input_ids", "token_type_ids", "attention_mask"])
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(file))

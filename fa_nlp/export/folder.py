"""What every exported Hugging Face folder shares: the run's checkpoint, weights as safetensors, and
the tokenizer files `AutoTokenizer.from_pretrained(DIR)` reads.

Why `PreTrainedTokenizerFast` and not `BertTokenizerFast`: fa_nlp's QA tokenizer is not BERT's
(NFC only, ZWNJ kept, no lowercasing, digits split); `PreTrainedTokenizerFast` loads the
`tokenizer.json` pipeline as it is, so the ids are fa_nlp's own, while the model stays plain BERT.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from fa_nlp.io import write_json
from fa_nlp.tokenization.common import QA_FILE, QA_SPECIALS, SPM_FILE
from fa_nlp.training import checkpoint

SPECIAL_NAMES = {"[PAD]": "pad_token", "[UNK]": "unk_token", "[CLS]": "cls_token", "[SEP]": "sep_token",
                 "[MASK]": "mask_token"}


def load_run(run_dir: str | Path, step: int | None = None):
    """(model in eval mode, train config dict, checkpoint dir, run dir) of a finished run."""
    ck = checkpoint.resolve(run_dir, step)
    model, train_cfg = checkpoint.load_model(ck, device="cpu")
    return model, train_cfg, ck, ck.parent.parent


def write_weights(out: Path, tensors: dict) -> None:
    """model.safetensors as `save_pretrained` writes it (contiguous tensors, format metadata)."""
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in tensors.items()}, str(out / "model.safetensors"), metadata={"format": "pt"})


def tokenizer_dir(run_dir: Path) -> Path:
    tok = run_dir / "tokenizer"
    if not (tok / QA_FILE).is_file() and not (tok / SPM_FILE).is_file():
        raise FileNotFoundError(f"{run_dir}: no tokenizer/{QA_FILE} or tokenizer/{SPM_FILE} beside the checkpoints "
                                "(written by `fa-nlp train`)")
    return tok


def write_tokenizer(out: Path, tok_dir: Path, max_length: int, spm_code: Path) -> None:
    """The run's tokenizer for AutoTokenizer: fast (tokenizer.json) as it is, or sentencepiece through
    a small remote-code class (`trust_remote_code=True`) that calls sentencepiece itself, so the ids
    are fa_nlp's exactly (no conversion to a fast tokenizer that could differ on byte fallback)."""
    if (tok_dir / QA_FILE).is_file():
        write_fast_tokenizer(out, tok_dir, max_length)
        return
    shutil.copy2(tok_dir / SPM_FILE, out / SPM_FILE)
    shutil.copy2(spm_code, out / spm_code.name)
    cls = "FaSentencePieceTokenizer"
    write_json(out / "tokenizer_config.json", {
        "tokenizer_class": cls, "auto_map": {"AutoTokenizer": [f"{spm_code.stem}.{cls}", None]},
        "model_max_length": max_length, "padding_side": "right", "clean_up_tokenization_spaces": False})


def write_fast_tokenizer(out: Path, tok_dir: Path, max_length: int) -> dict[str, Any]:
    """tokenizer.json (fa_nlp's, byte for byte) + tokenizer_config.json + special_tokens_map.json.

    `model_max_length` is the model's position table: longer inputs are an error or are truncated
    by transformers, never silently wrapped. Returns the tokenizer_config dict."""
    shutil.copy2(tok_dir / QA_FILE, out / QA_FILE)
    vocab = json.loads((tok_dir / QA_FILE).read_text(encoding="utf-8"))["model"].get("vocab", {})
    ids = vocab if isinstance(vocab, dict) else {p[0]: i for i, p in enumerate(vocab)}  # unigram: [[piece, score]]
    specials = {SPECIAL_NAMES[t]: t for t in QA_SPECIALS if t in ids}
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": max_length,
              "padding_side": "right", "truncation_side": "right", "clean_up_tokenization_spaces": False,
              "model_input_names": ["input_ids", "token_type_ids", "attention_mask"], **specials}
    write_json(out / "tokenizer_config.json", config)
    write_json(out / "special_tokens_map.json", specials)
    return config

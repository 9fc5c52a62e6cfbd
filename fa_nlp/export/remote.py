"""Model kinds with no exact transformers counterpart → fa_nlp's tensors + a self-contained
modelling file (`hf_code/`) + `auto_map` in config.json, for `trust_remote_code=True`.

Why not approximate them with a stock class: a RoPE encoder loaded as BERT would run, silently
wrong. The modelling file is fa_nlp's forward pass rewritten on torch alone, with fa_nlp's tensor
names, so the state dict is written as it is.

    tensors, config, code = encoder_export(model)    # a default-arch span / mlm / encoder model
    tensors, config, code = decoder_export(model)    # the word-order pointer / vocabulary decoder
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CODE_DIR = Path(__file__).resolve().parent / "hf_code"
ENCODER_FILE = "modeling_fa_encoder.py"
POINTER_FILE = "modeling_fa_pointer.py"
SEQ2SEQ_FILE = "modeling_fa_seq2seq.py"
SPM_TOKENIZER_FILE = "tokenization_fa_spm.py"
ENCODER_CLASSES = {"span": ("FaEncoderForQuestionAnswering", "AutoModelForQuestionAnswering"),
                   "mlm": ("FaEncoderForMaskedLM", "AutoModelForMaskedLM"),
                   "encoder": ("FaEncoderModel", "AutoModel")}
ENCODER_FIELDS = ("vocab_size", "d_model", "n_heads", "n_encoder_layers", "d_ff", "max_len", "pad_id", "positional",
                  "n_segments", "match_feature", "match_min_id")


POINTER_FIELDS = ("vocab_size", "d_model", "n_heads", "n_encoder_layers", "n_decoder_layers", "d_ff", "max_len", "pad_id",
                  "pooling", "max_word_pieces", "n_segments")


def encoder_export(model) -> tuple[dict, dict[str, Any], Path]:
    """(state dict, config.json dict, modelling file) of a default-arch (`fa`) encoder-only model."""
    cfg = model.cfg
    if cfg.kind not in ENCODER_CLASSES or cfg.arch != "fa":
        raise ValueError(f"encoder_export takes span / mlm / encoder models of arch 'fa', not {cfg.kind}/{cfg.arch}")
    cls, auto = ENCODER_CLASSES[cfg.kind]
    module = ENCODER_FILE.removesuffix(".py")
    auto_map = {"AutoConfig": f"{module}.FaEncoderConfig", "AutoModel": f"{module}.FaEncoderModel",
                auto: f"{module}.{cls}"}
    config = {"architectures": [cls], "model_type": "fa_nlp_encoder", "auto_map": auto_map,
              **{k: getattr(cfg, k) for k in ENCODER_FIELDS}}
    prefix = "encoder." if cfg.kind == "encoder" else ""
    tensors = {prefix + k: v.detach().clone() for k, v in model.state_dict().items()}
    return tensors, config, CODE_DIR / ENCODER_FILE


SEQ2SEQ_FIELDS = ("vocab_size", "d_model", "n_heads", "n_encoder_layers", "n_decoder_layers", "d_ff", "max_len", "pad_id",
                  "bos_id", "eos_id", "positional", "tie_embeddings", "n_segments")
DECODERS = {"pointer": (POINTER_FILE, "FaPointer", POINTER_FIELDS), "seq2seq": (SEQ2SEQ_FILE, "FaSeq2Seq", SEQ2SEQ_FIELDS)}


def decoder_export(model) -> tuple[dict, dict[str, Any], Path]:
    """(state dict, config.json dict, modelling file) of a word-order pointer or vocabulary decoder."""
    cfg = model.cfg
    if cfg.kind not in DECODERS:
        raise ValueError(f"decoder_export takes a pointer or seq2seq model, not {cfg.kind!r}")
    file, name, fields = DECODERS[cfg.kind]
    module = file.removesuffix(".py")
    config = {"architectures": [f"{name}Model"], "model_type": f"fa_nlp_{cfg.kind}",
              "auto_map": {"AutoConfig": f"{module}.{name}Config", "AutoModel": f"{module}.{name}Model"},
              **{k: getattr(cfg, k) for k in fields}}
    return {k: v.detach().clone() for k, v in model.state_dict().items()}, config, CODE_DIR / file

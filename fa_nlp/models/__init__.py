"""Models: shared blocks + one head per kind; imports only torch.

    from fa_nlp.models import build_model, model_config
    model = build_model(model_config("tiny", vocab_size=1000, kind="seq2seq"))

Kinds: `seq2seq` (encoder-decoder, vocabulary output), `pointer` (decoder that picks source word
slots), `encoder` (the encoder alone), `span` (encoder + start/end head: extractive QA), `mlm`
(encoder + tied masked-LM head: pretraining). `build_model` is the one place that maps a config to a class.
"""

from __future__ import annotations

import importlib

from fa_nlp.models.config import MODEL_KINDS, PRESETS, ModelConfig, model_config

_KINDS = {"seq2seq": "fa_nlp.models.seq2seq:Seq2SeqTransformer", "pointer": "fa_nlp.models.pointer:PointerNetwork",
          "encoder": "fa_nlp.models.encoder:Encoder", "span": "fa_nlp.models.span:SpanModel",
          "mlm": "fa_nlp.models.span:MaskedLM"}
# torch-backed names, loaded on first use (sacrebleu's name table): `from fa_nlp.models import model_config`
# and the modules that only name a kind (configs, the training loop's set-up) stay free of torch
_LAZY = {"KVCache": "fa_nlp.models.blocks", "embedding_parameters": "fa_nlp.models.blocks",
         "Encoder": "fa_nlp.models.encoder", "Seq2SeqTransformer": "fa_nlp.models.seq2seq"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def model_class(kind: str):
    if kind not in _KINDS:
        raise ValueError(f"unknown model kind {kind!r}; choose one of {', '.join(_KINDS)}")
    module, name = _KINDS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def build_model(cfg: ModelConfig):
    """The model of `cfg.kind`, freshly initialised (the caller seeds torch)."""
    return model_class(cfg.kind)(cfg)


__all__ = ["MODEL_KINDS", "PRESETS", "Encoder", "KVCache", "ModelConfig", "Seq2SeqTransformer", "build_model",
           "embedding_parameters", "model_class", "model_config"]

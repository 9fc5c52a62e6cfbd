"""`arch="bert"` span / mlm checkpoints → plain `transformers` BERT: config.json fields and tensor names.

Why a name map and not custom code: the `bert` encoder (`fa_nlp.models.encoder`) is BERT tensor
for tensor, so the exported folder loads with `BertForQuestionAnswering` / `BertForMaskedLM` and
runs in every tool that knows BERT (pipelines, optimum/ONNX, TGI...). The only reshaping is the
fused q/k/v matrix, split into BERT's three (rows q, k, v; each head-major, as BERT's are).

    tensors, config = bert_export(model)     # model: a SpanModel or MaskedLM with cfg.arch == "bert"
"""

from __future__ import annotations

from typing import Any

ARCHITECTURES = {"span": "BertForQuestionAnswering", "mlm": "BertForMaskedLM", "encoder": "BertModel"}


def bert_config(cfg, architecture: str) -> dict[str, Any]:
    """BertConfig fields of a fa_nlp ModelConfig (LayerNorm eps is torch's 1e-5, not BERT's 1e-12)."""
    return {
        "architectures": [architecture], "model_type": "bert", "vocab_size": cfg.vocab_size,
        "hidden_size": cfg.d_model, "num_hidden_layers": cfg.n_encoder_layers,
        "num_attention_heads": cfg.n_heads, "intermediate_size": cfg.d_ff, "hidden_act": "gelu",
        "hidden_dropout_prob": cfg.dropout, "attention_probs_dropout_prob": cfg.dropout,
        "max_position_embeddings": cfg.max_len, "type_vocab_size": max(cfg.n_segments, 1),
        "initializer_range": 0.02, "layer_norm_eps": 1e-5, "pad_token_id": cfg.pad_id,
        "position_embedding_type": "absolute", "tie_word_embeddings": True,
    }


def _encoder_tensors(sd: dict, n_layers: int, prefix: str) -> dict:
    out = {
        f"{prefix}embeddings.word_embeddings.weight": sd["encoder.embed.weight"],
        f"{prefix}embeddings.position_embeddings.weight": sd["encoder.pos_embed.weight"],
        f"{prefix}embeddings.token_type_embeddings.weight": sd["encoder.segment_embed.weight"],
        f"{prefix}embeddings.LayerNorm.weight": sd["encoder.emb_norm.weight"],
        f"{prefix}embeddings.LayerNorm.bias": sd["encoder.emb_norm.bias"],
    }
    for i in range(n_layers):
        src, dst = f"encoder.layers.{i}.", f"{prefix}encoder.layer.{i}."
        qkv_w, qkv_b = sd[src + "attn.qkv.weight"].chunk(3, 0), sd[src + "attn.qkv.bias"].chunk(3, 0)
        for name, w, b in zip(("query", "key", "value"), qkv_w, qkv_b):
            out[f"{dst}attention.self.{name}.weight"], out[f"{dst}attention.self.{name}.bias"] = w, b
        pairs = {"attention.output.dense": "attn.proj", "attention.output.LayerNorm": "norm1",
                 "intermediate.dense": "ff.up", "output.dense": "ff.down", "output.LayerNorm": "norm2"}
        for theirs, ours in pairs.items():
            for p in ("weight", "bias"):
                out[f"{dst}{theirs}.{p}"] = sd[f"{src}{ours}.{p}"]
    return out


def bert_export(model) -> tuple[dict, dict[str, Any]]:
    """(tensors named as transformers' BERT, config.json dict) of a `bert`-arch span / mlm / encoder model."""
    cfg = model.cfg
    if cfg.arch != "bert":
        raise ValueError(f"bert_export needs arch='bert', the model is arch={cfg.arch!r}")
    if cfg.kind not in ARCHITECTURES:
        raise ValueError(f"no BERT class for model kind {cfg.kind!r} (have {', '.join(ARCHITECTURES)})")
    sd = {("encoder." + k if cfg.kind == "encoder" else k): v.detach().contiguous()
          for k, v in model.state_dict().items()}
    prefix = "" if cfg.kind == "encoder" else "bert."
    out = _encoder_tensors(sd, cfg.n_encoder_layers, prefix)
    if cfg.kind == "span":
        out["qa_outputs.weight"], out["qa_outputs.bias"] = sd["head.proj.weight"], sd["head.proj.bias"]
    elif cfg.kind == "mlm":  # the decoder matrix is the tied word embedding: stored once
        out.update({"cls.predictions.transform.dense.weight": sd["head.dense.weight"],
                    "cls.predictions.transform.dense.bias": sd["head.dense.bias"],
                    "cls.predictions.transform.LayerNorm.weight": sd["head.norm.weight"],
                    "cls.predictions.transform.LayerNorm.bias": sd["head.norm.bias"],
                    "cls.predictions.bias": sd["head.bias"]})
    return {k: v.clone() for k, v in out.items()}, bert_config(cfg, ARCHITECTURES[cfg.kind])

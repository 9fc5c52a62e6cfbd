"""Model configuration shared by every model kind: one dataclass, named presets, `model_config()`.

    from fa_nlp.models.config import model_config
    cfg = model_config("tiny", vocab_size=1000)                 # seq2seq (vocabulary decoder)
    cfg = model_config("tiny", vocab_size=1000, kind="pointer")  # pointer decoder over source words

`kind` is stored in every checkpoint's config, so a checkpoint rebuilds the right model
(`fa_nlp.models.build_model`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

MODEL_KINDS = ("seq2seq", "pointer", "encoder", "span", "mlm")
ARCHS = ("fa", "bert")


@dataclass
class ModelConfig:
    vocab_size: int = 8000  # must equal the tokenizer's vocab size
    d_model: int = 512  # residual width
    n_heads: int = 8  # d_model must be divisible by n_heads
    n_encoder_layers: int = 6
    n_decoder_layers: int = 6
    d_ff: int = 2048  # GELU feed-forward width
    dropout: float = 0.1  # residual, embedding and attention dropout
    max_len: int = 256  # longest source or target sequence (RoPE / position tables are this long)
    pad_id: int = 0
    bos_id: int = 2
    eos_id: int = 3
    tie_embeddings: bool = True  # encoder emb = decoder emb = output projection
    positional: str = "rope"  # "rope" | "learned" | "sinusoidal"
    kind: str = "seq2seq"  # seq2seq (vocabulary decoder) | pointer (picks source words) | encoder | span | mlm
    pooling: str = "mean"  # pointer: pieces -> word slot ("mean" | "attention")
    max_word_pieces: int = 16  # pointer: within-word position table (longer words share the last row)
    n_segments: int = 0  # encoder: segment (token type) embeddings, e.g. 2 for question/context; 0 = none
    match_feature: bool = False  # span: embed whether a token's id also occurs in the other segment (DrQA's exact match)
    match_min_id: int = 5  # span: ids below this (pad, unk, [CLS], [SEP], [MASK]) never count as a match
    # "fa": pre-LN layers without biases, a final LayerNorm, sqrt(d)-scaled embeddings, positions by
    # `positional`. "bert": exactly BERT's encoder (learned absolute positions, token-type embeddings,
    # embedding LayerNorm, post-LN layers, biases everywhere, GELU), so encoder / span / mlm models
    # export as plain `BertForQuestionAnswering` / `BertForMaskedLM` (fa_nlp.export).
    arch: str = "fa"

    def __post_init__(self) -> None:
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} is not divisible by n_heads={self.n_heads}")
        if (self.d_model // self.n_heads) % 2 and self.positional == "rope":
            raise ValueError("rope needs an even head dimension")
        if self.positional not in ("rope", "learned", "sinusoidal"):
            raise ValueError(f"positional must be rope|learned|sinusoidal, got {self.positional!r}")
        if self.kind not in MODEL_KINDS:
            raise ValueError(f"kind must be one of {'|'.join(MODEL_KINDS)}, got {self.kind!r}")
        if self.pooling not in ("mean", "attention"):
            raise ValueError(f"pooling must be mean|attention, got {self.pooling!r}")
        if self.arch not in ARCHS:
            raise ValueError(f"arch must be one of {'|'.join(ARCHS)}, got {self.arch!r}")
        if self.arch == "bert":
            self._check_bert()

    def _check_bert(self) -> None:
        """BERT has learned positions only (the default "rope" becomes "learned") and no extra inputs."""
        if self.kind not in ("encoder", "span", "mlm"):
            raise ValueError(f"arch='bert' is an encoder: kind must be encoder|span|mlm, got {self.kind!r}")
        if self.match_feature:
            raise ValueError("arch='bert' has no exact-match input feature (BERT has none): set match_feature=false")
        if self.positional == "sinusoidal":
            raise ValueError("arch='bert' uses learned absolute positions, not 'sinusoidal'")
        self.positional = "learned"


PRESETS: dict[str, dict] = {
    # tests and CPU demos: ~0.3-0.5M parameters with a 1-4k vocabulary
    "tiny": {"d_model": 64, "n_heads": 4, "n_encoder_layers": 2, "n_decoder_layers": 2, "d_ff": 256, "dropout": 0.0},
    # ~9.5M with an 8k vocabulary: a few GPU-minutes on the word-order data
    "small": {"d_model": 256, "n_heads": 4, "n_encoder_layers": 4, "n_decoder_layers": 4, "d_ff": 1024, "dropout": 0.1},
    # ~48M with an 8k vocabulary ("Transformer-base" shape)
    "base": {"d_model": 512, "n_heads": 8, "n_encoder_layers": 6, "n_decoder_layers": 6, "d_ff": 2048, "dropout": 0.1},
}


def model_config(name: str, **overrides) -> ModelConfig:
    """A named preset (tiny / small / base) with field overrides, e.g. `model_config("tiny", vocab_size=500)`."""
    if name not in PRESETS:
        raise ValueError(f"unknown model preset {name!r}; choose one of {', '.join(PRESETS)}")
    return replace(ModelConfig(), **{**PRESETS[name], **overrides})

"""The Transformer encoder, public and usable alone: token (+ segment) embeddings, positions, layers.

    from fa_nlp.models import Encoder, model_config
    enc = Encoder(model_config("tiny", vocab_size=1000, kind="encoder", n_segments=2))
    hidden, pad = enc(ids, segments)            # [B,S,D], [B,S] (True = pad)

The seq2seq model shares this encoder's token embedding with its decoder and output layer (tied);
the pointer model runs its layers over pooled word slots without positions (`encode_embedded`).
Every model keeps it under the state-dict prefix `encoder.`, so a checkpoint's encoder loads into
another model kind (`fa_nlp.training.checkpoint.load_encoder`).

`arch="bert"` makes it BERT's encoder tensor for tensor (why: a model users can load with plain
`transformers`): unscaled token + learned position + token-type embeddings (type 0 when no segments
are given), an embedding LayerNorm, post-LN layers with biases, no final LayerNorm.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from fa_nlp.models.blocks import EncoderLayer, Rotary, key_mask, sinusoidal_table
from fa_nlp.models.config import ModelConfig
from fa_nlp.models.summary import Layout, ParameterTable, encoder_layout


class Encoder(ParameterTable, nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        bert = cfg.arch == "bert"
        self.embed = nn.Embedding(cfg.vocab_size, d)
        self.emb_scale = 1.0 if bert else math.sqrt(d)
        self.emb_drop = nn.Dropout(cfg.dropout)
        self.rotary = Rotary(d // cfg.n_heads, cfg.max_len) if cfg.positional == "rope" else None
        self.pos_embed = nn.Embedding(cfg.max_len, d) if cfg.positional == "learned" else None
        if cfg.positional == "sinusoidal":
            self.register_buffer("pos_table", sinusoidal_table(cfg.max_len, d), persistent=False)
        else:
            self.pos_table = None
        n_seg = max(cfg.n_segments, 1) if bert else cfg.n_segments  # BERT always adds a token type
        self.segment_embed = nn.Embedding(n_seg, d) if n_seg > 0 else None
        self.emb_norm = nn.LayerNorm(d) if bert else None
        self.layers = nn.ModuleList(EncoderLayer(cfg) for _ in range(cfg.n_encoder_layers))
        self.norm = nn.Identity() if bert else nn.LayerNorm(d)

    def table_layout(self) -> Layout:
        """Rows of `parameter_table()` (the "encoder" model kind): embeddings, layers, norm."""
        return [("embed", "embed"), *encoder_layout(at="")]

    def init_embeddings(self) -> None:
        # Embedding std d^-1/2, scaled by sqrt(d) on input: unit-variance inputs and O(1) tied logits.
        # BERT: std 0.02 unscaled (its embedding LayerNorm sets the scale), biases zero.
        bert = self.emb_norm is not None
        nn.init.normal_(self.embed.weight, std=0.02 if bert else self.cfg.d_model**-0.5)
        if bert:
            for m in self.layers.modules():
                if isinstance(m, nn.Linear) and m.bias is not None:
                    nn.init.zeros_(m.bias)
        if self.pos_embed is not None:
            nn.init.normal_(self.pos_embed.weight, std=0.02)
        if self.segment_embed is not None:
            nn.init.normal_(self.segment_embed.weight, std=0.02)

    def embed_tokens(self, ids: Tensor, start: int = 0, segments: Tensor | None = None) -> Tensor:
        """Scaled token embeddings + absolute positions (learned / sinusoidal) + segments, then dropout."""
        x = self.embed(ids) * self.emb_scale
        t = ids.size(1)
        if start + t > self.cfg.max_len:
            raise ValueError(f"sequence length {start + t} exceeds max_len={self.cfg.max_len}")
        if self.pos_embed is not None:
            x = x + self.pos_embed(torch.arange(start, start + t, device=ids.device))
        elif self.pos_table is not None:
            x = x + self.pos_table[start : start + t].to(x.dtype)
        if self.segment_embed is not None and segments is not None:
            x = x + self.segment_embed(segments)
        elif self.emb_norm is not None:  # BERT: token type 0 when none is given
            x = x + self.segment_embed.weight[0]
        if self.emb_norm is not None:
            x = self.emb_norm(x)
        return self.emb_drop(x)

    def encode_embedded(self, x: Tensor, pad: Tensor, positions: bool = True, maps: dict | None = None) -> Tensor:
        """Run the layers over embedded inputs; `positions=False` makes the stack a bag (no RoPE)."""
        mask = key_mask(pad)
        rotary = self.rotary if positions else None
        for i, layer in enumerate(self.layers):
            x, w = layer(x, rotary, mask, need_weights=maps is not None)
            if maps is not None:
                maps[f"encoder.{i}.self"] = w
        return self.norm(x)

    def forward(self, ids: Tensor, segments: Tensor | None = None, maps: dict | None = None,
                extra: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """ids [B,S] right-padded with pad_id -> (hidden [B,S,D], pad [B,S] True = pad).
        `extra` [B,S,D] is added to the input embeddings (a head's own input features)."""
        pad = ids.eq(self.cfg.pad_id)
        x = self.embed_tokens(ids, segments=segments)
        if extra is not None:
            x = x + extra
        return self.encode_embedded(x, pad, maps=maps), pad

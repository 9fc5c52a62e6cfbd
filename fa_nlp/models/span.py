"""Encoder-only models: `SpanModel` (extractive QA) and `MaskedLM` (encoder pretraining).

Both are the public `Encoder` (token + segment embeddings, RoPE or learned positions, pre-LN
layers with SDPA attention and a GELU feed-forward, final LayerNorm) under the state-dict prefix
`encoder.`, plus one head (`fa_nlp.models.heads`). With the same ModelConfig apart from `kind`,
the two encoders have identical tensors, so an MLM run initialises a span run
(`init_from = "runs/mlm-..."`, `fa_nlp.training.checkpoint.load_encoder`).

    from fa_nlp.models import build_model, model_config
    qa = build_model(model_config("tiny", vocab_size=8000, kind="span", n_segments=2))
    start, end = qa(input_ids, token_type_ids)            # [B,S] each; position 0 ([CLS]) = no answer
    mlm = build_model(model_config("tiny", vocab_size=8000, kind="mlm", n_segments=2))
    logits = mlm(input_ids, select=masked)                # [N,V] at the masked positions only

Padding is `pad_id` in `input_ids` (the attention mask is derived from it, as everywhere here).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fa_nlp.models.blocks import init_weights
from fa_nlp.models.config import ModelConfig
from fa_nlp.models.encoder import Encoder
from fa_nlp.models.heads import MaskedLMHead, SpanHead
from fa_nlp.models.summary import Layout, ParameterTable, encoder_layout


class _EncoderOnly(ParameterTable, nn.Module):
    head: nn.Module

    def table_layout(self) -> Layout:
        """Rows of `parameter_table()`: embeddings, encoder layers, head."""
        return [(self._embed_label, "encoder.embed"),
                *encoder_layout(extras=[("match_embed", "match_embed")]), (self._head_label, "head")]

    @torch.no_grad()
    def attention_maps(self, ids: Tensor, segments: Tensor | None = None) -> dict[str, Tensor]:
        """Self-attention probabilities per layer, keys `encoder.{i}.self`, each [B,H,S,S]."""
        maps: dict[str, Tensor] = {}
        self.encoder(ids, segments, maps=maps, extra=self.input_features(ids, segments))
        return maps

    def input_features(self, ids: Tensor, segments: Tensor | None) -> Tensor | None:
        """Embedded features the head adds to the encoder's input (none by default)."""
        return None


class SpanModel(_EncoderOnly):
    _embed_label, _head_label = "embed", "span_head (start/end)"

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.head = SpanHead(cfg.d_model)
        # Not under `encoder.`: a pretrained encoder never has it, and it is never transferred.
        self.match_embed = nn.Embedding(2, cfg.d_model) if cfg.match_feature else None
        self.encoder.init_embeddings()
        init_weights(self, cfg.n_encoder_layers)
        nn.init.zeros_(self.head.proj.bias)
        if self.match_embed is not None:
            nn.init.normal_(self.match_embed.weight, std=0.02)

    def input_features(self, ids: Tensor, segments: Tensor | None) -> Tensor | None:
        if self.match_embed is None or segments is None:
            return None
        return self.match_embed(exact_match(ids, segments, self.cfg.match_min_id).long())

    def forward(self, ids: Tensor, segments: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """ids, segments [B,S] -> (start_logits, end_logits) [B,S] float32, padding at -1e4."""
        hidden, pad = self.encoder(ids, segments, extra=self.input_features(ids, segments))
        return self.head(hidden, pad)


def exact_match(ids: Tensor, segments: Tensor, min_id: int) -> Tensor:
    """bool [B,S]: the token's id also occurs in the OTHER segment of its row (ids < min_id never).

    DrQA's exact-match feature at the subword level: a small model trained from scratch on a few
    thousand questions learns "the answer is near the words the question repeats" from it at once,
    instead of first having to discover token identity through attention."""
    valid = ids >= min_id
    same = ids[:, :, None] == ids[:, None, :]
    other = segments[:, :, None] != segments[:, None, :]
    return (same & other & valid[:, None, :]).any(-1) & valid


class MaskedLM(_EncoderOnly):
    _embed_label, _head_label = "embed (tied: input + MLM output)", "mlm_head (dense, norm, bias)"

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.head = MaskedLMHead(cfg.d_model, cfg.vocab_size)
        self.encoder.init_embeddings()
        init_weights(self, cfg.n_encoder_layers)
        nn.init.zeros_(self.head.dense.bias)

    def forward(self, ids: Tensor, segments: Tensor | None = None, select: Tensor | None = None) -> Tensor:
        """ids [B,S] -> logits [B,S,V]; with `select` (bool [B,S]) only those positions: [N,V]."""
        hidden, _ = self.encoder(ids, segments)
        if select is not None:
            hidden = hidden[select]
        return self.head(hidden, self.encoder.embed.weight)

"""Encoder-decoder Transformer with a vocabulary output (the word-order "vocab" model kind).

    from fa_nlp.models import Seq2SeqTransformer, model_config
    model = Seq2SeqTransformer(model_config("tiny", vocab_size=1000))
    memory, src_pad = model.encode(src)                      # [B,S,D], [B,S] (True = pad)
    logits = model.decode(tgt_in, memory, src_pad)           # [B,T,V]
    cache = model.new_cache(batch_size=B, max_len=64)        # incremental decoding:
    step_logits = model.decode(tgt_in[:, :1], memory, src_pad, cache)  # positions continue from cache

Tied embeddings: one matrix is the encoder input, decoder input and output projection
(Press & Wolf 2017); it saves V*D*2 parameters, which matters for a small model on little data.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from fa_nlp.models.blocks import DecoderStack, KVCache, init_weights
from fa_nlp.models.config import ModelConfig
from fa_nlp.models.encoder import Encoder
from fa_nlp.models.summary import Layout, ParameterTable, encoder_layout


class Seq2SeqTransformer(ParameterTable, nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = DecoderStack(cfg)
        self.lm_head = None if cfg.tie_embeddings else nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        self.encoder.init_embeddings()
        init_weights(self, cfg.n_encoder_layers + cfg.n_decoder_layers)

    def _output(self, h: Tensor) -> Tensor:
        return F.linear(h, self.encoder.embed.weight) if self.lm_head is None else self.lm_head(h)

    def _decode(self, tgt, memory, src_pad, cache=None, maps=None) -> Tensor:
        start = cache.length if cache is not None else 0
        x = self.encoder.embed_tokens(tgt, start)
        return self._output(self.decoder(x, memory, src_pad, self.encoder.rotary, cache=cache, maps=maps))

    # -- public API -----------------------------------------------------------------------------

    def encode(self, src: Tensor) -> tuple[Tensor, Tensor]:
        """src [B,S] (right-padded with pad_id) -> memory [B,S,D], src_key_padding [B,S] (True = pad)."""
        return self.encoder(src)

    def decode(self, tgt: Tensor, memory: Tensor, src_pad: Tensor, cache: KVCache | None = None) -> Tensor:
        """Logits [B,T,V]. With a cache, `tgt` holds only the new tokens; positions continue from cache.length."""
        return self._decode(tgt, memory, src_pad, cache)

    def forward(self, src: Tensor, tgt_in: Tensor) -> Tensor:
        memory, src_pad = self.encoder(src)
        return self._decode(tgt_in, memory, src_pad)

    def new_cache(self, batch_size: int, max_len: int | None = None) -> KVCache:
        p = self.encoder.embed.weight
        return self.decoder.new_cache(batch_size, min(max_len or self.cfg.max_len, self.cfg.max_len), p.device, p.dtype)

    @torch.no_grad()
    def attention_maps(self, src: Tensor, tgt_in: Tensor) -> dict[str, Tensor]:
        """Attention probabilities per layer, keys `encoder.{i}.self`, `decoder.{i}.self`, `decoder.{i}.cross`,
        each [B,H,Tq,Tk] (before attention dropout; call .eval() first for deterministic maps)."""
        maps: dict[str, Tensor] = {}
        memory, src_pad = self.encoder(src, maps=maps)
        self._decode(tgt_in, memory, src_pad, maps=maps)
        return maps

    def table_layout(self) -> Layout:
        """Rows of `parameter_table()`: embedding, each layer, norms, head."""
        tied = self.lm_head is None
        return [("embed (tied: enc+dec input, output)" if tied else "embed", "encoder.embed"), *encoder_layout(),
                ("decoder.{i}", "decoder.layers.{i}"), ("decoder_norm", "decoder.norm"), ("lm_head", "lm_head")]

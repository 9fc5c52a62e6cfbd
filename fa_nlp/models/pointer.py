"""Pointer decoder over source words (the word-order "pointer" model kind).

Why: a vocabulary decoder spends its budget learning to copy tokens before it learns order; a
pointer model only chooses which source word comes next, so every output is a permutation and all
capacity goes into ordering. Each source word is a slot: its pieces, embedded and gated by their
within-word position (an added position alone cancels out of a mean), pooled into one vector; slot 0
is a learned BOS/EOS. The encoder sees the slots without positions (the source is a bag, so
permuting source words permutes the memory); the causal decoder (RoPE over output positions) reads
the encoded slot chosen at the previous step and scores every slot:
`logits[b,t,j] = <Wq h_t, Wk m_j> / sqrt(d)`, padding slots at -inf.

    model = PointerNetwork(model_config("tiny", vocab_size=1000, kind="pointer"))
    memory, slot_pad = model.encode((pieces, word_index))     # [B,W+1,D], [B,W+1] (True = pad)
    logits = model.decode(tgt_in, memory, slot_pad)            # [B,T,W+1], index 0 = EOS

`word_index` gives each piece its slot 1..W (0 = padding); a word's pieces must be contiguous.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from fa_nlp.models.blocks import DecoderStack, KVCache, Rotary, init_weights
from fa_nlp.models.config import ModelConfig
from fa_nlp.models.encoder import Encoder
from fa_nlp.models.summary import Layout, ParameterTable, encoder_layout


def within_word_positions(word_index: Tensor, max_pieces: int) -> Tensor:
    """Position of each piece inside its word (contiguous runs of one word_index), capped at max_pieces-1."""
    idx = torch.arange(word_index.size(1), device=word_index.device).expand_as(word_index)
    first = torch.ones_like(word_index, dtype=torch.bool)
    first[:, 1:] = word_index[:, 1:] != word_index[:, :-1]
    run_start = torch.where(first, idx, torch.zeros_like(idx)).cummax(dim=1).values
    return (idx - run_start).clamp(max=max_pieces - 1)


def segment_softmax(scores: Tensor, seg: Tensor, n_seg: int) -> Tensor:
    """Softmax of scores [B,S] within each segment seg [B,S] (values 0..n_seg-1)."""
    peak = scores.new_full((scores.size(0), n_seg), float("-inf")).scatter_reduce(1, seg, scores, "amax")
    e = (scores - peak.gather(1, seg)).exp()
    return e / e.new_zeros(peak.shape).scatter_add(1, seg, e).gather(1, seg)


class PointerNetwork(ParameterTable, nn.Module):
    bos_index = 0  # decoder input at step 0: the BOS/EOS slot
    eos_index = 0  # choosing slot 0 ends the output
    normalize_after_mask = True  # training normalises over unused slots: search renormalises too

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        if cfg.positional != "rope":
            raise ValueError("the pointer model uses RoPE over output positions (positional='rope')")
        self.cfg = cfg
        d = cfg.d_model
        self.encoder = Encoder(cfg)
        self.piece_pos = nn.Embedding(cfg.max_word_pieces, d)
        self.piece_gate = nn.Embedding(cfg.max_word_pieces, d)  # x*(1+gate): pooling keeps piece order
        self.pool_query = nn.Parameter(torch.zeros(d)) if cfg.pooling == "attention" else None
        self.boundary = nn.Parameter(torch.randn(d))
        self.decoder = DecoderStack(cfg)
        self.query = nn.Linear(d, d, bias=False)
        self.key = nn.Linear(d, d, bias=False)
        self.encoder.init_embeddings()
        nn.init.normal_(self.piece_pos.weight, std=d**-0.5)
        nn.init.zeros_(self.piece_gate.weight)
        init_weights(self, cfg.n_encoder_layers + cfg.n_decoder_layers)

    @property
    def rotary(self) -> Rotary:
        return self.encoder.rotary

    # -- slots ----------------------------------------------------------------------------------

    def _pool(self, pieces: Tensor, word_index: Tensor) -> tuple[Tensor, Tensor]:
        """pieces, word_index [B,S] -> slot vectors [B,W+1,D] (slot 0 = boundary), slot_pad [B,W+1]."""
        enc = self.encoder
        pos = within_word_positions(word_index, self.cfg.max_word_pieces)
        x = enc.embed(pieces) * (1 + self.piece_gate(pos)) + self.piece_pos(pos)
        x = enc.emb_drop(x * enc.emb_scale)
        b = pieces.size(0)
        n_slots = int(word_index.max()) + 1 if word_index.numel() else 1
        if self.pool_query is None:
            w = torch.ones_like(word_index, dtype=x.dtype)
            w = w / w.new_zeros(b, n_slots).scatter_add(1, word_index, w).gather(1, word_index)
        else:
            w = segment_softmax((x @ self.pool_query) / math.sqrt(x.size(-1)), word_index, n_slots)
        idx = word_index[..., None].expand_as(x)
        slots = x.new_zeros(b, n_slots, x.size(-1)).scatter_add(1, idx, x * w[..., None])
        count = torch.zeros(b, n_slots, dtype=torch.long, device=pieces.device).scatter_add(
            1, word_index, torch.ones_like(word_index))
        slot_pad = count.eq(0)
        slot_pad[:, 0] = False
        slots = torch.cat([self.boundary.to(x.dtype).expand(b, 1, -1), slots[:, 1:]], dim=1)
        return slots, slot_pad

    def _decode(self, tgt: Tensor, memory: Tensor, slot_pad: Tensor, cache=None, maps=None) -> Tensor:
        x = memory.gather(1, tgt[..., None].expand(-1, -1, memory.size(-1)))
        h = self.decoder(x, memory, slot_pad, self.rotary, cache=cache, maps=maps)
        logits = self.query(h) @ self.key(memory).transpose(1, 2) / math.sqrt(h.size(-1))
        return logits.masked_fill(slot_pad[:, None, :], float("-inf"))

    # -- public API -----------------------------------------------------------------------------

    def encode(self, src: tuple[Tensor, Tensor], maps: dict | None = None) -> tuple[Tensor, Tensor]:
        """src = (pieces [B,S], word_index [B,S]) -> memory [B,W+1,D], slot_pad [B,W+1] (True = pad)."""
        slots, slot_pad = self._pool(*src)
        return self.encoder.encode_embedded(slots, slot_pad, positions=False, maps=maps), slot_pad

    def decode(self, tgt: Tensor, memory: Tensor, slot_pad: Tensor, cache: KVCache | None = None) -> Tensor:
        """tgt [B,T] slot indices (inputs) -> pointer logits [B,T,W+1]. With a cache, `tgt` holds only the
        new steps and positions continue from cache.length; inputs are gathered from `memory`."""
        return self._decode(tgt, memory, slot_pad, cache)

    def forward(self, src: tuple[Tensor, Tensor], tgt_in: Tensor) -> Tensor:
        memory, slot_pad = self.encode(src)
        return self._decode(tgt_in, memory, slot_pad)

    def new_cache(self, batch_size: int, max_len: int | None = None) -> KVCache:
        p = self.boundary
        return self.decoder.new_cache(batch_size, min(max_len or self.cfg.max_len, self.cfg.max_len), p.device, p.dtype)

    @torch.no_grad()
    def attention_maps(self, src: tuple[Tensor, Tensor], tgt_in: Tensor) -> dict[str, Tensor]:
        """Attention probabilities per layer (`encoder.{i}.self`, `decoder.{i}.self|cross`), [B,H,Tq,Tk]."""
        maps: dict[str, Tensor] = {}
        memory, slot_pad = self.encode(src, maps=maps)
        self._decode(tgt_in, memory, slot_pad, maps=maps)
        return maps

    def table_layout(self) -> Layout:
        """Rows of `parameter_table()`: slot embeddings, encoder, decoder, pointer."""
        return [("embed", "encoder.embed"), ("piece_pos, piece_gate", ("piece_pos", "piece_gate")),
                ("boundary (BOS/EOS slot)", "boundary"), ("pool_query", "pool_query"), *encoder_layout(),
                ("decoder.{i}", "decoder.layers.{i}"), ("decoder_norm", "decoder.norm"),
                ("pointer (query, key)", ("query", "key"))]

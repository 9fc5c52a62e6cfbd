"""A from-scratch encoder-decoder Transformer for seq2seq (word order, later QA); imports only torch.

    from fa_nlp.model import Seq2SeqTransformer, model_config
    model = Seq2SeqTransformer(model_config("tiny", vocab_size=1000))
    memory, src_pad = model.encode(src)                      # [B,S,D], [B,S] (True = pad)
    logits = model.decode(tgt_in, memory, src_pad)           # [B,T,V]
    cache = model.new_cache(batch_size=B, max_len=64)        # incremental decoding:
    step_logits = model.decode(tgt_in[:, :1], memory, src_pad, cache)  # positions continue from cache

Design (why):
- Pre-LayerNorm blocks (+ a final LayerNorm per stack): stable without careful warmup tuning.
- Attention through `F.scaled_dot_product_attention`, so GPUs use fused flash / memory-efficient
  kernels; masks are boolean "True = may attend". Decoder self-attention uses `is_causal=True` and
  NO padding mask: targets are right-padded, so a real position never sees a later pad, and the
  flash kernel stays usable. Encoder self- and cross-attention mask padded source keys.
- Positions: rotary embeddings (RoPE, default) in the self-attention of both stacks, nothing in
  cross-attention. RoPE is relative (attention depends on distance, not absolute index), adds no
  parameters, extends past the training lengths more gracefully than a learned table, and composes
  with the KV cache by rotating new keys at their absolute offset. For word order the *source* is a
  shuffled bag of words, so cross-attention must not carry source positions anyway. "learned" and
  "sinusoidal" (added to the embeddings) are kept for comparison.
- Tied embeddings: one matrix is the encoder input, decoder input and output projection
  (Press & Wolf 2017); it saves V*D*2 parameters, which matters for a small model on little data.
- Attention weights: SDPA does not return them, so `attention_maps` recomputes softmax(QK^T) explicitly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import Tensor, nn


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

    def __post_init__(self) -> None:
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} is not divisible by n_heads={self.n_heads}")
        if (self.d_model // self.n_heads) % 2 and self.positional == "rope":
            raise ValueError("rope needs an even head dimension")
        if self.positional not in ("rope", "learned", "sinusoidal"):
            raise ValueError(f"positional must be rope|learned|sinusoidal, got {self.positional!r}")


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


# ---------------------------------------------------------------------------------------------
# positions


class Rotary(nn.Module):
    """cos/sin tables for rotary embeddings; `rotate(x, start)` rotates x [B,H,T,Dh] at positions start.."""

    def __init__(self, head_dim: int, max_len: int, base: float = 10000.0):
        super().__init__()
        inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        ang = torch.outer(torch.arange(max_len, dtype=torch.float32), inv)  # [L, Dh/2]
        self.register_buffer("cos", ang.cos(), persistent=False)
        self.register_buffer("sin", ang.sin(), persistent=False)

    def rotate(self, x: Tensor, start: int = 0) -> Tensor:
        t = x.size(-2)
        if start + t > self.cos.size(0):
            raise ValueError(f"sequence position {start + t} exceeds max_len={self.cos.size(0)}")
        cos = self.cos[start : start + t].to(x.dtype)
        sin = self.sin[start : start + t].to(x.dtype)
        x1, x2 = x[..., 0::2], x[..., 1::2]
        return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


def sinusoidal_table(max_len: int, d_model: int) -> Tensor:
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    table = torch.zeros(max_len, d_model)
    table[:, 0::2] = torch.sin(pos * div)
    table[:, 1::2] = torch.cos(pos * div[: d_model // 2])
    return table


# ---------------------------------------------------------------------------------------------
# attention


def attend(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, is_causal: bool, dropout_p: float,
           need_weights: bool = False) -> tuple[Tensor, Tensor | None]:
    """softmax(QK^T/sqrt(Dh) + mask) V; mask is bool, True = may attend, broadcastable to [B,H,Tq,Tk].

    The fused SDPA path is used unless the weights are asked for, in which case the same math is
    done explicitly (SDPA never returns them).
    """
    if not need_weights:
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p, is_causal=is_causal)
        return out, None
    scores = (q @ k.transpose(-2, -1)) * (q.size(-1) ** -0.5)
    if is_causal:
        tq, tk = scores.shape[-2:]
        scores = scores.masked_fill(~torch.ones(tq, tk, dtype=torch.bool, device=q.device).tril(), float("-inf"))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.float().softmax(-1).to(q.dtype)
    return F.dropout(weights, dropout_p) @ v, weights


class LayerCache:
    """One decoder layer's cache: preallocated self-attention K/V [B,H,max_len,Dh] and cross K/V."""

    def __init__(self, k: Tensor, v: Tensor):
        self.k, self.v = k, v
        self.cross_k: Tensor | None = None
        self.cross_v: Tensor | None = None


class KVCache:
    """Decoder state for incremental decoding; all rows advance together (`length` is shared).

    `reorder(indices)` selects batch rows (beam search keeps the surviving hypotheses' histories).
    """

    def __init__(self, n_layers: int, batch_size: int, n_heads: int, head_dim: int, max_len: int,
                 device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32):
        shape = (batch_size, n_heads, max_len, head_dim)
        self.layers = [LayerCache(torch.zeros(shape, device=device, dtype=dtype),
                                  torch.zeros(shape, device=device, dtype=dtype)) for _ in range(n_layers)]
        self.length = 0
        self.max_len = max_len
        self.batch_size = batch_size

    def reorder(self, indices: Tensor) -> None:
        for layer in self.layers:
            layer.k = layer.k.index_select(0, indices)
            layer.v = layer.v.index_select(0, indices)
            if layer.cross_k is not None:
                layer.cross_k = layer.cross_k.index_select(0, indices)
                layer.cross_v = layer.cross_v.index_select(0, indices)
        self.batch_size = int(indices.numel())


class SelfAttention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.n_heads, self.dropout = cfg.n_heads, cfg.dropout
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x: Tensor, rotary: Rotary | None, mask: Tensor | None = None, causal: bool = False,
                cache: LayerCache | None = None, start: int = 0, need_weights: bool = False):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        if rotary is not None:
            q, k = rotary.rotate(q, start), rotary.rotate(k, start)
        if cache is not None:
            if start + t > cache.k.size(2):
                raise ValueError(f"KV cache full: {start + t} > max_len={cache.k.size(2)}")
            cache.k[:, :, start : start + t] = k
            cache.v[:, :, start : start + t] = v
            k, v = cache.k[:, :, : start + t], cache.v[:, :, : start + t]
            if causal and t > 1:  # new queries see the whole history plus their own prefix
                mask = torch.ones(t, start + t, dtype=torch.bool, device=x.device).tril(diagonal=start)
            causal = False  # a single new query may see every cached key
        p = self.dropout if self.training else 0.0
        out, w = attend(q, k, v, mask, causal, p, need_weights)
        return self.proj(out.transpose(1, 2).reshape(b, t, d)), w


class CrossAttention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.n_heads, self.dropout = cfg.n_heads, cfg.dropout
        self.q = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        self.kv = nn.Linear(cfg.d_model, 2 * cfg.d_model, bias=False)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x: Tensor, memory: Tensor, mask: Tensor | None, cache: LayerCache | None = None,
                need_weights: bool = False):
        b, t, d = x.shape
        h, dh = self.n_heads, d // self.n_heads
        q = self.q(x).view(b, t, h, dh).transpose(1, 2)
        if cache is not None and cache.cross_k is not None:
            k, v = cache.cross_k, cache.cross_v
        else:
            s = memory.size(1)
            k, v = self.kv(memory).view(b, s, 2, h, dh).permute(2, 0, 3, 1, 4)
            if cache is not None:
                cache.cross_k, cache.cross_v = k, v
        p = self.dropout if self.training else 0.0
        out, w = attend(q, k, v, mask, False, p, need_weights)
        return self.proj(out.transpose(1, 2).reshape(b, t, d)), w


class FeedForward(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.up = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.down = nn.Linear(cfg.d_ff, cfg.d_model, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.down(F.gelu(self.up(x)))


class EncoderLayer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(cfg.d_model), SelfAttention(cfg)
        self.norm2, self.ff = nn.LayerNorm(cfg.d_model), FeedForward(cfg)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, rotary, mask, need_weights=False):
        a, w = self.attn(self.norm1(x), rotary, mask=mask, need_weights=need_weights)
        x = x + self.drop(a)
        x = x + self.drop(self.ff(self.norm2(x)))
        return x, w


class DecoderLayer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.norm1, self.self_attn = nn.LayerNorm(cfg.d_model), SelfAttention(cfg)
        self.norm2, self.cross_attn = nn.LayerNorm(cfg.d_model), CrossAttention(cfg)
        self.norm3, self.ff = nn.LayerNorm(cfg.d_model), FeedForward(cfg)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, memory, cross_mask, rotary, cache=None, start=0, need_weights=False):
        a, ws = self.self_attn(self.norm1(x), rotary, causal=True, cache=cache, start=start, need_weights=need_weights)
        x = x + self.drop(a)
        c, wc = self.cross_attn(self.norm2(x), memory, cross_mask, cache=cache, need_weights=need_weights)
        x = x + self.drop(c)
        x = x + self.drop(self.ff(self.norm3(x)))
        return x, ws, wc


# ---------------------------------------------------------------------------------------------
# the model


class Seq2SeqTransformer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.embed = nn.Embedding(cfg.vocab_size, d)
        self.emb_scale = math.sqrt(d)
        self.emb_drop = nn.Dropout(cfg.dropout)
        self.rotary = Rotary(d // cfg.n_heads, cfg.max_len) if cfg.positional == "rope" else None
        self.pos_embed = nn.Embedding(cfg.max_len, d) if cfg.positional == "learned" else None
        if cfg.positional == "sinusoidal":
            self.register_buffer("pos_table", sinusoidal_table(cfg.max_len, d), persistent=False)
        else:
            self.pos_table = None
        self.encoder = nn.ModuleList(EncoderLayer(cfg) for _ in range(cfg.n_encoder_layers))
        self.encoder_norm = nn.LayerNorm(d)
        self.decoder = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.n_decoder_layers))
        self.decoder_norm = nn.LayerNorm(d)
        self.lm_head = None if cfg.tie_embeddings else nn.Linear(d, cfg.vocab_size, bias=False)
        self._init_weights()

    def _init_weights(self) -> None:
        # Embedding std d^-1/2, scaled by sqrt(d) on input: unit-variance inputs and O(1) tied logits.
        nn.init.normal_(self.embed.weight, std=self.cfg.d_model**-0.5)
        if self.pos_embed is not None:
            nn.init.normal_(self.pos_embed.weight, std=0.02)
        depth = self.cfg.n_encoder_layers + self.cfg.n_decoder_layers
        for name, p in self.named_parameters():
            if p.dim() == 2 and not name.startswith(("embed", "pos_embed")):
                std = 0.02 / math.sqrt(2 * depth) if name.endswith(("proj.weight", "down.weight")) else 0.02
                nn.init.normal_(p, std=std)

    # -- pieces ---------------------------------------------------------------------------------

    def _embed(self, ids: Tensor, start: int = 0) -> Tensor:
        x = self.embed(ids) * self.emb_scale
        t = ids.size(1)
        if start + t > self.cfg.max_len:
            raise ValueError(f"sequence length {start + t} exceeds max_len={self.cfg.max_len}")
        if self.pos_embed is not None:
            x = x + self.pos_embed(torch.arange(start, start + t, device=ids.device))
        elif self.pos_table is not None:
            x = x + self.pos_table[start : start + t].to(x.dtype)
        return self.emb_drop(x)

    @staticmethod
    def _key_mask(src_pad: Tensor) -> Tensor:
        """[B,1,1,S] True = may attend; an all-pad row keeps its keys so softmax never sees only -inf."""
        keep = ~src_pad
        keep = keep | ~keep.any(-1, keepdim=True)
        return keep[:, None, None, :]

    def _output(self, h: Tensor) -> Tensor:
        h = self.decoder_norm(h)
        return F.linear(h, self.embed.weight) if self.lm_head is None else self.lm_head(h)

    def _encode(self, src: Tensor, maps: dict | None = None) -> tuple[Tensor, Tensor]:
        src_pad = src.eq(self.cfg.pad_id)
        mask = self._key_mask(src_pad)
        x = self._embed(src)
        for i, layer in enumerate(self.encoder):
            x, w = layer(x, self.rotary, mask, need_weights=maps is not None)
            if maps is not None:
                maps[f"encoder.{i}.self"] = w
        return self.encoder_norm(x), src_pad

    def _decode(self, tgt, memory, src_pad, cache=None, maps=None) -> Tensor:
        start = cache.length if cache is not None else 0
        if cache is not None and tgt.size(0) != cache.batch_size:
            raise ValueError(f"batch size {tgt.size(0)} != cache batch size {cache.batch_size}")
        mask = self._key_mask(src_pad)
        x = self._embed(tgt, start)
        for i, layer in enumerate(self.decoder):
            lc = cache.layers[i] if cache is not None else None
            x, ws, wc = layer(x, memory, mask, self.rotary, cache=lc, start=start, need_weights=maps is not None)
            if maps is not None:
                maps[f"decoder.{i}.self"], maps[f"decoder.{i}.cross"] = ws, wc
        if cache is not None:
            cache.length = start + tgt.size(1)
        return self._output(x)

    # -- public API -----------------------------------------------------------------------------

    def encode(self, src: Tensor) -> tuple[Tensor, Tensor]:
        """src [B,S] (right-padded with pad_id) -> memory [B,S,D], src_key_padding [B,S] (True = pad)."""
        return self._encode(src)

    def decode(self, tgt: Tensor, memory: Tensor, src_pad: Tensor, cache: KVCache | None = None) -> Tensor:
        """Logits [B,T,V]. With a cache, `tgt` holds only the new tokens; positions continue from cache.length."""
        return self._decode(tgt, memory, src_pad, cache)

    def forward(self, src: Tensor, tgt_in: Tensor) -> Tensor:
        memory, src_pad = self._encode(src)
        return self._decode(tgt_in, memory, src_pad)

    def new_cache(self, batch_size: int, max_len: int | None = None) -> KVCache:
        p = self.embed.weight
        max_len = min(max_len or self.cfg.max_len, self.cfg.max_len)
        return KVCache(self.cfg.n_decoder_layers, batch_size, self.cfg.n_heads, self.cfg.d_model // self.cfg.n_heads,
                       max_len, device=p.device, dtype=p.dtype)

    @torch.no_grad()
    def attention_maps(self, src: Tensor, tgt_in: Tensor) -> dict[str, Tensor]:
        """Attention probabilities per layer, keys `encoder.{i}.self`, `decoder.{i}.self`, `decoder.{i}.cross`,
        each [B,H,Tq,Tk] (before attention dropout; call .eval() first for deterministic maps)."""
        maps: dict[str, Tensor] = {}
        memory, src_pad = self._encode(src, maps)
        self._decode(tgt_in, memory, src_pad, maps=maps)
        return maps

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())  # tied weights are counted once

    def parameter_table(self) -> list[tuple[str, int]]:
        """(module, #params) rows that sum to num_parameters(): embedding, each layer, norms, head."""
        rows = [("embed (tied: enc+dec input, output)" if self.lm_head is None else "embed", self.embed.weight.numel())]
        if self.pos_embed is not None:
            rows.append(("pos_embed", self.pos_embed.weight.numel()))
        for prefix, stack in (("encoder", self.encoder), ("decoder", self.decoder)):
            for i, layer in enumerate(stack):
                rows.append((f"{prefix}.{i}", sum(p.numel() for p in layer.parameters())))
            norm = self.encoder_norm if prefix == "encoder" else self.decoder_norm
            rows.append((f"{prefix}_norm", sum(p.numel() for p in norm.parameters())))
        if self.lm_head is not None:
            rows.append(("lm_head", self.lm_head.weight.numel()))
        return rows

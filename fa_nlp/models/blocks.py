"""The building blocks every model kind shares, written once; imports only torch.

- Attention through `F.scaled_dot_product_attention`, so GPUs use fused flash / memory-efficient
  kernels; masks are boolean "True = may attend". Causal self-attention uses `is_causal=True` and
  no padding mask (targets are right-padded, so a real position never sees a later pad).
- Positions: rotary embeddings (RoPE) in self-attention, nothing in cross-attention. RoPE is
  relative, adds no parameters and composes with the KV cache by rotating new keys at their
  absolute offset. A stack given `rotary=None` is position-free (a bag: the pointer's encoder).
- Pre-LayerNorm layers; each stack ends with its own LayerNorm. `arch="bert"` encoder layers are
  BERT's instead: post-LayerNorm, biases on every linear map (see `ModelConfig.arch`).
- Attention weights: SDPA does not return them, so `attend(need_weights=True)` recomputes them.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from fa_nlp.models.config import ModelConfig

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
        bias = cfg.arch == "bert"
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=bias)  # rows: q, k, v; each head-major
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=bias)

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
        bias = cfg.arch == "bert"
        self.up = nn.Linear(cfg.d_model, cfg.d_ff, bias=bias)
        self.down = nn.Linear(cfg.d_ff, cfg.d_model, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        return self.down(F.gelu(self.up(x)))


class EncoderLayer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(cfg.d_model), SelfAttention(cfg)
        self.norm2, self.ff = nn.LayerNorm(cfg.d_model), FeedForward(cfg)
        self.drop = nn.Dropout(cfg.dropout)
        self.post_ln = cfg.arch == "bert"  # BERT: x = LN(x + sublayer(x)); else x + sublayer(LN(x))

    def forward(self, x, rotary, mask, need_weights=False):
        if self.post_ln:
            a, w = self.attn(x, rotary, mask=mask, need_weights=need_weights)
            x = self.norm1(x + self.drop(a))
            return self.norm2(x + self.drop(self.ff(x))), w
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
# stacks


def key_mask(pad: Tensor) -> Tensor:
    """[B,1,1,S] True = may attend; an all-pad row keeps its keys so softmax never sees only -inf."""
    keep = ~pad
    keep = keep | ~keep.any(-1, keepdim=True)
    return keep[:, None, None, :]


class DecoderStack(nn.Module):
    """Causal decoder layers with cross-attention + final norm; continues from `cache.length`."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.n_decoder_layers))
        self.norm = nn.LayerNorm(cfg.d_model)

    def forward(self, x: Tensor, memory: Tensor, memory_pad: Tensor, rotary: Rotary | None,
                cache: KVCache | None = None, maps: dict | None = None) -> Tensor:
        start = cache.length if cache is not None else 0
        if cache is not None and x.size(0) != cache.batch_size:
            raise ValueError(f"batch size {x.size(0)} != cache batch size {cache.batch_size}")
        mask = key_mask(memory_pad)
        for i, layer in enumerate(self.layers):
            lc = cache.layers[i] if cache is not None else None
            x, ws, wc = layer(x, memory, mask, rotary, cache=lc, start=start, need_weights=maps is not None)
            if maps is not None:
                maps[f"decoder.{i}.self"], maps[f"decoder.{i}.cross"] = ws, wc
        if cache is not None:
            cache.length = start + x.size(1)
        return self.norm(x)

    def new_cache(self, batch_size: int, max_len: int, device, dtype) -> KVCache:
        first = self.layers[0].self_attn
        return KVCache(len(self.layers), batch_size, first.n_heads, first.qkv.in_features // first.n_heads,
                       max_len, device=device, dtype=dtype)


def embedding_parameters(model: nn.Module) -> set[int]:
    """ids of the parameters of every nn.Embedding in `model` (no weight decay, own init)."""
    return {id(p) for m in model.modules() if isinstance(m, nn.Embedding) for p in m.parameters()}


def init_weights(model: nn.Module, depth: int) -> None:
    """N(0, 0.02) matrices, residual projections scaled by 1/sqrt(2*depth) (GPT-2); embeddings skipped."""
    skip = embedding_parameters(model)
    for name, p in model.named_parameters():
        if p.dim() == 2 and id(p) not in skip:
            std = 0.02 / math.sqrt(2 * depth) if name.endswith(("proj.weight", "down.weight")) else 0.02
            nn.init.normal_(p, std=std)

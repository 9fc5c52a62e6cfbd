"""fa_nlp's encoder-decoder with a vocabulary output (the word-order "vocab" model kind) for
`transformers` with trust_remote_code: pre-LN layers, RoPE (or learned / sinusoidal positions),
embedding tied to the output layer unless the run untied it.

Self-contained (torch + transformers; no fa_nlp import): this file is copied into an exported folder.
Tensor names are fa_nlp's own, so the checkpoint's state dict loads unchanged. `generate_greedy` is
fa_nlp's unconstrained greedy decode (`fa-nlp evaluate`'s free greedy mode).

    from transformers import AutoModel, AutoTokenizer
    tok = AutoTokenizer.from_pretrained(DIR, trust_remote_code=True)
    model = AutoModel.from_pretrained(DIR, trust_remote_code=True)
    model.order_words(["رفتم خانه به من ."], tok)
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PretrainedConfig, PreTrainedModel


class FaSeq2SeqConfig(PretrainedConfig):
    model_type = "fa_nlp_seq2seq"

    def __init__(self, vocab_size=8000, d_model=512, n_heads=8, n_encoder_layers=6, n_decoder_layers=6, d_ff=2048,
                 max_len=256, pad_id=0, bos_id=2, eos_id=3, positional="rope", tie_embeddings=True, n_segments=0,
                 **kwargs):
        self.vocab_size, self.d_model, self.n_heads, self.d_ff = vocab_size, d_model, n_heads, d_ff
        self.n_encoder_layers, self.n_decoder_layers, self.max_len = n_encoder_layers, n_decoder_layers, max_len
        self.pad_id, self.bos_id, self.eos_id = pad_id, bos_id, eos_id
        self.positional, self.tie_embeddings, self.n_segments = positional, tie_embeddings, n_segments
        kwargs.setdefault("tie_word_embeddings", False)  # the output layer reads the embedding directly
        super().__init__(pad_token_id=pad_id, bos_token_id=bos_id, eos_token_id=eos_id, **kwargs)


def rotate(x, start: int = 0, base: float = 10000.0):
    hd, t = x.size(-1), x.size(-2)
    inv = 1.0 / (base ** (torch.arange(0, hd, 2, dtype=torch.float32, device=x.device) / hd))
    ang = torch.outer(torch.arange(start, start + t, dtype=torch.float32, device=x.device), inv)
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


class SelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_heads = cfg.n_heads
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x, mask=None, causal=False, rope=False):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        if rope:  # rotary positions 0..T-1 (no cache: the whole prefix is recomputed)
            q, k = rotate(q), rotate(k)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
        return self.proj(out.transpose(1, 2).reshape(b, t, d))


class CrossAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_heads = cfg.n_heads
        self.q = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        self.kv = nn.Linear(cfg.d_model, 2 * cfg.d_model, bias=False)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x, memory, mask):
        b, t, d = x.shape
        h, s = self.n_heads, memory.size(1)
        q = self.q(x).view(b, t, h, d // h).transpose(1, 2)
        k, v = self.kv(memory).view(b, s, 2, h, d // h).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.proj(out.transpose(1, 2).reshape(b, t, d))


class FeedForward(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.up = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.down = nn.Linear(cfg.d_ff, cfg.d_model, bias=False)

    def forward(self, x):
        return self.down(F.gelu(self.up(x)))


class EncoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(cfg.d_model), SelfAttention(cfg)
        self.norm2, self.ff = nn.LayerNorm(cfg.d_model), FeedForward(cfg)
        self.rope = cfg.positional == "rope"

    def forward(self, x, mask):
        x = x + self.attn(self.norm1(x), mask=mask, rope=self.rope)
        return x + self.ff(self.norm2(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.norm1, self.self_attn = nn.LayerNorm(cfg.d_model), SelfAttention(cfg)
        self.norm2, self.cross_attn = nn.LayerNorm(cfg.d_model), CrossAttention(cfg)
        self.norm3, self.ff = nn.LayerNorm(cfg.d_model), FeedForward(cfg)
        self.rope = cfg.positional == "rope"

    def forward(self, x, memory, mask):
        x = x + self.self_attn(self.norm1(x), causal=True, rope=self.rope)
        x = x + self.cross_attn(self.norm2(x), memory, mask)
        return x + self.ff(self.norm3(x))


class Stack(nn.Module):
    def __init__(self, cfg, layer, n):
        super().__init__()
        self.layers = nn.ModuleList(layer(cfg) for _ in range(n))
        self.norm = nn.LayerNorm(cfg.d_model)


def key_mask(pad):
    keep = ~pad
    keep = keep | ~keep.any(-1, keepdim=True)
    return keep[:, None, None, :]


def sinusoidal(t: int, d: int, device):
    pos = torch.arange(t, dtype=torch.float32, device=device)[:, None]
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32, device=device) * (-math.log(10000.0) / d))
    table = torch.zeros(t, d, device=device)
    table[:, 0::2] = torch.sin(pos * div)
    table[:, 1::2] = torch.cos(pos * div[: d // 2])
    return table


class FaSeq2SeqModel(PreTrainedModel):
    config_class = FaSeq2SeqConfig
    base_model_prefix = "seq2seq"

    def __init__(self, config):
        super().__init__(config)
        d = config.d_model
        self.encoder = Stack(config, EncoderLayer, config.n_encoder_layers)
        self.encoder.embed = nn.Embedding(config.vocab_size, d)
        if config.positional == "learned":
            self.encoder.pos_embed = nn.Embedding(config.max_len, d)
        if config.n_segments > 0:
            self.encoder.segment_embed = nn.Embedding(config.n_segments, d)  # unused: no segments here
        self.decoder = Stack(config, DecoderLayer, config.n_decoder_layers)
        self.lm_head = None if config.tie_embeddings else nn.Linear(d, config.vocab_size, bias=False)
        self.post_init()

    def _init_weights(self, module):
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def embed(self, ids):
        """Scaled token embeddings + absolute positions (learned / sinusoidal; RoPE is in attention)."""
        t = ids.size(1)
        if t > self.config.max_len:
            raise ValueError(f"sequence length {t} exceeds max_len={self.config.max_len}")
        x = self.encoder.embed(ids) * math.sqrt(self.config.d_model)
        if self.config.positional == "learned":
            x = x + self.encoder.pos_embed(torch.arange(t, device=ids.device))
        elif self.config.positional == "sinusoidal":
            x = x + sinusoidal(t, self.config.d_model, ids.device).to(x.dtype)
        return x

    def encode(self, input_ids):
        """Source ids [B,S] (pieces + EOS, right-padded) -> memory [B,S,D], pad [B,S] (True = pad)."""
        pad = input_ids.eq(self.config.pad_id)
        x, mask = self.embed(input_ids), key_mask(pad)
        for layer in self.encoder.layers:
            x = layer(x, mask)
        return self.encoder.norm(x), pad

    def decode(self, decoder_input_ids, memory, pad):
        """Target ids so far [B,T] (BOS first) -> logits [B,T,V]."""
        x, mask = self.embed(decoder_input_ids), key_mask(pad)
        for layer in self.decoder.layers:
            x = layer(x, memory, mask)
        h = self.decoder.norm(x)
        return F.linear(h, self.encoder.embed.weight) if self.lm_head is None else self.lm_head(h)

    def forward(self, input_ids, decoder_input_ids, **kwargs):
        return self.decode(decoder_input_ids, *self.encode(input_ids))

    @torch.no_grad()
    def generate_greedy(self, input_ids, max_new_tokens=None):
        """Greedy ids per row (no BOS/EOS); budget: 1.2 x longest source + 10, capped at max_len."""
        memory, pad = self.encode(input_ids)
        if max_new_tokens is None:
            longest = int((~pad).sum(1).max()) if pad.numel() else 0
            max_new_tokens = max(1, min(self.config.max_len, int(longest * 1.2) + 10))
        b = input_ids.size(0)
        seq = torch.full((b, 1), self.config.bos_id, dtype=torch.long, device=input_ids.device)
        out, done = [[] for _ in range(b)], [False] * b
        for _ in range(max_new_tokens):
            toks = self.decode(seq, memory, pad)[:, -1].float().argmax(-1).tolist()
            for i, t in enumerate(toks):
                if done[i]:
                    continue
                if t == self.config.eos_id:
                    done[i] = True
                else:
                    out[i].append(t)
            if all(done):
                break
            nxt = [self.config.pad_id if d else t for d, t in zip(done, toks)]
            seq = torch.cat([seq, torch.tensor(nxt, device=seq.device)[:, None]], dim=1)
        return out

    def order_words(self, sentences, tokenizer):
        """Unconstrained greedy output text of each sentence (fa_nlp's source: pieces + EOS)."""
        rows = [tokenizer(s)["input_ids"][: self.config.max_len] for s in sentences]
        ids = torch.full((len(rows), max(map(len, rows))), self.config.pad_id, dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        return [tokenizer.decode(o, skip_special_tokens=True) for o in self.generate_greedy(ids.to(self.device))]

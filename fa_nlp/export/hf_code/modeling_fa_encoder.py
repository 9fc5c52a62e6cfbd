"""fa_nlp's encoder (RoPE or learned/sinusoidal positions, pre-LN, bias-free SDPA attention, GELU,
final LayerNorm) with its span (QA) or masked-LM head, for `transformers` with trust_remote_code.

Self-contained (torch + transformers; no fa_nlp import): this file is copied into an exported folder.
Tensor names are fa_nlp's own (`encoder.layers.0.attn.qkv.weight`, `head.proj.weight`...), so the
checkpoint's state dict loads unchanged.

    from transformers import AutoModelForQuestionAnswering
    model = AutoModelForQuestionAnswering.from_pretrained(DIR, trust_remote_code=True)
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import BaseModelOutput, MaskedLMOutput, QuestionAnsweringModelOutput


class FaEncoderConfig(PretrainedConfig):
    model_type = "fa_nlp_encoder"

    def __init__(self, vocab_size=8000, d_model=512, n_heads=8, n_encoder_layers=6, d_ff=2048, max_len=256,
                 pad_id=0, positional="rope", n_segments=0, match_feature=False, match_min_id=5, **kwargs):
        self.vocab_size, self.d_model, self.n_heads = vocab_size, d_model, n_heads
        self.n_encoder_layers, self.d_ff, self.max_len, self.pad_id = n_encoder_layers, d_ff, max_len, pad_id
        self.positional, self.n_segments = positional, n_segments
        self.match_feature, self.match_min_id = match_feature, match_min_id
        kwargs.setdefault("tie_word_embeddings", False)  # the MLM head reads the embedding directly
        super().__init__(pad_token_id=pad_id, **kwargs)


def rotate(x, base: float = 10000.0):
    """Rotary embedding of x [B,H,T,Dh] at positions 0..T-1 (interleaved pairs, as fa_nlp)."""
    hd, t = x.size(-1), x.size(-2)
    inv = 1.0 / (base ** (torch.arange(0, hd, 2, dtype=torch.float32, device=x.device) / hd))
    ang = torch.outer(torch.arange(t, dtype=torch.float32, device=x.device), inv)
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


def sinusoidal(t: int, d: int, device):
    pos = torch.arange(t, dtype=torch.float32, device=device)[:, None]
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32, device=device) * (-math.log(10000.0) / d))
    table = torch.zeros(t, d, device=device)
    table[:, 0::2] = torch.sin(pos * div)
    table[:, 1::2] = torch.cos(pos * div[: d // 2])
    return table


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_heads, self.rope = cfg.n_heads, cfg.positional == "rope"
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        if self.rope:
            q, k = rotate(q), rotate(k)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.proj(out.transpose(1, 2).reshape(b, t, d))


class FeedForward(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.up = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.down = nn.Linear(cfg.d_ff, cfg.d_model, bias=False)

    def forward(self, x):
        return self.down(F.gelu(self.up(x)))


class Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(cfg.d_model), Attention(cfg)
        self.norm2, self.ff = nn.LayerNorm(cfg.d_model), FeedForward(cfg)

    def forward(self, x, mask):
        x = x + self.attn(self.norm1(x), mask)
        return x + self.ff(self.norm2(x))


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg, d = cfg, cfg.d_model
        self.embed = nn.Embedding(cfg.vocab_size, d)
        self.pos_embed = nn.Embedding(cfg.max_len, d) if cfg.positional == "learned" else None
        self.segment_embed = nn.Embedding(cfg.n_segments, d) if cfg.n_segments > 0 else None
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg.n_encoder_layers))
        self.norm = nn.LayerNorm(d)

    def forward(self, ids, pad, segments=None, extra=None):
        t = ids.size(1)
        if t > self.cfg.max_len:
            raise ValueError(f"sequence length {t} exceeds max_len={self.cfg.max_len}")
        x = self.embed(ids) * math.sqrt(self.cfg.d_model)
        if self.pos_embed is not None:
            x = x + self.pos_embed(torch.arange(t, device=ids.device))
        elif self.cfg.positional == "sinusoidal":
            x = x + sinusoidal(t, self.cfg.d_model, ids.device).to(x.dtype)
        if self.segment_embed is not None and segments is not None:
            x = x + self.segment_embed(segments)
        if extra is not None:
            x = x + extra
        keep = ~pad
        keep = keep | ~keep.any(-1, keepdim=True)  # an all-pad row keeps its keys (no NaN)
        mask = keep[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask)
        return self.norm(x)


class FaEncoderPreTrainedModel(PreTrainedModel):
    config_class = FaEncoderConfig
    base_model_prefix = "encoder"

    def _init_weights(self, module):
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)
            if getattr(module, "bias", None) is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def _pad(self, input_ids, attention_mask):
        return attention_mask.eq(0) if attention_mask is not None else input_ids.eq(self.config.pad_id)


class FaEncoderModel(FaEncoderPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.encoder = Encoder(config)
        self.post_init()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, **kwargs):
        return BaseModelOutput(last_hidden_state=self.encoder(input_ids, self._pad(input_ids, attention_mask),
                                                              token_type_ids))


class FaEncoderForQuestionAnswering(FaEncoderPreTrainedModel):
    """Start/end logits; padding at -1e4; position 0 ([CLS]) = no answer."""

    def __init__(self, config):
        super().__init__(config)
        self.encoder = Encoder(config)
        self.head = nn.Module()
        self.head.proj = nn.Linear(config.d_model, 2)
        self.match_embed = nn.Embedding(2, config.d_model) if config.match_feature else None
        self.post_init()

    def _match(self, ids, segments):
        """DrQA exact match: the token's id also occurs in the other segment (ids < match_min_id never)."""
        valid = ids >= self.config.match_min_id
        same = ids[:, :, None] == ids[:, None, :]
        other = segments[:, :, None] != segments[:, None, :]
        return self.match_embed(((same & other & valid[:, None, :]).any(-1) & valid).long())

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, **kwargs):
        pad = self._pad(input_ids, attention_mask)
        extra = self._match(input_ids, token_type_ids) if self.match_embed is not None and token_type_ids is not None \
            else None
        logits = self.head.proj(self.encoder(input_ids, pad, token_type_ids, extra)).float()
        logits = logits.masked_fill(pad[..., None], -1e4)
        return QuestionAnsweringModelOutput(start_logits=logits[..., 0], end_logits=logits[..., 1])


class MaskedLMHead(nn.Module):
    def __init__(self, d, vocab_size):
        super().__init__()
        self.dense, self.norm = nn.Linear(d, d), nn.LayerNorm(d)
        self.bias = nn.Parameter(torch.zeros(vocab_size))

    def forward(self, hidden, embedding):
        return F.linear(self.norm(F.gelu(self.dense(hidden))), embedding, self.bias)


class FaEncoderForMaskedLM(FaEncoderPreTrainedModel):
    """Logits [B,S,V]; the output layer is the token embedding (tied) plus a bias."""

    def __init__(self, config):
        super().__init__(config)
        self.encoder = Encoder(config)
        self.head = MaskedLMHead(config.d_model, config.vocab_size)
        self.post_init()

    def get_input_embeddings(self):
        return self.encoder.embed

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, **kwargs):
        hidden = self.encoder(input_ids, self._pad(input_ids, attention_mask), token_type_ids)
        return MaskedLMOutput(logits=self.head(hidden, self.encoder.embed.weight))

"""fa_nlp's word-order pointer network for `transformers` with trust_remote_code: pooled word slots,
a position-free encoder over them, a causal RoPE decoder that points at the next word.

Self-contained (torch + transformers; no fa_nlp import): this file is copied into an exported folder.
Tensor names are fa_nlp's own, so the checkpoint's state dict loads unchanged. `order_words` is
fa_nlp's greedy decode (`fa-nlp predict RUN --beam 1` without fusion): every output is a permutation.

    from transformers import AutoModel, AutoTokenizer
    tok = AutoTokenizer.from_pretrained(DIR, trust_remote_code=True)
    model = AutoModel.from_pretrained(DIR, trust_remote_code=True)
    model.order_words(["رفتم خانه به من ."], tok)      # -> ["من به خانه رفتم ."] with a trained model
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PretrainedConfig, PreTrainedModel


class FaPointerConfig(PretrainedConfig):
    model_type = "fa_nlp_pointer"

    def __init__(self, vocab_size=8000, d_model=512, n_heads=8, n_encoder_layers=6, n_decoder_layers=6, d_ff=2048,
                 max_len=256, pad_id=0, pooling="mean", max_word_pieces=16, n_segments=0, **kwargs):
        self.vocab_size, self.d_model, self.n_heads, self.d_ff = vocab_size, d_model, n_heads, d_ff
        self.n_encoder_layers, self.n_decoder_layers, self.max_len = n_encoder_layers, n_decoder_layers, max_len
        self.pad_id, self.pooling, self.max_word_pieces, self.n_segments = pad_id, pooling, max_word_pieces, n_segments
        kwargs.setdefault("tie_word_embeddings", False)
        super().__init__(pad_token_id=pad_id, **kwargs)


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
        if rope:
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

    def forward(self, x, mask):
        x = x + self.attn(self.norm1(x), mask=mask)  # no positions: the source is a bag of words
        return x + self.ff(self.norm2(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.norm1, self.self_attn = nn.LayerNorm(cfg.d_model), SelfAttention(cfg)
        self.norm2, self.cross_attn = nn.LayerNorm(cfg.d_model), CrossAttention(cfg)
        self.norm3, self.ff = nn.LayerNorm(cfg.d_model), FeedForward(cfg)

    def forward(self, x, memory, mask):
        x = x + self.self_attn(self.norm1(x), causal=True, rope=True)
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


def within_word_positions(word_index, max_pieces: int):
    idx = torch.arange(word_index.size(1), device=word_index.device).expand_as(word_index)
    first = torch.ones_like(word_index, dtype=torch.bool)
    first[:, 1:] = word_index[:, 1:] != word_index[:, :-1]
    run_start = torch.where(first, idx, torch.zeros_like(idx)).cummax(dim=1).values
    return (idx - run_start).clamp(max=max_pieces - 1)


def segment_softmax(scores, seg, n_seg: int):
    peak = scores.new_full((scores.size(0), n_seg), float("-inf")).scatter_reduce(1, seg, scores, "amax")
    e = (scores - peak.gather(1, seg)).exp()
    return e / e.new_zeros(peak.shape).scatter_add(1, seg, e).gather(1, seg)


class FaPointerModel(PreTrainedModel):
    config_class = FaPointerConfig
    base_model_prefix = "pointer"

    def __init__(self, config):
        super().__init__(config)
        d = config.d_model
        self.encoder = Stack(config, EncoderLayer, config.n_encoder_layers)
        self.encoder.embed = nn.Embedding(config.vocab_size, d)
        if config.n_segments > 0:
            self.encoder.segment_embed = nn.Embedding(config.n_segments, d)  # unused by the pointer
        self.piece_pos = nn.Embedding(config.max_word_pieces, d)
        self.piece_gate = nn.Embedding(config.max_word_pieces, d)
        self.pool_query = nn.Parameter(torch.zeros(d)) if config.pooling == "attention" else None
        self.boundary = nn.Parameter(torch.zeros(d))
        self.decoder = Stack(config, DecoderLayer, config.n_decoder_layers)
        self.query = nn.Linear(d, d, bias=False)
        self.key = nn.Linear(d, d, bias=False)
        self.post_init()

    def _init_weights(self, module):
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def encode(self, input_ids, word_index):
        """pieces, word_index [B,S] (slot 1..W of each piece, 0 = padding) -> memory [B,W+1,D], slot_pad."""
        pos = within_word_positions(word_index, self.config.max_word_pieces)
        x = self.encoder.embed(input_ids) * (1 + self.piece_gate(pos)) + self.piece_pos(pos)
        x = x * math.sqrt(self.config.d_model)
        b = input_ids.size(0)
        n_slots = int(word_index.max()) + 1 if word_index.numel() else 1
        if self.pool_query is None:
            w = torch.ones_like(word_index, dtype=x.dtype)
            w = w / w.new_zeros(b, n_slots).scatter_add(1, word_index, w).gather(1, word_index)
        else:
            w = segment_softmax((x @ self.pool_query) / math.sqrt(x.size(-1)), word_index, n_slots)
        idx = word_index[..., None].expand_as(x)
        slots = x.new_zeros(b, n_slots, x.size(-1)).scatter_add(1, idx, x * w[..., None])
        count = torch.zeros(b, n_slots, dtype=torch.long, device=x.device).scatter_add(
            1, word_index, torch.ones_like(word_index))
        slot_pad = count.eq(0)
        slot_pad[:, 0] = False
        x = torch.cat([self.boundary.to(x.dtype).expand(b, 1, -1), slots[:, 1:]], dim=1)
        mask = key_mask(slot_pad)
        for layer in self.encoder.layers:
            x = layer(x, mask)
        return self.encoder.norm(x), slot_pad

    def decode(self, decoder_input_ids, memory, slot_pad):
        """Slot indices fed so far [B,T] (0 = BOS) -> pointer logits [B,T,W+1] (slot 0 = EOS)."""
        x = memory.gather(1, decoder_input_ids[..., None].expand(-1, -1, memory.size(-1)))
        mask = key_mask(slot_pad)
        for layer in self.decoder.layers:
            x = layer(x, memory, mask)
        h = self.decoder.norm(x)
        logits = self.query(h) @ self.key(memory).transpose(1, 2) / math.sqrt(h.size(-1))
        return logits.masked_fill(slot_pad[:, None, :], float("-inf"))

    def forward(self, input_ids, word_index, decoder_input_ids, **kwargs):
        memory, slot_pad = self.encode(input_ids, word_index)
        return self.decode(decoder_input_ids, memory, slot_pad)

    def inputs(self, sentences, tokenizer):
        """(pieces, word_index) of whitespace-split sentences, each word tokenized on its own."""
        pieces, index = [], []
        for text in sentences:
            p, w = [], []
            for j, word in enumerate(text.split(), start=1):
                ids = tokenizer(word, add_special_tokens=False)["input_ids"] or [tokenizer.unk_token_id]
                p += ids
                w += [j] * len(ids)
            pieces.append(p)
            index.append(w)
        width = max(len(p) for p in pieces) or 1
        ids = torch.full((len(pieces), width), self.config.pad_id, dtype=torch.long)
        wi = torch.zeros((len(pieces), width), dtype=torch.long)
        for i, (p, w) in enumerate(zip(pieces, index)):
            ids[i, : len(p)], wi[i, : len(w)] = torch.tensor(p, dtype=torch.long), torch.tensor(w, dtype=torch.long)
        return ids.to(self.device), wi.to(self.device)

    @torch.no_grad()
    def order_words(self, sentences, tokenizer):
        """Greedy order of each sentence's words: at each step the best unused word (identical words are
        one choice weighted by their count), EOS only when every word is placed."""
        words = [s.split() for s in sentences]
        memory, slot_pad = self.encode(*self.inputs(sentences, tokenizer))
        out = []
        for i, ws in enumerate(words):
            canonical = [ws.index(w) for w in ws]
            seq, used = [0], set()
            while len(used) < len(ws):
                logits = self.decode(torch.tensor([seq], device=memory.device), memory[i : i + 1],
                                     slot_pad[i : i + 1])[0, -1].float()
                left = {}
                for j, c in enumerate(canonical, start=1):
                    if j not in used:
                        left[c] = left.get(c, 0) + 1
                offered, seen = [], set()
                for j, c in enumerate(canonical, start=1):
                    if j not in used and c not in seen:
                        seen.add(c)
                        offered.append(j)
                scores = torch.full_like(logits, float("-inf"))
                for j in offered:
                    scores[j] = logits[j] + math.log(left[canonical[j - 1]])
                j = int(scores.argmax())
                used.add(j)
                seq.append(j)
            out.append(" ".join(ws[j - 1] for j in seq[1:]))
        return out

"""Greedy and batched beam search for any encoder-decoder model, under per-row constraints.

    from fa_nlp.decoding.search import beam_search, greedy_search
    out, states = beam_search(model, src, beam_size=5, constraints=[WordBag(...), ...])

The model needs `encode(src) -> (memory, memory_pad)`, `decode(tgt, memory, memory_pad, cache)`,
`new_cache(batch, max_len)` and `cfg` (max_len, pad/bos/eos ids; a model may override the ids of
its outputs with `bos_index` / `eos_index`, as the pointer decoder does: its outputs are slots).
Constraints are described in `fa_nlp.decoding.constraints`.

Choices (why):
- **KV cache.** Every step feeds only the newest token; beam search calls `cache.reorder` with the
  surviving hypotheses' rows. `greedy_search(..., use_cache=False)` recomputes the whole prefix each
  step: the reference the cached path is tested against, and the benchmark's baseline.
- **Length penalty** is GNMT's (Wu et al. 2016): a finished hypothesis of `n` generated tokens
  (EOS included) is ranked by `logP / ((5 + n) / 6) ** alpha`. `alpha=0` ranks by raw log-probability.
  It only re-ranks *finished* hypotheses.
- **Early stop** (fairseq's rule): a sentence is done once `beam_size` hypotheses have ended with EOS
  among the top `beam_size` candidates of a step (or no live candidate is left). So `beam_size=1` is
  exactly greedy decoding, whatever the length penalty.
- **Masking.** Disallowed outputs get -inf after log-softmax (the vocabulary model's probabilities
  stay those of the model); a model with `normalize_after_mask = True` (the pointer, trained to
  choose among the unused slots only) is renormalised over the allowed outputs, each weighted by
  the equivalent outputs it stands for (`log_copies`). A constraint's `bonus` (shallow fusion) is
  added after either.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only; torch itself loads inside the functions that run it
    from torch import Tensor

NEG_INF = float("-inf")


def _no_grad(fn):
    """`torch.no_grad()` as a decorator that imports torch on the first call, not at import: the
    evaluation and CLI modules that name these functions stay free of torch until they decode."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import torch

        with torch.no_grad():
            return fn(*args, **kwargs)

    return wrapper


def specials(model) -> tuple[int, int, int]:
    """(bos, eos, pad) of the model's *outputs*."""
    cfg = model.cfg
    bos, eos = getattr(model, "bos_index", cfg.bos_id), getattr(model, "eos_index", cfg.eos_id)
    return bos, eos, (bos if hasattr(model, "bos_index") else cfg.pad_id)


def _per_token(constraints, states, allowed, method: str) -> list[float] | None:
    """Values of `constraint.method(state, tokens)` in the flattened order of `allowed` (0 where a
    constraint lacks the method); None when none has it."""
    if not any(hasattr(c, method) for c in constraints):
        return None
    return [v for c, s, toks in zip(constraints, states, allowed)
            for v in (getattr(c, method)(s, toks) if hasattr(c, method) else [0.0] * len(toks))]


def _additive_rows(constraints, states, vocab: int, device) -> tuple[Tensor, Tensor | None]:
    """[N, V] mask (-inf for what is not allowed; 0, or log(copies) where an offered output stands for
    equivalent ones) and [N, V] fusion bonus (None when no constraint has one)."""
    import torch

    allowed = [c.allowed(s) for c, s in zip(constraints, states)]
    rows = [r for r, toks in enumerate(allowed) for _ in toks]
    cols = [t for toks in allowed for t in toks]
    mask = torch.full((len(allowed), vocab), NEG_INF, device=device)
    bonus = None
    if cols:
        r_t, c_t = torch.tensor(rows, device=device), torch.tensor(cols, device=device)
        copies = _per_token(constraints, states, allowed, "log_copies")
        mask[r_t, c_t] = 0.0 if copies is None else torch.tensor(copies, device=device, dtype=mask.dtype)
        vals = _per_token(constraints, states, allowed, "bonus")
        if vals is not None:
            bonus = torch.zeros((len(allowed), vocab), device=device)
            bonus[r_t, c_t] = torch.tensor(vals, device=device, dtype=bonus.dtype)
    return mask, bonus


def _scores(model, logits: Tensor, constraints, states) -> Tensor:
    """Log-probabilities of the next output per row, masked (and fused) by the constraints."""
    if not constraints:
        return logits.log_softmax(-1)
    mask, bonus = _additive_rows(constraints, states, logits.size(-1), logits.device)
    if getattr(model, "normalize_after_mask", False):
        logp = (logits + mask).log_softmax(-1)
    else:
        logp = logits.log_softmax(-1) + mask
    return logp if bonus is None else logp + bonus


def _first(src):
    return src[0] if isinstance(src, (tuple, list)) else src


def default_max_len(src: Tensor, pad_id: int, model_max: int, constrained: int = 0) -> int:
    """New-token budget (EOS included): 1.2 x longest source + 10, at least what the constraint needs,
    never more than the model's position limit."""
    longest = int(src.ne(pad_id).sum(1).max().item()) if src.numel() else 0
    return max(1, min(model_max, max(int(longest * 1.2) + 10, constrained + 1)))


def _check(constraints, batch: int) -> None:
    if constraints is not None and len(constraints) != batch:
        raise ValueError(f"{len(constraints)} constraints for a batch of {batch}")


def _budget(model, src, constraints, max_len: int | None) -> int:
    need = max((c.n_tokens for c in constraints), default=0) if constraints else 0
    return max_len or default_max_len(_first(src), model.cfg.pad_id, model.cfg.max_len, need)


@_no_grad
def greedy_search(model, src, max_len: int | None = None, constraints: Sequence | None = None,
                  use_cache: bool = True) -> tuple[list[list[int]], list]:
    """Greedy decoding of a batch. Returns (generated ids per row without BOS/EOS, final constraint states)."""
    import torch

    bos, eos, pad = specials(model)
    memory, src_pad = model.encode(src)
    b, dev = memory.size(0), memory.device
    _check(constraints, b)
    max_len = _budget(model, src, constraints, max_len)
    cache = model.new_cache(b, max_len) if use_cache else None
    seq = torch.full((b, 1), bos, dtype=torch.long, device=dev)
    states = [c.initial() for c in constraints] if constraints else [None] * b
    finished = [False] * b
    out: list[list[int]] = [[] for _ in range(b)]
    for _ in range(max_len):
        step_in = seq[:, -1:] if use_cache else seq
        logits = model.decode(step_in, memory, src_pad, cache)[:, -1].float()
        if constraints:
            mask, bonus = _additive_rows(constraints, states, logits.size(-1), dev)
            if bonus is None and not getattr(model, "normalize_after_mask", False):
                logits = logits + mask  # argmax of the masked logits = of the masked log-probabilities
            else:
                logits = _scores(model, logits, constraints, states)
        toks = logits.argmax(-1).tolist()
        for i, t in enumerate(toks):
            if finished[i]:
                continue
            if constraints:
                states[i] = constraints[i].advance(states[i], t)
            if t == eos:
                finished[i] = True
            else:
                out[i].append(t)
        if all(finished):
            break
        nxt = torch.tensor([pad if f else t for f, t in zip(finished, toks)], dtype=torch.long, device=dev)
        seq = torch.cat([seq, nxt[:, None]], dim=1)
    return out, states


def length_penalty(n_tokens: int, alpha: float) -> float:
    """GNMT length penalty ((5 + n) / 6) ** alpha."""
    return ((5.0 + n_tokens) / 6.0) ** alpha


@dataclass
class _Finished:
    score: float
    tokens: list[int]
    state: object = None


Hypothesis = _Finished  # the public name of a finished hypothesis (score, tokens, state)


@dataclass
class _Beams:
    """Running hypotheses of one sentence (K slots, some may be dead = -inf)."""

    finished: list[_Finished] = field(default_factory=list)
    done: bool = False


@_no_grad
def beam_search(model, src, beam_size: int = 5, alpha: float = 1.0, max_len: int | None = None,
                constraints: Sequence | None = None) -> tuple[list[list[int]], list]:
    """Batched beam search with the KV cache. Returns (best ids per row without BOS/EOS, final states)."""
    nbest = beam_search_nbest(model, src, beam_size, alpha, max_len, constraints)
    return [h[0].tokens for h in nbest], [h[0].state for h in nbest]


@_no_grad
def beam_search_nbest(model, src, beam_size: int = 5, alpha: float = 1.0, max_len: int | None = None,
                      constraints: Sequence | None = None) -> list[list[Hypothesis]]:
    """Batched beam search; per row, the finished hypotheses best first (`.score` = length-normalised
    log-probability, fusion bonus included; `.tokens` without BOS/EOS; `.state` the constraint's)."""
    import torch

    if beam_size < 1:
        raise ValueError("beam_size must be >= 1")
    if alpha < 0:
        raise ValueError("length penalty alpha must be >= 0")
    bos, eos, pad = specials(model)
    memory, src_pad = model.encode(src)
    b, k, dev = memory.size(0), beam_size, memory.device
    _check(constraints, b)
    max_len = _budget(model, src, constraints, max_len)
    memory = memory.repeat_interleave(k, 0)
    src_pad = src_pad.repeat_interleave(k, 0)
    cache = model.new_cache(b * k, max_len)
    last = torch.full((b * k, 1), bos, dtype=torch.long, device=dev)
    scores = torch.full((b, k), NEG_INF, device=dev)
    scores[:, 0] = 0.0
    hist: list[list[int]] = [[] for _ in range(b * k)]
    rows = [constraints[i // k] for i in range(b * k)] if constraints else None
    states: list = [c.initial() for c in rows] if rows else [None] * (b * k)
    beams = [_Beams() for _ in range(b)]
    for step in range(max_len):
        logp = _scores(model, model.decode(last, memory, src_pad, cache)[:, -1].float(), rows, states)  # [B*K, V]
        v = logp.size(-1)
        cand = (scores.view(-1, 1) + logp).view(b, k * v)
        top_s, top_i = cand.topk(min(2 * k, k * v), dim=1)
        top_s, top_i = top_s.tolist(), top_i.tolist()
        origin, tokens, new_scores = [], [], []
        for r in range(b):
            live: list[tuple[int, int, float]] = []
            if not beams[r].done:
                for j, (s, idx) in enumerate(zip(top_s[r], top_i[r])):
                    if s == NEG_INF:
                        break
                    src_row, tok = r * k + idx // v, idx % v
                    if tok == eos:
                        if j < k and len(beams[r].finished) < k:
                            st = rows[src_row].advance(states[src_row], tok) if rows else None
                            beams[r].finished.append(_Finished(s / length_penalty(step + 1, alpha), hist[src_row], st))
                        continue
                    live.append((src_row, tok, s))
                    if len(live) == k:
                        break
                if len(beams[r].finished) >= k or not live:
                    beams[r].done = True
            while len(live) < k:  # dead slots keep a valid state and score -inf
                live.append((live[0][0] if live else r * k, pad if not live else live[0][1], NEG_INF))
            for src_row, tok, s in live:
                origin.append(src_row)
                tokens.append(tok)
                new_scores.append(s)
        if all(x.done for x in beams):
            break
        cache.reorder(torch.tensor(origin, device=dev))
        hist = [hist[o] + [t] for o, t in zip(origin, tokens)]
        if rows:
            states = [rows[i].advance(states[o], t) if s != NEG_INF else states[o]
                      for i, (o, t, s) in enumerate(zip(origin, tokens, new_scores))]
        scores = torch.tensor(new_scores, device=dev).view(b, k)
        last = torch.tensor(tokens, device=dev).view(b * k, 1)
    out = []
    for r in range(b):
        fin = beams[r].finished
        if not fin:  # budget ran out: rank the live hypotheses as they stand
            live_scores = scores[r].tolist()
            fin = [_Finished(s / length_penalty(max_len, alpha), hist[r * k + j], states[r * k + j])
                   for j, s in enumerate(live_scores) if s != NEG_INF] or [_Finished(0.0, hist[r * k], states[r * k])]
        out.append(sorted(fin, key=lambda f: -f.score))  # stable: the first of equal scores first, as max()
    return out


__all__ = ["Hypothesis", "beam_search", "beam_search_nbest", "default_max_len", "greedy_search", "length_penalty",
           "specials"]

"""Decoding for `Seq2SeqTransformer`: greedy, batched beam search, and word-order-constrained decoding.

    from fa_nlp.decode import decode_texts
    decode_texts(model, tokenizer, ["رفتم خانه به من ."], beam_size=5, constrained=True)
    # -> ["من به خانه رفتم ."]   (with a trained model; constrained output is always a permutation)

Choices (why):
- **KV cache.** Every step feeds only the newest token; beam search calls `cache.reorder` with the
  surviving hypotheses' rows. `greedy_search(..., use_cache=False)` recomputes the whole prefix each
  step: the reference the cached path is tested against, and the benchmark's baseline.
- **Length penalty** is GNMT's (Wu et al. 2016): a finished hypothesis of `n` generated tokens
  (EOS included) is ranked by `logP / ((5 + n) / 6) ** alpha`. `alpha=0` ranks by raw log-probability;
  `alpha=1` is close to per-token normalization. It only re-ranks *finished* hypotheses.
- **Early stop** (fairseq's rule): a sentence is done once `beam_size` hypotheses have ended with EOS
  among the top `beam_size` candidates of a step (or no live candidate is left). So `beam_size=1` is
  exactly greedy decoding, whatever the length penalty.
- **Constrained decoding** (word order): `WordBag` is a prefix trie over the token ids of the source's
  words, each word tokenized *separately* (`tokenizer.encode(word)`). Our sentencepiece models split on
  whitespace (pieces never cross a space) and use identity normalization, so this equals the
  tokenization of the joined sentence; `word_tokenization_matches` checks it and evaluation reports
  the rate. A hypothesis' state is (trie node of the partial word, remaining word counts). Allowed next
  tokens: children of the node whose subtree still holds a remaining word; if the partial word is a
  complete remaining word, also the first tokens of the words left after consuming it; EOS only when
  that leaves nothing. (If a token both continues the partial word and starts a new one, it is read
  as a continuation; no dead end is possible either way.) The output text is built from the source's
  *words* in the chosen order, not from detokenized pieces, so it is a permutation of the source
  words by construction — even for byte-fallback or unknown pieces. Words with identical token
  sequences are interchangeable; they are emitted in source order. If `max_len` runs out first, the
  words not yet placed are appended in source order (still a permutation; counted as `truncated`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

NEG_INF = float("-inf")


# ---------------------------------------------------------------------------------------------
# word-bag constraint


@dataclass(frozen=True)
class BagState:
    """Immutable per-hypothesis state: trie node of the partial word, counts left per word group,
    bitmask of groups with count > 0, and the groups consumed so far (in output order)."""

    node: int
    counts: tuple[int, ...]
    avail: int
    history: tuple[int, ...] = ()
    done: bool = False


class WordBag:
    """The words of one source sentence as a token-level prefix trie (see the module docstring)."""

    ROOT = 0

    def __init__(self, words: Sequence[str], word_ids: Sequence[Sequence[int]], eos_id: int):
        if len(words) != len(word_ids):
            raise ValueError(f"{len(words)} words but {len(word_ids)} token sequences")
        self.words = list(words)
        self.eos_id = eos_id
        self.children: list[dict[int, int]] = [{}]
        self.terminal: list[int] = [-1]  # node -> group id ending here, or -1
        group_of: dict[tuple[int, ...], int] = {}
        self.group_words: list[list[int]] = []  # group -> word indices (source order)
        for w, ids in enumerate(word_ids):
            ids = tuple(int(i) for i in ids)
            if not ids:
                raise ValueError(f"word {self.words[w]!r} has no tokens")
            if ids not in group_of:
                group_of[ids] = len(self.group_words)
                self.group_words.append([])
                node = self.ROOT
                for t in ids:
                    nxt = self.children[node].get(t)
                    if nxt is None:
                        nxt = len(self.children)
                        self.children[node][t] = nxt
                        self.children.append({})
                        self.terminal.append(-1)
                    node = nxt
                self.terminal[node] = group_of[ids]
            self.group_words[group_of[ids]].append(w)
        # subtree[node] = bitmask of the groups that end in the subtree below (and at) node
        self.subtree = [0] * len(self.children)
        for node in reversed(range(len(self.children))):  # children always have larger ids
            m = 1 << self.terminal[node] if self.terminal[node] >= 0 else 0
            for c in self.children[node].values():
                m |= self.subtree[c]
            self.subtree[node] = m
        self.n_tokens = sum(len(word_ids[g[0]]) * len(g) for g in self.group_words)

    @classmethod
    def from_text(cls, tokenizer, text: str) -> WordBag:
        words = text.split()
        return cls(words, [tokenizer.encode(w) for w in words], tokenizer.eos_id)

    def initial(self) -> BagState:
        counts = tuple(len(g) for g in self.group_words)
        avail = sum(1 << g for g, c in enumerate(counts) if c)
        return BagState(self.ROOT, counts, avail, (), False)

    def _completion(self, st: BagState) -> int | None:
        """The group the partial word would complete, if it is a complete word with copies left."""
        if st.node == self.ROOT:
            return None
        g = self.terminal[st.node]
        return g if g >= 0 and st.counts[g] > 0 else None

    def allowed(self, st: BagState) -> list[int]:
        """Token ids allowed next (EOS included when the bag would be empty)."""
        if st.done:
            return [self.eos_id]
        out = [t for t, c in self.children[st.node].items() if self.subtree[c] & st.avail]
        g = self._completion(st)
        if st.node == self.ROOT:
            if not st.avail:
                out.append(self.eos_id)
            return out
        if g is not None:
            avail = st.avail & ~(1 << g) if st.counts[g] == 1 else st.avail
            seen = set(out)
            out += [t for t, c in self.children[self.ROOT].items() if self.subtree[c] & avail and t not in seen]
            if not avail:
                out.append(self.eos_id)
        return out

    def _consume(self, st: BagState, g: int) -> tuple[tuple[int, ...], int, tuple[int, ...]]:
        counts = list(st.counts)
        counts[g] -= 1
        avail = st.avail & ~(1 << g) if counts[g] == 0 else st.avail
        return tuple(counts), avail, st.history + (g,)

    def advance(self, st: BagState, token: int) -> BagState:
        """The state after emitting `token` (which must be in `allowed(st)`)."""
        if st.done:
            return st
        child = self.children[st.node].get(token)
        if child is not None and self.subtree[child] & st.avail:
            return BagState(child, st.counts, st.avail, st.history)
        g = self._completion(st)
        if g is None:
            raise ValueError(f"token {token} is not allowed here")
        counts, avail, history = self._consume(st, g)
        if token == self.eos_id:
            if avail:
                raise ValueError("EOS before every word was used")
            return BagState(self.ROOT, counts, avail, history, True)
        child = self.children[self.ROOT].get(token)
        if child is None or not self.subtree[child] & avail:
            raise ValueError(f"token {token} is not allowed here")
        return BagState(child, counts, avail, history)

    def output_words(self, st: BagState) -> tuple[list[str], bool]:
        """(words in output order, truncated). An unfinished state gets the unplaced words appended
        in source order, so the result is a permutation of the source words either way."""
        queues = [list(g) for g in self.group_words]
        order = [queues[g].pop(0) for g in st.history]
        rest = sorted(i for q in queues for i in q)
        return [self.words[i] for i in order + rest], not st.done


def word_tokenization_matches(tokenizer, text: str) -> bool:
    """Whether tokenizing the sentence equals concatenating the per-word tokenizations."""
    joined = " ".join(text.split())
    return tokenizer.encode(joined) == [t for w in joined.split() for t in tokenizer.encode(w)]


def _mask_rows(allowed: Sequence[Sequence[int]], vocab: int, device) -> Tensor:
    """[N, V] additive mask: 0 for allowed tokens, -inf elsewhere (indices shipped, not the dense mask)."""
    rows = [r for r, toks in enumerate(allowed) for _ in toks]
    cols = [t for toks in allowed for t in toks]
    mask = torch.full((len(allowed), vocab), NEG_INF, device=device)
    if cols:
        mask[torch.tensor(rows, device=device), torch.tensor(cols, device=device)] = 0.0
    return mask


# ---------------------------------------------------------------------------------------------
# search


def default_max_len(src: Tensor, pad_id: int, model_max: int, constrained: int = 0) -> int:
    """New-token budget (EOS included): 1.2 x longest source + 10, at least what the constraint needs,
    never more than the model's position limit."""
    longest = int(src.ne(pad_id).sum(1).max().item()) if src.numel() else 0
    return max(1, min(model_max, max(int(longest * 1.2) + 10, constrained + 1)))


def _check_bags(bags, batch: int) -> None:
    if bags is not None and len(bags) != batch:
        raise ValueError(f"{len(bags)} constraints for a batch of {batch}")


@torch.no_grad()
def greedy_search(model, src: Tensor, max_len: int | None = None, bags: Sequence[WordBag] | None = None,
                  use_cache: bool = True) -> tuple[list[list[int]], list[BagState | None]]:
    """Greedy decoding of a batch. Returns (generated ids per row without BOS/EOS, final bag states)."""
    cfg = model.cfg
    b = src.size(0)
    _check_bags(bags, b)
    need = max((bag.n_tokens for bag in bags), default=0) if bags else 0
    max_len = max_len or default_max_len(src, cfg.pad_id, cfg.max_len, need)
    memory, src_pad = model.encode(src)
    cache = model.new_cache(b, max_len) if use_cache else None
    seq = torch.full((b, 1), cfg.bos_id, dtype=torch.long, device=src.device)
    states = [bag.initial() for bag in bags] if bags else [None] * b
    finished = [False] * b
    out: list[list[int]] = [[] for _ in range(b)]
    for _ in range(max_len):
        step_in = seq[:, -1:] if use_cache else seq
        logits = model.decode(step_in, memory, src_pad, cache)[:, -1].float()
        if bags:
            logits = logits + _mask_rows([bag.allowed(s) for bag, s in zip(bags, states)], logits.size(-1),
                                         logits.device)
        nxt = logits.argmax(-1)
        toks = nxt.tolist()
        for i, t in enumerate(toks):
            if finished[i]:
                continue
            if bags:
                states[i] = bags[i].advance(states[i], t)
            if t == cfg.eos_id:
                finished[i] = True
            else:
                out[i].append(t)
        if all(finished):
            break
        nxt = torch.where(torch.tensor(finished, device=src.device), torch.full_like(nxt, cfg.pad_id), nxt)
        seq = torch.cat([seq, nxt[:, None]], dim=1)
    return out, states


def length_penalty(n_tokens: int, alpha: float) -> float:
    """GNMT length penalty ((5 + n) / 6) ** alpha."""
    return ((5.0 + n_tokens) / 6.0) ** alpha


@dataclass
class _Finished:
    score: float
    tokens: list[int]
    state: BagState | None = None


@dataclass
class _Beams:
    """Running hypotheses of one sentence (K slots, some may be dead = -inf)."""

    finished: list[_Finished] = field(default_factory=list)
    done: bool = False


@torch.no_grad()
def beam_search(model, src: Tensor, beam_size: int = 5, alpha: float = 1.0, max_len: int | None = None,
                bags: Sequence[WordBag] | None = None) -> tuple[list[list[int]], list[BagState | None]]:
    """Batched beam search with the KV cache. Returns (best ids per row without BOS/EOS, final bag states)."""
    if beam_size < 1:
        raise ValueError("beam_size must be >= 1")
    if alpha < 0:
        raise ValueError("length penalty alpha must be >= 0")
    cfg = model.cfg
    b, k = src.size(0), beam_size
    _check_bags(bags, b)
    need = max((bag.n_tokens for bag in bags), default=0) if bags else 0
    max_len = max_len or default_max_len(src, cfg.pad_id, cfg.max_len, need)
    dev = src.device
    memory, src_pad = model.encode(src)
    memory = memory.repeat_interleave(k, 0)
    src_pad = src_pad.repeat_interleave(k, 0)
    cache = model.new_cache(b * k, max_len)
    last = torch.full((b * k, 1), cfg.bos_id, dtype=torch.long, device=dev)
    scores = torch.full((b, k), NEG_INF, device=dev)
    scores[:, 0] = 0.0
    hist: list[list[int]] = [[] for _ in range(b * k)]
    states: list[BagState | None] = [bags[i // k].initial() for i in range(b * k)] if bags else [None] * (b * k)
    beams = [_Beams() for _ in range(b)]
    for step in range(max_len):
        logp = model.decode(last, memory, src_pad, cache)[:, -1].float().log_softmax(-1)  # [B*K, V]
        v = logp.size(-1)
        if bags:
            logp = logp + _mask_rows([bags[i // k].allowed(states[i]) for i in range(b * k)], v, dev)
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
                    if tok == cfg.eos_id:
                        if j < k and len(beams[r].finished) < k:
                            st = bags[r].advance(states[src_row], tok) if bags else None
                            beams[r].finished.append(_Finished(s / length_penalty(step + 1, alpha), hist[src_row], st))
                        continue
                    live.append((src_row, tok, s))
                    if len(live) == k:
                        break
                if len(beams[r].finished) >= k or not live:
                    beams[r].done = True
            while len(live) < k:  # dead slots keep a valid state and score -inf
                live.append((live[0][0] if live else r * k, cfg.pad_id if not live else live[0][1], NEG_INF))
            for src_row, tok, s in live:
                origin.append(src_row)
                tokens.append(tok)
                new_scores.append(s)
        if all(x.done for x in beams):
            break
        idx_t = torch.tensor(origin, device=dev)
        cache.reorder(idx_t)
        hist = [hist[o] + [t] for o, t in zip(origin, tokens)]
        if bags:
            states = [bags[i // k].advance(states[o], t) if s != NEG_INF else states[o]
                      for i, (o, t, s) in enumerate(zip(origin, tokens, new_scores))]
        else:
            states = [None] * (b * k)
        scores = torch.tensor(new_scores, device=dev).view(b, k)
        last = torch.tensor(tokens, device=dev).view(b * k, 1)
    out_ids, out_states = [], []
    for r in range(b):
        fin = beams[r].finished
        if not fin:  # budget ran out: rank the live hypotheses as they stand
            live_scores = scores[r].tolist()
            fin = [_Finished(s / length_penalty(max_len, alpha), hist[r * k + j], states[r * k + j])
                   for j, s in enumerate(live_scores) if s != NEG_INF] or [_Finished(0.0, hist[r * k], states[r * k])]
        best = max(fin, key=lambda f: f.score)
        out_ids.append(best.tokens)
        out_states.append(best.state)
    return out_ids, out_states


# ---------------------------------------------------------------------------------------------
# text in, text out


def encode_source(tokenizer, text: str) -> list[int]:
    """Source ids as the trainer builds them: the sentence's pieces followed by EOS."""
    return list(tokenizer.encode(text)) + [tokenizer.eos_id]


@dataclass
class DecodeStats:
    sentences: int = 0
    truncated: int = 0  # constrained outputs completed by appending unplaced words (budget ran out)
    tokenization_mismatch: int = 0  # sentences whose joined tokenization != per-word tokenizations

    def to_dict(self) -> dict[str, int]:
        return {"sentences": self.sentences, "truncated": self.truncated,
                "tokenization_mismatch": self.tokenization_mismatch}


def pad_batch(seqs: Sequence[Sequence[int]], pad_id: int, device) -> Tensor:
    width = max((len(s) for s in seqs), default=1) or 1
    out = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(list(s), dtype=torch.long)
    return out.to(device)


def decode_texts(model, tokenizer, sources: Sequence[str], *, beam_size: int = 1, alpha: float = 1.0,
                 constrained: bool = False, batch_size: int = 64, max_len: int | None = None,
                 progress: bool | str = False, stats: DecodeStats | None = None, use_cache: bool = True,
                 source_ids: Callable[[object, str], list[int]] = encode_source) -> list[str]:
    """Decode source sentences to text, in batches of similar length (output in input order).

    Constrained outputs are built from the source words (always a permutation of them); unconstrained
    outputs are `tokenizer.decode` of the generated ids. `use_cache=False` (greedy only) recomputes
    the whole prefix every step: the baseline the KV cache is measured against.
    """
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    limit = model.cfg.max_len
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    results: list[str] = [""] * len(sources)
    stats = stats if stats is not None else DecodeStats()
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    it = batches
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(batches, desc=progress if isinstance(progress, str) else "decode", unit="batch")
    try:
        for idx in it:
            texts = [sources[i] for i in idx]
            ids = [source_ids(tokenizer, t)[:limit] for t in texts]
            src = pad_batch(ids, model.cfg.pad_id, device)
            bags = [WordBag.from_text(tokenizer, t) for t in texts] if constrained else None
            if beam_size == 1:
                out, states = greedy_search(model, src, max_len, bags, use_cache=use_cache)
            else:
                out, states = beam_search(model, src, beam_size, alpha, max_len, bags)
            for j, i in enumerate(idx):
                stats.sentences += 1
                if constrained:
                    words, truncated = bags[j].output_words(states[j])
                    stats.truncated += truncated
                    stats.tokenization_mismatch += not word_tokenization_matches(tokenizer, texts[j])
                    results[i] = " ".join(words)
                else:
                    results[i] = tokenizer.decode(out[j])
    finally:
        model.train(was_training)
    return results


def is_permutation(prediction: str, source: str) -> bool:
    """True when `prediction` uses exactly the words of `source`, each as often."""
    return sorted(prediction.split()) == sorted(source.split())


# ---------------------------------------------------------------------------------------------

__all__ = [
    "BagState", "DecodeStats", "WordBag", "beam_search", "decode_texts", "default_max_len", "encode_source",
    "greedy_search", "is_permutation", "length_penalty", "pad_batch", "word_tokenization_matches",
]

"""Constraints for the search: what each row may emit next, and an optional score bonus.

A constraint is any object with
    initial() -> state                      the state before the first output
    allowed(state) -> list[int]             output ids allowed next (the EOS id when done)
    advance(state, token) -> state          the state after emitting `token`
    n_tokens: int                           outputs needed to finish (sizes the search budget)
and optionally
    log_copies(state, tokens) -> list[float]  log(number of equivalent outputs each offered one stands
                                            for): added to the logits BEFORE the search renormalises
    bonus(state, tokens) -> list[float]     added to the model's log-probabilities (shallow fusion)
    history_words(state) -> list[str]       the words placed so far (what an LM scores)
    output_words(state) -> (words, truncated)

`WordBag` (vocabulary decoder: token trie over the source words), `SlotBag` (pointer decoder: one
slot per source word) and `LMFusion` (wraps either; adds lambda * log p_LM of each word as it is
placed, and of the sentence end) are the three kinds here.

Word bag (why it is a trie): each source word is tokenized *separately* (`tokenizer.encode(word)`).
Our sentencepiece models split on whitespace and use identity normalization, so this equals the
tokenization of the joined sentence (`word_tokenization_matches` checks it). A hypothesis' state is
(trie node of the partial word, remaining word counts). Allowed next tokens: children of the node
whose subtree still holds a remaining word; if the partial word is a complete remaining word, also
the first tokens of the words left after consuming it; EOS only when that leaves nothing. The output
text is built from the source's *words* in the chosen order, so it is a permutation of the source
words by construction. Words with identical token sequences are interchangeable; they are emitted in
source order. If the budget runs out first, the words not yet placed are appended in source order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


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


    def history_words(self, st: BagState) -> list[str]:
        """Words completed so far (a partial word is not counted until it is complete)."""
        return [self.words[self.group_words[g][0]] for g in st.history]


# ---------------------------------------------------------------------------------------------
# pointer decoder: one slot per source word


@dataclass(frozen=True)
class SlotState:
    used: int  # bitmask over slots 1..W (bit j = slot j placed)
    history: tuple[int, ...] = ()
    done: bool = False


class SlotBag:
    """Slots 1..W are the source words (slot 0 is EOS). Identical words are one choice: only the
    first unused copy is offered, so a beam never holds two equivalent hypotheses."""

    def __init__(self, words: Sequence[str], eos_id: int = 0):
        self.words = list(words)
        self.eos_id = eos_id
        first: dict[str, int] = {}
        self.canonical = [first.setdefault(w, j) for j, w in enumerate(self.words)]
        self.n_tokens = len(self.words)
        self._full = (1 << (len(self.words) + 1)) - 2

    def initial(self) -> SlotState:
        return SlotState(0)

    def allowed(self, st: SlotState) -> list[int]:
        if st.done or st.used == self._full:
            return [self.eos_id]
        seen, out = set(), []
        for j, c in enumerate(self.canonical, start=1):
            if not st.used >> j & 1 and c not in seen:
                seen.add(c)
                out.append(j)
        return out

    def advance(self, st: SlotState, token: int) -> SlotState:
        if st.done:
            return st
        if token == self.eos_id:
            if st.used != self._full:
                raise ValueError("EOS before every word was placed")
            return SlotState(st.used, st.history, True)
        if not 1 <= token <= len(self.words) or st.used >> token & 1:
            raise ValueError(f"slot {token} is not allowed here")
        return SlotState(st.used | 1 << token, st.history + (token,))

    def log_copies(self, st: SlotState, tokens: Sequence[int]) -> list[float]:
        """log(copies left) of each offered word: the offered slot stands for all its unused copies
        (whose scores are identical: the encoder sees no positions), so inside the softmax it weighs
        what they weigh together."""
        left = {}
        for j, c in enumerate(self.canonical, start=1):
            if not st.used >> j & 1:
                left[c] = left.get(c, 0) + 1
        return [math.log(left[self.canonical[t - 1]]) if t != self.eos_id else 0.0 for t in tokens]

    def history_words(self, st: SlotState) -> list[str]:
        return [self.words[j - 1] for j in st.history]

    def output_words(self, st: SlotState) -> tuple[list[str], bool]:
        rest = [self.words[j - 1] for j in range(1, len(self.words) + 1) if not st.used >> j & 1]
        return self.history_words(st) + rest, not st.done


# ---------------------------------------------------------------------------------------------
# shallow fusion


class LMFusion:
    """`inner` plus `weight` x log p_LM(word | previous words) for every word placed, and
    log p_LM(</s> | words) at EOS. With weight 0 the scores are exactly the model's."""

    def __init__(self, inner, lm, weight: float):
        self.inner, self.lm, self.weight = inner, lm, float(weight)
        self.n_tokens = inner.n_tokens
        self.eos_id = inner.eos_id
        self._bos = ["<s>"] * max(lm.order - 1, 0)

    def initial(self):
        return self.inner.initial()

    def allowed(self, st) -> list[int]:
        return self.inner.allowed(st)

    def advance(self, st, token: int):
        return self.inner.advance(st, token)

    def history_words(self, st) -> list[str]:
        return self.inner.history_words(st)

    def output_words(self, st):
        return self.inner.output_words(st)

    def log_copies(self, st, tokens: Sequence[int]) -> list[float]:
        return self.inner.log_copies(st, tokens) if hasattr(self.inner, "log_copies") else [0.0] * len(tokens)

    def bonus(self, st, tokens: Sequence[int]) -> list[float]:
        if self.weight == 0.0:
            return [0.0] * len(tokens)
        before = self.inner.history_words(st)
        ctx = self._bos + before
        out = []
        for t in tokens:
            new = self.inner.history_words(self.inner.advance(st, t))[len(before):]
            s, c = 0.0, list(ctx)
            for w in new:
                s += self.lm.logprob(c, w)
                c.append(w)
            if t == self.eos_id:
                s += self.lm.logprob(c, "</s>")
            out.append(self.weight * s)
        return out

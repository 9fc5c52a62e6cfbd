"""Word-order baselines that need no neural model: the input left shuffled, and an n-gram LM + beam search.

    from fa_nlp.tasks.wordorder.baselines import NgramLM, order_words
    lm = NgramLM.train(["من به خانه رفتم .", "او به مدرسه رفت ."], order=3)
    order_words(lm, "رفتم خانه به من .", beam_size=10)   # -> "من به خانه رفتم ."

The LM is an interpolated Kneser-Ney model (Chen & Goodman 1998) over space-separated words with
`<s>`/`</s>` padding: `smoothing="kn"` (one discount D for every order, default 0.75) or
`smoothing="mkn"` (modified KN, the kenlm/SRILM default: three discounts D1, D2, D3+ per order,
estimated from that order's count-of-counts, Y = n1/(n1+2 n2), D_i = i - (i+1) Y n_{i+1}/n_i).
Lower orders use continuation counts (distinct words seen before the n-gram); with "mkn", n-grams
that start with `<s>` have no left context and keep their raw counts, as in kenlm ("kn" is the
original baseline LM, kept exactly as it was so records stay comparable). The unigram level is
interpolated with a uniform distribution over the vocabulary plus one unknown word, so unseen
test words get a small, non-zero probability. Beam search over permutations keeps the
`beam_size` best partial orders; hypotheses with the same (last n-1 words, words left) are merged
(exact for an n-gram LM: they have the same future), keeping the better one. Every output is a
permutation of the input words. Pure Python: no torch.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

BOS, EOS = "<s>", "</s>"


def shuffled_baseline(sources: Sequence[str]) -> list[str]:
    """Baseline 1: the prediction is the shuffled input itself."""
    return [" ".join(s.split()) for s in sources]


class NgramLM:
    """Interpolated (modified) Kneser-Ney n-gram LM over words (see the module docstring)."""

    SMOOTHING = ("kn", "mkn")

    def __init__(self, order: int = 3, discount: float = 0.75, smoothing: str = "kn", prune: int = 0):
        if order < 1:
            raise ValueError("order must be >= 1")
        if not 0 < discount < 1:
            raise ValueError("discount must be in (0, 1)")
        if smoothing not in self.SMOOTHING:
            raise ValueError(f"smoothing must be one of {self.SMOOTHING}, not {smoothing!r}")
        self.order, self.d, self.smoothing, self.prune = order, discount, smoothing, prune
        # prune > 0: n-grams of order >= 3 counted <= prune times are left out of the model; their
        # discounted mass moves to the context's back-off weight (pruned[k][ctx]), so every
        # distribution still sums to 1 and the ARPA file stays exact (and several times smaller)
        self.pruned: list[Counter] = [Counter() for _ in range(order + 1)]
        # discounts[k] = (D1, D2, D3+) for counts 1, 2, >= 3 ("kn": D everywhere)
        self.discounts: list[tuple[float, float, float]] = [(discount,) * 3 for _ in range(order + 1)]
        # "mkn": ctx_n[i][k][context] = how many words follow the context exactly i+1 times (i = 2: 3 or more)
        self.ctx_n: list[list[Counter]] = [[Counter() for _ in range(order + 1)] for _ in range(3)]
        # counts[k][(context, word)] for k = n-gram length; the highest order uses real counts,
        # lower orders use continuation counts (number of distinct words seen before the n-gram)
        self.counts: list[Counter] = [Counter() for _ in range(order + 1)]
        self.ctx_total: list[Counter] = [Counter() for _ in range(order + 1)]  # sum over words
        self.ctx_types: list[Counter] = [Counter() for _ in range(order + 1)]  # distinct following words
        self.vocab: set[str] = set()
        self.sentences = 0
        self._cache: dict[tuple[tuple[str, ...], str], float] = {}

    @classmethod
    def train(cls, sentences: Iterable[str], order: int = 3, discount: float = 0.75, smoothing: str = "kn",
              prune: int = 0) -> NgramLM:
        lm = cls(order, discount, smoothing, prune)
        top: Counter = Counter()
        for s in sentences:
            words = s.split()
            if not words:
                continue
            lm.sentences += 1
            lm.vocab.update(words)
            seq = [BOS] * (order - 1) + words + [EOS]
            for i in range(order - 1, len(seq)):
                top[tuple(seq[i - order + 1 : i + 1])] += 1
        lm._fit(top)
        return lm

    def _fit(self, top: Counter) -> None:
        n = self.order
        levels: list[Counter] = [Counter() for _ in range(n + 1)]
        levels[n] = top
        for k in range(n, 1, -1):  # continuation counts of the (k-1)-gram suffixes
            lower = Counter()
            for gram, c in levels[k].items():
                # "mkn": a suffix starting with <s> has only <s> to its left: its raw count, not 1
                lower[gram[1:]] += c if gram[1] == BOS and self.smoothing == "mkn" else 1
            levels[k - 1] = lower
        for k in range(1, n + 1):
            if self.smoothing == "mkn":
                self.discounts[k] = modified_discounts(levels[k].values(), self.d)
            counts, total, types = self.counts[k], self.ctx_total[k], self.ctx_types[k]
            by_count = [self.ctx_n[i][k] for i in range(3)] if self.smoothing == "mkn" else None
            drop, pruned, kept = (self.prune if k >= 3 else 0), self.pruned[k], Counter()
            for gram, c in levels[k].items():
                ctx = gram[:-1]
                total[ctx] += c
                types[ctx] += 1
                if by_count is not None:
                    by_count[min(c, 3) - 1][ctx] += 1
                if c <= drop:
                    pruned[ctx] += c - self.discounts[k][min(c, 3) - 1]
                else:
                    counts[(ctx, gram[-1])] = c
                    kept[ctx] += 1
            if drop:  # a context left with no n-gram at all is unseen at this order (lower orders decide)
                for ctx in [x for x in total if not kept[x]]:
                    for table in (total, types, pruned, *(by_count or ())):
                        table.pop(ctx, None)
        self.vocab_size = len(self.vocab) + 2  # + </s> + one unknown word

    def gamma(self, k: int, ctx: tuple[str, ...]) -> float:
        """The back-off mass of a seen context at order k: the discounted share, Σ D(c(ctx, w)) / n(ctx)."""
        total = self.ctx_total[k][ctx]
        if self.smoothing == "kn":
            return (self.d * self.ctx_types[k][ctx] + self.pruned[k][ctx]) / total
        d1, d2, d3 = self.discounts[k]
        n1, n2, n3 = (self.ctx_n[i][k][ctx] for i in range(3))
        return (d1 * n1 + d2 * n2 + d3 * n3 + self.pruned[k][ctx]) / total

    def prob(self, context: Sequence[str], word: str) -> float:
        """P(word | last n-1 words of context), interpolated down to a uniform floor."""
        ctx = tuple(context[-(self.order - 1) :]) if self.order > 1 else ()
        key = (ctx, word)
        p = self._cache.get(key)
        if p is None:
            p = self._prob(ctx, word)
            if len(self._cache) < 2_000_000:
                self._cache[key] = p
        return p

    def _prob(self, ctx: tuple[str, ...], word: str) -> float:
        p = 1.0 / self.vocab_size
        for k in range(1, self.order + 1):  # from unigram up to the full context
            sub = ctx[len(ctx) - (k - 1) :] if k > 1 else ()
            total = self.ctx_total[k].get(sub, 0)
            if total == 0:
                continue  # unseen context: keep the lower-order estimate
            c = self.counts[k].get((sub, word), 0)
            d = self.discounts[k][min(c, 3) - 1] if c else 0.0
            p = (c - d) / total + self.gamma(k, sub) * p
        return p

    def logprob(self, context: Sequence[str], word: str) -> float:
        return math.log(self.prob(context, word))

    def sentence_logprob(self, sentence: str) -> float:
        seq = [BOS] * (self.order - 1) + sentence.split() + [EOS]
        return sum(self.logprob(seq[:i], seq[i]) for i in range(self.order - 1, len(seq)))


def modified_discounts(counts: Iterable[int], fallback: float = 0.75) -> tuple[float, float, float]:
    """(D1, D2, D3+) from the count-of-counts n1..n4 (Chen & Goodman 1998, eq. 26). A tiny corpus
    whose estimates are undefined or outside (0, i] gets `fallback` for all three (counted on none)."""
    n = Counter(min(c, 5) for c in counts)
    n1, n2, n3, n4 = n[1], n[2], n[3], n[4]
    if min(n1, n2, n3, n4) == 0:
        return (fallback,) * 3
    y = n1 / (n1 + 2 * n2)
    ds = (1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3)
    if not all(0 < d <= i + 1 for i, d in enumerate(ds)):
        return (fallback,) * 3
    return ds


def order_words(lm: NgramLM, source: str, beam_size: int = 10) -> str:
    """Baseline 2: the best permutation of `source`'s words under `lm` found by beam search."""
    words = source.split()
    if not words:
        return ""
    vocab = sorted(set(words))
    start = tuple(Counter(words)[w] for w in vocab)
    hist0 = (BOS,) * (lm.order - 1)
    beams: list[tuple[float, tuple[str, ...], tuple[int, ...]]] = [(0.0, hist0, start)]
    for _ in range(len(words)):
        best: dict[tuple, tuple[float, tuple[str, ...], tuple[int, ...]]] = {}
        for score, hist, left in beams:
            for j, w in enumerate(vocab):
                if not left[j]:
                    continue
                s = score + lm.logprob(hist, w)
                new_hist = hist + (w,)
                new_left = left[:j] + (left[j] - 1,) + left[j + 1 :]
                key = (new_hist[len(new_hist) - (lm.order - 1) :] if lm.order > 1 else (), new_left)
                if key not in best or s > best[key][0]:
                    best[key] = (s, new_hist, new_left)
        beams = sorted(best.values(), key=lambda b: -b[0])[:beam_size]
    final = max(beams, key=lambda b: b[0] + lm.logprob(b[1], EOS))
    return " ".join(final[1][lm.order - 1 :])


def ngram_baseline(lm: NgramLM, sources: Sequence[str], beam_size: int = 10, progress: bool = False) -> list[str]:
    it: Iterable[str] = sources
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(sources, desc=f"{lm.order}-gram LM + beam {beam_size}", unit="sent")
    return [order_words(lm, s, beam_size) for s in it]

"""The fusion n-gram LM as a file of the run: ARPA text (log10 probabilities and back-off weights).

    from fa_nlp.tasks.wordorder.arpa import ArpaLM, write_arpa
    write_arpa(NgramLM.train(sentences, order=3), "RUN/ngram-3.arpa")
    lm = ArpaLM.read("RUN/ngram-3.arpa")        # same .order / .logprob(context, word) as NgramLM
    # also: kenlm.Model("RUN/ngram-3.arpa"), SRILM's `ngram -lm`, ...

Why ARPA: it is the format every n-gram toolkit reads, so the LM that `predict` fuses with is
stored with the run (no training data needed at prediction time) and can be inspected or swapped.

Why the conversion is exact: interpolated Kneser-Ney, p_k(w|c) = max(n(c,w) - D, 0) / n(c) +
γ(c) p_{k-1}(w|c'), with γ(c) = D · types(c) / n(c), IS a back-off model: for every n-gram the
model has seen, the file stores the full interpolated probability; for an unseen one, p_k = γ(c) ·
p_{k-1}, which is ARPA's back-off rule with back-off weight γ(c) (1 for an unseen context). The
uniform floor under the unigrams becomes `<unk>` (p = γ(()) / V). So `ArpaLM.read(write_arpa(lm))`
gives the in-memory model's probabilities to float precision, in every context a sentence can
have (tested). Contexts ARPA needs listed
but the model never predicts are written with the model's probability, `<s>` itself with the
conventional -99. Our model pads a sentence's start with n-1 `<s>`, kenlm and SRILM with one: the
file folds the padding away (`_fold_start`), so both conventions give our model's scores (kenlm
agrees to its float32 precision, checked by hand: |Δ| < 1e-4 log10 per sentence).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fa_nlp.io import atomic_open, write_json
from fa_nlp.tasks.wordorder.baselines import BOS, EOS, NgramLM

UNK = "<unk>"
LN10 = math.log(10.0)
NO_PROB = -99.0  # ARPA convention for <s>: a context, never predicted


def _log10(p: float) -> float:
    return math.log10(p) if p > 0 else NO_PROB


def _ngrams(lm: NgramLM) -> list[dict[tuple[str, ...], tuple[float, float | None]]]:
    """Per order k (index k), every n-gram to list → (log10 probability, log10 back-off or None): the
    seen ones, then the contexts (prefixes) ARPA needs listed, down to the unigrams; then the
    sentence-start padding folded away (`_fold_start`)."""
    levels: list[dict[tuple[str, ...], float]] = [{} for _ in range(lm.order + 1)]
    for k in range(1, lm.order + 1):
        for (ctx, w) in lm.counts[k]:
            if len(ctx) == k - 1:
                levels[k][ctx + (w,)] = lm._prob(ctx, w)
    for k in range(lm.order, 1, -1):  # every listed n-gram's prefix must be listed too
        for gram in list(levels[k]):
            pre = gram[:-1]
            if pre not in levels[k - 1]:
                levels[k - 1][pre] = lm._prob(pre[:-1], pre[-1]) if pre[-1] != BOS else 0.0
    levels[1][(UNK,)] = lm._prob((), "\0 never seen \0")  # the uniform floor's share
    out = [{g: (NO_PROB if g[-1] == BOS else _log10(p), _backoff(lm, g)) for g, p in lv.items()} for lv in levels]
    _fold_start(out)
    return out


def _fold_start(levels: list[dict[tuple[str, ...], tuple[float, float | None]]]) -> None:
    """Our model pads a sentence's start with n-1 `<s>`; ARPA readers (kenlm) start from ONE. An
    n-gram `<s> <s> r` is only ever reached from the padded context, and so is `<s> r` (only `<s>`
    precedes `<s>`), which is listed exactly when `<s> <s> r` is: so `<s> r` takes the longer
    n-gram's probability and the two back-off weights add up (log10). Then the file scores a sentence
    the same from one `<s>` (kenlm) or from n-1 (ArpaLM, fusion): our model's scores either way."""
    for k in range(len(levels) - 1, 1, -1):
        for gram in [g for g in levels[k] if g[:2] == (BOS, BOS)]:
            p, bo = levels[k].pop(gram)
            short = gram[1:]
            _, bo_short = levels[k - 1].get(short, (p, None))
            both = None if bo is None and bo_short is None else (bo or 0.0) + (bo_short or 0.0)
            levels[k - 1][short] = (p, both)


def _backoff(lm: NgramLM, ctx: tuple[str, ...]) -> float | None:
    """log10 γ(ctx) when ctx is a context of the next order up, else None (= 0 = weight 1)."""
    k = len(ctx) + 1
    if k > lm.order:
        return None
    total = lm.ctx_total[k].get(ctx, 0)
    if total == 0:
        return None
    return math.log10(lm.gamma(k, ctx))


def write_arpa(lm: NgramLM, path: str | Path) -> Path:
    """Write `lm` as an ARPA file (atomically); entries sorted, so the file is reproducible."""
    levels = _ngrams(lm)
    path = Path(path)
    with atomic_open(path) as f:
        f.write("\\data\\\n")
        for k in range(1, lm.order + 1):
            f.write(f"ngram {k}={len(levels[k])}\n")
        for k in range(1, lm.order + 1):
            f.write(f"\n\\{k}-grams:\n")
            for gram in sorted(levels[k]):
                p, bo = levels[k][gram]
                line = f"{p!r}\t{' '.join(gram)}"
                if bo is not None and k < lm.order:
                    line += f"\t{bo!r}"
                f.write(line + "\n")
        f.write("\n\\end\\\n")
    return path


class ArpaLM:
    """A back-off n-gram LM read from an ARPA file, with NgramLM's interface (`order`, `logprob`,
    `prob`, `sentence_logprob`) so fusion and the n-gram baseline take either."""

    def __init__(self, order: int, probs: dict[tuple[str, ...], float], backoffs: dict[tuple[str, ...], float]):
        self.order, self.probs, self.backoffs = order, probs, backoffs
        self.vocab = {g[0] for g in probs if len(g) == 1}
        self._cache: dict[tuple[tuple[str, ...], str], float] = {}

    @classmethod
    def read(cls, path: str | Path) -> ArpaLM:
        """Parse an ARPA file; a malformed line is a ValueError naming the file and line."""
        probs: dict[tuple[str, ...], float] = {}
        backoffs: dict[tuple[str, ...], float] = {}
        declared: dict[int, int] = {}
        order, section = 0, None
        with open(path, encoding="utf-8") as f:
            for lineno, raw in enumerate(f, start=1):
                line = raw.strip()
                if not line or line == "\\data\\":
                    continue
                if line == "\\end\\":
                    break
                try:
                    if line.startswith("ngram ") and section is None:
                        k, n = line[6:].split("=")
                        declared[int(k)] = int(n)
                        order = max(order, int(k))
                    elif line.startswith("\\") and line.endswith("-grams:"):
                        section = int(line[1:-7])
                    elif section is not None:
                        parts = line.split("\t") if "\t" in line else line.split()
                        if "\t" not in line:  # space-separated: prob, `section` words, [backoff]
                            parts = [parts[0], " ".join(parts[1 : 1 + section]), *parts[1 + section :]]
                        gram = tuple(parts[1].split())
                        if len(gram) != section:
                            raise ValueError(f"{len(gram)} words in the {section}-grams section")
                        probs[gram] = float(parts[0])
                        if len(parts) > 2:
                            backoffs[gram] = float(parts[2])
                except ValueError as e:
                    raise ValueError(f"{path}:{lineno}: not an ARPA line ({e}): {line[:80]!r}") from None
        if not order or not probs:
            raise ValueError(f"{path}: no \\data\\ header or no n-grams: not an ARPA file")
        for k, n in declared.items():
            got = sum(1 for g in probs if len(g) == k)
            if got != n:
                raise ValueError(f"{path}: header says {n} {k}-grams, the file has {got} (truncated?)")
        return cls(order, probs, backoffs)

    def log10prob(self, context: Sequence[str], word: str) -> float:
        """ARPA back-off: the longest listed n-gram ending in `word`, plus the back-off weights of
        the longer contexts it skipped."""
        if word not in self.vocab:
            word = UNK
        ctx = tuple(context[len(context) - (self.order - 1) :]) if self.order > 1 else ()
        bo = 0.0
        for i in range(len(ctx) + 1):
            p = self.probs.get(ctx[i:] + (word,))
            if p is not None:
                return bo + p
            bo += self.backoffs.get(ctx[i:], 0.0)
        return bo + NO_PROB  # no <unk> in the file and an unknown word

    def logprob(self, context: Sequence[str], word: str) -> float:
        """Natural log, as NgramLM.logprob (cached: fusion asks the same questions many times)."""
        key = (tuple(context[len(context) - (self.order - 1) :]) if self.order > 1 else (), word)
        v = self._cache.get(key)
        if v is None:
            v = self.log10prob(key[0], word) * LN10
            if len(self._cache) < 2_000_000:
                self._cache[key] = v
        return v

    def prob(self, context: Sequence[str], word: str) -> float:
        return math.exp(self.logprob(context, word))

    def sentence_logprob(self, sentence: str) -> float:
        seq = [BOS] * (self.order - 1) + sentence.split() + [EOS]
        return sum(self.logprob(seq[:i], seq[i]) for i in range(self.order - 1, len(seq)))


# ---------------------------------------------------------------------------------------------
# the LM stored with a run


def lm_paths(run_dir: str | Path, order: int = 3) -> tuple[Path, Path]:
    """(RUN/ngram-<order>.arpa, RUN/ngram-<order>.json: what it was trained on)."""
    run_dir = Path(run_dir)
    return run_dir / f"ngram-{order}.arpa", run_dir / f"ngram-{order}.json"


def stored_lm(run_dir: str | Path, order: int = 3, key: dict | None = None) -> tuple[ArpaLM, dict] | None:
    """(the run's stored LM, its description) if there is one (trained with `key`, when given)."""
    arpa, info_file = lm_paths(run_dir, order)
    if not (arpa.is_file() and info_file.is_file()):
        return None
    info = json.loads(info_file.read_text(encoding="utf-8"))
    if key is not None and info.get("key") != key:
        return None
    return ArpaLM.read(arpa), {**info, "file": str(arpa)}


def store_lm(run_dir: str | Path, lm: NgramLM, info: dict[str, Any], key: dict) -> Path | None:
    """Write the LM beside the checkpoints, unless one trained on other data is already there (the
    run's own LM is not replaced by one from an evaluation on another dataset)."""
    arpa, info_file = lm_paths(run_dir, lm.order)
    if info_file.is_file() and json.loads(info_file.read_text(encoding="utf-8")).get("key") != key:
        return None
    write_arpa(lm, arpa)
    write_json(info_file, {**info, "key": key, "format": "ARPA (log10 probabilities, back-off weights)"})
    return arpa

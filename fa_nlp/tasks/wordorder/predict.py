"""Word order, text in and text out: sources -> model inputs -> search -> sentences.

    from fa_nlp.tasks.wordorder.predict import decode_texts
    decode_texts(model, tokenizer, ["رفتم خانه به من ."], beam_size=5, constrained=True)
    # -> ["من به خانه رفتم ."]   (with a trained model; constrained output is always a permutation)

Both model kinds go through the one search (`fa_nlp.decoding.search`): the vocabulary decoder
under a `WordBag` (when constrained), the pointer decoder always under a `SlotBag` (its outputs are
slots, so it cannot leave the bag). `lm` + `lm_weight` add shallow fusion with an n-gram LM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only; torch itself loads inside the functions that run it
    from torch import Tensor

from fa_nlp.decoding.constraints import LMFusion, SlotBag, WordBag
from fa_nlp.decoding.search import beam_search, beam_search_nbest, greedy_search


def encode_source(tokenizer, text: str) -> list[int]:
    """Source ids as the trainer builds them: the sentence's pieces followed by EOS."""
    return list(tokenizer.encode(text)) + [tokenizer.eos_id]


def word_tokenization_matches(tokenizer, text: str) -> bool:
    """Whether tokenizing the sentence equals concatenating the per-word tokenizations."""
    joined = " ".join(text.split())
    return tokenizer.encode(joined) == [t for w in joined.split() for t in tokenizer.encode(w)]



@dataclass
class DecodeStats:
    sentences: int = 0
    truncated: int = 0  # constrained outputs completed by appending unplaced words (budget ran out)
    tokenization_mismatch: int = 0  # sentences whose joined tokenization != per-word tokenizations

    def to_dict(self) -> dict[str, int]:
        return {"sentences": self.sentences, "truncated": self.truncated,
                "tokenization_mismatch": self.tokenization_mismatch}


def pad_batch(seqs: Sequence[Sequence[int]], pad_id: int, device) -> Tensor:
    import torch

    width = max((len(s) for s in seqs), default=1) or 1
    out = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(list(s), dtype=torch.long)
    return out.to(device)


def pointer_inputs(tokenizer, texts: Sequence[str], pad_id: int, device) -> tuple[Tensor, Tensor]:
    """(pieces [B,S], word_index [B,S]) for the pointer model: each word tokenized on its own,
    word_index = its slot number 1..W (0 = padding)."""
    pieces, index = [], []
    for text in texts:
        p, w = [], []
        for j, word in enumerate(text.split(), start=1):
            ids = list(tokenizer.encode(word)) or [tokenizer.unk_id if hasattr(tokenizer, "unk_id") else pad_id]
            p += ids
            w += [j] * len(ids)
        pieces.append(p)
        index.append(w)
    return pad_batch(pieces, pad_id, device), pad_batch(index, 0, device)


def _constraints(model, tokenizer, texts: Sequence[str], constrained: bool, lm, lm_weight: float):
    if model.cfg.kind == "pointer":
        cons = [SlotBag(t.split(), eos_id=model.eos_index) for t in texts]
    elif constrained or lm is not None:
        cons = [WordBag.from_text(tokenizer, t) for t in texts]
    else:
        return None
    return [LMFusion(c, lm, lm_weight) for c in cons] if lm is not None else cons


def _batches(model, tokenizer, sources: Sequence[str], batch_size: int, progress: bool | str, constrained: bool,
             lm, lm_weight: float, source_ids: Callable[[object, str], list[int]] = encode_source):
    """Batches of similar length: (input indices, their texts, model inputs, constraints or None)."""
    device = next(model.parameters()).device
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    it = batches
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(batches, desc=progress if isinstance(progress, str) else "decode", unit="batch")
    for idx in it:
        texts = [sources[i] for i in idx]
        if model.cfg.kind == "pointer":
            src = pointer_inputs(tokenizer, texts, model.cfg.pad_id, device)
        else:
            src = pad_batch([source_ids(tokenizer, t)[: model.cfg.max_len] for t in texts], model.cfg.pad_id, device)
        yield idx, texts, src, _constraints(model, tokenizer, texts, constrained, lm, lm_weight)


def decode_texts(model, tokenizer, sources: Sequence[str], *, beam_size: int = 1, alpha: float = 1.0,
                 constrained: bool = False, batch_size: int = 64, max_len: int | None = None,
                 progress: bool | str = False, stats: DecodeStats | None = None, use_cache: bool = True,
                 source_ids: Callable[[object, str], list[int]] = encode_source, lm=None,
                 lm_weight: float = 0.0) -> list[str]:
    """Decode source sentences to text, in batches of similar length (output in input order).

    Constrained outputs (always for the pointer model; with `lm`, fusion implies the word bag) are
    built from the source words (a permutation of them); unconstrained outputs are
    `tokenizer.decode` of the generated ids. `use_cache=False` (greedy only) recomputes the whole
    prefix every step: the baseline the KV cache is measured against.
    """
    was_training = model.training
    model.eval()
    pointer = model.cfg.kind == "pointer"
    results: list[str] = [""] * len(sources)
    stats = stats if stats is not None else DecodeStats()
    try:
        for idx, texts, src, cons in _batches(model, tokenizer, sources, batch_size, progress, constrained, lm,
                                              lm_weight, source_ids):
            if beam_size == 1:
                out, states = greedy_search(model, src, max_len, cons, use_cache=use_cache)
            else:
                out, states = beam_search(model, src, beam_size, alpha, max_len, cons)
            for j, i in enumerate(idx):
                stats.sentences += 1
                if cons is not None:
                    words, truncated = cons[j].output_words(states[j])
                    stats.truncated += truncated
                    if not pointer:
                        stats.tokenization_mismatch += not word_tokenization_matches(tokenizer, texts[j])
                    results[i] = " ".join(words)
                else:
                    results[i] = tokenizer.decode(out[j])
    finally:
        model.train(was_training)
    return results


def decode_nbest(model, tokenizer, sources: Sequence[str], *, beam_size: int = 5, n_best: int = 1,
                 alpha: float = 1.0, batch_size: int = 64, progress: bool | str = False, lm=None,
                 lm_weight: float = 0.0) -> list[list[tuple[str, float]]]:
    """Per source, the `n_best` best orders with their scores (length-normalised log-probability, the
    fusion bonus included), best first, always constrained to the source's words. The first one is
    exactly `decode_texts(..., beam_size, constrained=True)`'s output (beam search with beam 1 is
    greedy search)."""
    if not 1 <= n_best <= beam_size:
        raise ValueError(f"n-best must be between 1 and the beam size ({beam_size}), got {n_best}")
    was_training = model.training
    model.eval()
    results: list[list[tuple[str, float]]] = [[] for _ in sources]
    try:
        for idx, _texts, src, cons in _batches(model, tokenizer, sources, batch_size, progress, True, lm, lm_weight):
            for k, (j, hyps) in enumerate(zip(idx, beam_search_nbest(model, src, beam_size, alpha, None, cons))):
                seen: dict[str, float] = {}
                for h in hyps:  # equal word sequences from different token paths count once
                    text = " ".join(cons[k].output_words(h.state)[0])
                    seen.setdefault(text, float(h.score))
                results[j] = list(seen.items())[:n_best]
    finally:
        model.train(was_training)
    return results


def is_permutation(prediction: str, source: str) -> bool:
    """True when `prediction` uses exactly the words of `source`, each as often."""
    return sorted(prediction.split()) == sorted(source.split())

"""Batches, loss and slot constraints of the pointer model kind (`fa_nlp.models.pointer`).

Why here and not in the model: what a "word" is (a run of pieces that starts at a `word_start`
piece), how training hides the gold order (slots in a seeded random order) and which slots are
interchangeable (identical words: choosing either copy is equally right) belong to the word-order
task. Slot 0 is BOS/EOS; word slots are 1..W. `slot_word` gives each slot a canonical word id
(the first slot holding the same pieces; 0 for EOS, -1 for padding).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only; torch itself loads inside the functions that run it
    from torch import Tensor

# ---------------------------------------------------------------------------------------------
# words and slots (numpy)


def split_words(pieces: np.ndarray, word_start: np.ndarray) -> list[np.ndarray]:
    """Words of a piece sequence: runs that begin at a word_start piece (the first piece always does)."""
    if len(pieces) == 0:
        return []
    starts = np.flatnonzero(word_start[pieces])
    starts = starts[starts > 0]
    return np.split(np.asarray(pieces), starts)


def canonical_words(words: Sequence[np.ndarray]) -> list[int]:
    """Per slot 1..W, the first slot number holding the identical piece sequence."""
    first: dict[bytes, int] = {}
    return [first.setdefault(np.asarray(w, dtype=np.int64).tobytes(), k + 1) for k, w in enumerate(words)]


def _slot_rows(words: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Words in slot order -> (pieces, word_index 1..W, slot_word [W+1] with 0 for EOS)."""
    if not words:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), [0]
    pieces = np.concatenate(words).astype(np.int64)
    word_index = np.repeat(np.arange(1, len(words) + 1), [len(w) for w in words])
    return pieces, word_index, [0, *canonical_words(words)]


def _pad(rows: Sequence[Sequence[int]], value: int) -> Tensor:
    import torch

    out = np.full((len(rows), max(1, max(len(r) for r in rows))), value, dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return torch.from_numpy(out)


def pointer_sources(srcs: Sequence[np.ndarray], word_start: np.ndarray, strip_eos: bool = True) -> dict[str, Tensor]:
    """A batch of sources for decoding: `pieces`, `word_index` [B,S] (0 = pad), `slot_word` [B,W+1]."""
    rows = [_slot_rows(split_words(s[:-1] if strip_eos else s, word_start)) for s in srcs]
    return {"pieces": _pad([r[0] for r in rows], 0), "word_index": _pad([r[1] for r in rows], 0),
            "slot_word": _pad([r[2] for r in rows], -1)}


def slot_pieces(pieces: np.ndarray, word_index: np.ndarray, slots: Sequence[int]) -> np.ndarray:
    """The pieces of the chosen slots in order, up to the first EOS (0): a decoded output."""
    out = []
    for s in slots:
        if s == 0:
            break
        out.append(pieces[word_index == s])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.asarray(pieces).dtype)


def pointer_collate(tgts: Sequence[np.ndarray], word_start: np.ndarray, shuffle_keys: Sequence[tuple]
                    ) -> dict[str, Tensor | int]:
    """Training batch from ORDERED targets; slots are the words in a random order seeded by each key.

    -> pieces, word_index [B,S]; tgt_in [B,W+1] (0, then the gold slots; padded with 0); target
    [B,W+1] (gold slots, then EOS 0; padded with -1); slot_word [B,W+1]; n_targets (int, sum of W+1).
    """
    pieces, word_index, slot_word, tgt_in, target = [], [], [], [], []
    for tgt, key in zip(tgts, shuffle_keys):
        words = split_words(np.asarray(tgt), word_start)
        order = np.random.default_rng(key).permutation(len(words))  # slot k+1 holds words[order[k]]
        slot_of = np.empty(len(words), dtype=np.int64)
        slot_of[order] = np.arange(1, len(words) + 1)
        p, w, sw = _slot_rows([words[k] for k in order])
        pieces.append(p), word_index.append(w), slot_word.append(sw)
        tgt_in.append([0, *slot_of]), target.append([*slot_of, 0])
    return {"pieces": _pad(pieces, 0), "word_index": _pad(word_index, 0), "tgt_in": _pad(tgt_in, 0),
            "target": _pad(target, -1), "slot_word": _pad(slot_word, -1), "n_targets": sum(map(len, target))}


# ---------------------------------------------------------------------------------------------
# loss and constraints (torch)


def allowed_slots(used: Tensor, slot_pad: Tensor) -> Tensor:
    """[...,W+1] bool: unused word slots; EOS (slot 0) only once every word slot is used."""
    free = ~used & ~slot_pad
    free[..., 0] = False
    allowed = free.clone()
    allowed[..., 0] = ~free.any(-1)
    return allowed


def pointer_loss(logits: Tensor, batch: dict) -> Tensor:
    """Summed NLL: each step normalised over the slots the gold prefix has not used (EOS only at the
    end); the target probability is the sum over unused slots holding the gold word."""
    import torch

    target, slot_word = batch["target"].to(logits.device), batch["slot_word"].to(logits.device)
    valid = target.ge(0)
    n = slot_word.size(1)
    hit = torch.nn.functional.one_hot(target.clamp(min=0), n).bool() & valid[..., None]
    used = (hit.long().cumsum(1) - hit.long()).bool()  # slots chosen by the gold prefix before step t
    allowed = allowed_slots(used, slot_word.lt(0)[:, None, :].expand_as(used))
    allowed = torch.where(valid[..., None], allowed, _eos_only(n, logits.device))  # padding steps: a 0 loss
    gold_word = slot_word.gather(1, target.clamp(min=0))
    good = allowed & slot_word[:, None, :].eq(gold_word[..., None])
    logits = logits.float()
    log_z = logits.masked_fill(~allowed, float("-inf")).logsumexp(-1)
    log_num = logits.masked_fill(~good, float("-inf")).logsumexp(-1)
    return (log_z - log_num).masked_fill(~valid, 0.0).sum()


def _eos_only(n: int, device) -> Tensor:
    import torch

    m = torch.zeros(n, dtype=torch.bool, device=device)
    m[0] = True
    return m

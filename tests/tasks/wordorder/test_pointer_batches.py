"""Pointer batches: hidden gold order, equivalent duplicate words, the masked loss, slot constraints."""

from __future__ import annotations

import math

import numpy as np
import torch

from fa_nlp.models import build_model, model_config
from fa_nlp.tasks.wordorder.pointer_batches import (
    allowed_slots,
    pointer_collate,
    pointer_loss,
    pointer_sources,
    slot_pieces,
    split_words,
)

torch.set_num_threads(1)

WORD_START = np.arange(40) % 3 == 0  # ids 3,6,9,... start words; the rest continue them
EOS = 2


def test_words_split_at_word_start_pieces():
    words = split_words(np.array([3, 1, 6, 9, 4, 5]), WORD_START)
    assert [w.tolist() for w in words] == [[3, 1], [6], [9, 4, 5]]
    assert [w.tolist() for w in split_words(np.array([1, 3]), WORD_START)] == [[1], [3]]  # no leading start
    assert split_words(np.array([], dtype=np.int64), WORD_START) == []


def test_collate_hides_the_gold_order_and_rebuilds_the_target():
    tgts = [np.array([3, 1, 6, 9, 4, 12, 15, 18, 21, 24]), np.array([6, 3, 1])]
    b = pointer_collate(tgts, WORD_START, [(5, 0), (5, 1)])
    assert b["n_targets"] == (8 + 1) + (2 + 1)
    assert b["tgt_in"][0].tolist() == [0, *b["target"][0, :-1].tolist()]
    assert b["target"][1].tolist() == [*b["target"][1, :2].tolist(), 0, -1, -1, -1, -1, -1, -1]
    assert b["target"][0, :8].tolist() != list(range(1, 9))  # slots are not in the gold order
    for i, t in enumerate(tgts):
        slots = b["target"][i].tolist()
        assert slot_pieces(b["pieces"][i].numpy(), b["word_index"][i].numpy(), slots).tolist() == t.tolist()
    again = pointer_collate(tgts, WORD_START, [(5, 0), (5, 1)])
    other = pointer_collate(tgts, WORD_START, [(6, 0), (6, 1)])
    assert torch.equal(again["pieces"], b["pieces"]) and not torch.equal(other["pieces"], b["pieces"])


def test_identical_words_share_a_canonical_id():
    b = pointer_collate([np.array([6, 3, 1, 6, 3, 1, 3])], WORD_START, [(0,)])
    pieces, wi, sw = b["pieces"][0], b["word_index"][0], b["slot_word"][0].tolist()
    assert sw[0] == 0
    words = [tuple(pieces[wi == s].tolist()) for s in range(1, 6)]
    for a in range(1, 6):
        for c in range(1, 6):
            assert (sw[a] == sw[c]) == (words[a - 1] == words[c - 1])


def test_source_strips_eos_and_batches_pad():
    b = pointer_sources([np.array([9, 4, 3, 1, 6, EOS]), np.array([6, 6, EOS])], WORD_START)
    assert b["pieces"][0].tolist() == [9, 4, 3, 1, 6]  # EOS stripped
    assert b["word_index"].tolist() == [[1, 1, 2, 2, 3], [1, 2, 0, 0, 0]]
    assert b["slot_word"].tolist() == [[0, 1, 2, 3], [0, 1, 1, -1]]


def test_loss_is_normalised_over_unused_slots_and_sums_duplicate_copies():
    # slots 1..3 hold words a, b, a (1 and 3 are copies); gold order: a b a -> slots 1, 2, 3
    batch = {"target": torch.tensor([[1, 2, 3, 0]]), "slot_word": torch.tensor([[0, 1, 2, 1]])}
    logits = torch.randn(1, 4, 4)
    lp = logits[0]
    want = -(torch.logsumexp(lp[0, [1, 3]], 0) - torch.logsumexp(lp[0, 1:], 0))  # step 0: a (either copy)
    want -= lp[1, 2] - torch.logsumexp(lp[1, [2, 3]], 0)  # step 1: b among the unused {2, 3}
    want -= 0.0  # step 2: slot 3 is the only unused slot; step 3: EOS is the only choice
    assert math.isclose(pointer_loss(logits, batch).item(), want.item(), rel_tol=1e-5)


def swapped(batch: dict, a: int, c: int) -> dict:
    """The same batch with slots a and c exchanged in the gold order (tgt_in and target)."""
    perm = torch.arange(batch["slot_word"].size(1))
    perm[a], perm[c] = c, a
    target = torch.where(batch["target"] >= 0, perm[batch["target"].clamp(min=0)], -1)
    return {**batch, "tgt_in": perm[batch["tgt_in"]], "target": target}


def test_swapping_identical_words_in_the_gold_order_gives_the_same_loss():
    torch.manual_seed(0)
    model = build_model(model_config("tiny", vocab_size=40, kind="pointer", pooling="attention", d_model=32,
                                     d_ff=64, max_len=32)).eval()
    b = pointer_collate([np.array([3, 1, 6, 9, 4, 3, 1, 12])], WORD_START, [(1,)])  # [3, 1] twice
    sw = b["slot_word"][0]
    a, c = [s for s in range(1, 6) if (sw == sw[s]).sum() == 2]
    d = next(s for s in range(1, 6) if sw[s] != sw[a])

    def loss(batch):
        with torch.no_grad():
            return pointer_loss(model((batch["pieces"], batch["word_index"]), batch["tgt_in"]), batch).item()

    assert not torch.equal(swapped(b, a, c)["target"], b["target"])
    assert math.isclose(loss(swapped(b, a, c)), loss(b), rel_tol=1e-6)
    assert not math.isclose(loss(swapped(b, a, d)), loss(b), rel_tol=1e-3)  # different words: another order


def test_loss_ignores_padding_and_has_finite_gradients():
    b = pointer_collate([np.array([3, 6, 9, 12, 15]), np.array([6])], WORD_START, [(0,), (1,)])
    logits = torch.randn(2, 6, 6, requires_grad=True)
    pad = b["slot_word"].lt(0)[:, None, :].expand(-1, 6, -1)
    masked = logits.masked_fill(pad, float("-inf"))  # as the model returns them
    loss = pointer_loss(masked, b)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    assert logits.grad[1, 2:].abs().sum() == 0  # steps after the short sentence's EOS


def test_allowed_slots_end_with_eos_only():
    pad = torch.tensor([[False, False, False, True]])
    assert allowed_slots(torch.tensor([[False, False, False, False]]), pad).tolist() == [[False, True, True, False]]
    assert allowed_slots(torch.tensor([[False, True, True, False]]), pad).tolist() == [[True, False, False, False]]

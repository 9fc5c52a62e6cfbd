"""Constraint scoring in the search: the slot bag offers each distinct unused word once, weighted by its
copies inside the renormalisation (what the pointer model was trained to give the word)."""

from __future__ import annotations

import math

import torch

from fa_nlp.decoding.constraints import LMFusion, SlotBag
from fa_nlp.decoding.search import _scores


class _Pointerish:
    normalize_after_mask = True


def test_one_copy_offered_with_the_probability_of_all_its_copies():
    # slots: EOS, a, b, a (the two copies score alike, as the position-free encoder makes them)
    logits = torch.log(torch.tensor([[0.1, 0.2, 0.3, 0.2]]))
    bag = SlotBag(["a", "b", "a"])
    st = bag.initial()
    p = _scores(_Pointerish(), logits, [bag], [st]).exp()
    assert torch.allclose(p, torch.tensor([[0.0, 0.4 / 0.7, 0.3 / 0.7, 0.0]]))
    st = bag.advance(st, 1)  # one copy of "a" used: the other stands alone
    p = _scores(_Pointerish(), logits, [bag], [st]).exp()
    assert torch.allclose(p, torch.tensor([[0.0, 0.0, 0.3 / 0.5, 0.2 / 0.5]]))


def test_fusion_adds_the_lm_after_the_copies_and_zero_weight_changes_nothing():
    class LM:
        order = 2

        def logprob(self, context, word):
            return math.log(0.9 if word == "b" else 0.1)

    logits = torch.log(torch.tensor([[0.1, 0.2, 0.3, 0.2]]))
    bag = SlotBag(["a", "b", "a"])
    plain = _scores(_Pointerish(), logits, [bag], [bag.initial()])
    assert torch.equal(_scores(_Pointerish(), logits, [LMFusion(bag, LM(), 0.0)], [bag.initial()]), plain)
    fused = _scores(_Pointerish(), logits, [LMFusion(bag, LM(), 0.5)], [bag.initial()])
    assert torch.allclose(fused[0, 1:3] - plain[0, 1:3], torch.tensor([0.5 * math.log(0.1), 0.5 * math.log(0.9)]))

"""The pointer model: a bag encoder (equivariant), permutation outputs, KV cache, and it learns."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fa_nlp.models import build_model, model_config
from fa_nlp.models.pointer import PointerNetwork, segment_softmax, within_word_positions
from fa_nlp.tasks.wordorder.pointer_batches import pointer_collate, pointer_loss, pointer_sources

torch.set_num_threads(1)

VOCAB = 40
WORD_START = np.arange(VOCAB) % 3 == 0  # ids 0,3,6,... start words; the rest continue them


def tiny(pooling: str = "mean", seed: int = 0, **kw) -> PointerNetwork:
    torch.manual_seed(seed)
    cfg = model_config("tiny", vocab_size=VOCAB, kind="pointer", pooling=pooling, d_model=32, d_ff=64,
                       max_len=64, max_word_pieces=4, **kw)
    return build_model(cfg).eval()


def words_to_src(words: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    pieces = torch.tensor([p for w in words for p in w])[None]
    word_index = torch.tensor([k + 1 for k, w in enumerate(words) for _ in w])[None]
    return pieces, word_index


def greedy(model: PointerNetwork, src) -> torch.Tensor:
    """Slot sequences [B,W+1]: used slots masked, EOS (0) only allowed once every word is used."""
    memory, pad = model.encode(src)
    b, n = pad.shape
    rows = torch.arange(b)
    used = pad.clone()
    used[:, 0] = True
    tin = torch.zeros(b, 1, dtype=torch.long)
    for _ in range(n):
        logits = model.decode(tin, memory, pad)[:, -1]
        done = used.all(-1)
        allowed = ~used
        allowed[:, 0] = done
        nxt = logits.masked_fill(~allowed, float("-inf")).argmax(-1)
        used = used.clone()
        used[rows, nxt] = True
        tin = torch.cat([tin, nxt[:, None]], 1)
    return tin[:, 1:]


def chosen_words(words: list[list[int]], slots: list[int]) -> list[tuple[int, ...]]:
    return [tuple(words[s - 1]) for s in slots if s != 0]


SENTENCE = [[3, 1], [6], [9, 2, 4], [3, 1], [12], [15, 5], [6], [18]]  # repeated words: [3,1], [6]


@pytest.mark.parametrize("pooling", ["mean", "attention"])
def test_permuting_source_words_permutes_memory_and_keeps_the_output(pooling):
    model = tiny(pooling)
    if model.pool_query is not None:
        torch.nn.init.normal_(model.pool_query)  # trained-like, not the uniform start
    perm = np.random.default_rng(3).permutation(len(SENTENCE))
    shuffled = [SENTENCE[k] for k in perm]
    with torch.no_grad():
        mem, pad = model.encode(words_to_src(SENTENCE))
        mem_p, pad_p = model.encode(words_to_src(shuffled))
        out = greedy(model, words_to_src(SENTENCE))[0].tolist()
        out_p = greedy(model, words_to_src(shuffled))[0].tolist()
    assert torch.allclose(mem_p[0, 1:], mem[0, 1 + torch.from_numpy(perm)], atol=1e-5)
    assert torch.allclose(mem_p[0, 0], mem[0, 0], atol=1e-5)
    assert chosen_words(shuffled, out_p) == chosen_words(SENTENCE, out)


def test_outputs_are_permutations_also_with_repeated_words():
    model = tiny("attention", seed=1)
    rng = np.random.default_rng(0)
    srcs = []
    for _ in range(16):  # few distinct words, so most sentences repeat some
        words = [[3 * int(rng.integers(1, 5)), *([1] * int(rng.integers(0, 2)))] for _ in range(rng.integers(1, 12))]
        srcs.append(np.array([p for w in words for p in w] + [2]))
    batch = pointer_sources(srcs, WORD_START)
    with torch.no_grad():
        out = greedy(model, (batch["pieces"], batch["word_index"]))
    n_words = batch["word_index"].max(-1).values
    for row, n in zip(out.tolist(), n_words.tolist()):
        assert sorted(row[:n]) == list(range(1, n + 1))
        assert all(s == 0 for s in row[n:])


def test_kv_cache_decode_equals_full_recompute():
    model = tiny("mean")
    b = pointer_collate([np.array([3, 1, 6, 9, 2, 3, 1, 12]), np.array([6, 9, 4])], WORD_START, [(0,), (1,)])
    with torch.no_grad():
        memory, pad = model.encode((b["pieces"], b["word_index"]))
        full = model.decode(b["tgt_in"], memory, pad)
        cache = model.new_cache(2, max_len=16)
        steps = [model.decode(b["tgt_in"][:, t : t + 1], memory, pad, cache) for t in range(b["tgt_in"].size(1))]
    assert torch.allclose(torch.cat(steps, 1), full, atol=1e-5)
    assert cache.length == b["tgt_in"].size(1)


def test_padding_does_not_change_a_sentence():
    model = tiny("attention")
    long, short = np.array([3, 1, 6, 9, 2, 4, 12, 15, 5]), np.array([9, 4, 3, 1])
    both = pointer_collate([long, short], WORD_START, [(0,), (1,)])
    alone = pointer_collate([short], WORD_START, [(1,)])
    with torch.no_grad():
        lb = model((both["pieces"], both["word_index"]), both["tgt_in"])
        la = model((alone["pieces"], alone["word_index"]), alone["tgt_in"])
    n = la.size(-1)
    assert torch.isinf(lb[1, :, n:]).all()  # padding slots are never chosen
    assert torch.allclose(lb[1, :n, :n], la[0], atol=1e-5)


def test_pieces_pool_within_their_word():
    wi = torch.tensor([[1, 1, 1, 2, 3, 3, 0, 0]])
    assert within_word_positions(wi, 16).tolist() == [[0, 1, 2, 0, 0, 1, 0, 1]]
    assert within_word_positions(wi, 2).tolist() == [[0, 1, 1, 0, 0, 1, 0, 1]]
    w = segment_softmax(torch.randn(1, 8), wi, 4)
    sums = torch.zeros(1, 4).scatter_add(1, wi, w)
    assert torch.allclose(sums, torch.ones(1, 4))


@pytest.mark.parametrize("pooling", ["mean", "attention"])
def test_pooled_words_keep_their_piece_order(pooling):
    """Additive within-word positions would cancel in a mean; the learned gate keeps [3,1,2] != [3,2,1]."""
    model = tiny(pooling)
    torch.nn.init.normal_(model.piece_gate.weight, std=0.5)  # as after training (it starts at 0)
    with torch.no_grad():
        a, _ = model.encode(words_to_src([[3, 1, 4], [6]]))
        b, _ = model.encode(words_to_src([[3, 4, 1], [6]]))
    assert not torch.allclose(a[0, 1], b[0, 1], atol=1e-3)


def test_api_shapes_and_parameter_table():
    model = tiny("attention")
    assert (model.bos_index, model.eos_index, model.normalize_after_mask) == (0, 0, True)
    assert sum(n for _, n in model.parameter_table()) == model.num_parameters()
    assert any(k.startswith("encoder.embed") for k in model.state_dict())
    src = words_to_src(SENTENCE)
    maps = model.attention_maps(src, torch.zeros(1, 3, dtype=torch.long))
    assert maps["decoder.0.cross"].shape == (1, 4, 3, len(SENTENCE) + 1)
    with pytest.raises(ValueError, match="RoPE"):
        tiny(positional="learned")


def digits(rng, n: int) -> list[np.ndarray]:
    return [np.sort(rng.integers(4, 14, rng.integers(2, 11))) for _ in range(n)]


def test_tiny_pointer_model_learns_sorting():
    """Sort a multiset of one-piece words 4..13 (slots arrive shuffled): >= 95 % exact match after 150
    steps (seconds on an idle core; no timing asserted: tests are not benchmarks)."""
    word_start = np.zeros(16, dtype=bool)
    word_start[4:14] = True
    torch.manual_seed(0)
    model = build_model(model_config("tiny", vocab_size=16, kind="pointer", d_model=64, max_len=32))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.0)
    rng = np.random.default_rng(1)
    steps = 150
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = 3e-3 * min(1.0, (step + 1) / 20) * max(0.05, 1 - step / steps)
        b = pointer_collate(digits(rng, 64), word_start, [(step, i) for i in range(64)])
        loss = pointer_loss(model((b["pieces"], b["word_index"]), b["tgt_in"]), b) / b["n_targets"]
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    model.eval()
    test = digits(np.random.default_rng(99), 300)
    b = pointer_collate(test, word_start, [(7, i) for i in range(300)])
    with torch.no_grad():
        out = greedy(model, (b["pieces"], b["word_index"]))
    hits = 0
    for i, tgt in enumerate(test):
        pieces, wi = b["pieces"][i], b["word_index"][i]
        hits += [int(pieces[wi == s][0]) for s in out[i].tolist() if s != 0] == tgt.tolist()
    assert hits / len(test) >= 0.95, f"exact match {hits / len(test):.3f}"

"""Seq2SeqTransformer: shapes, masks, KV cache, positions, parameter counts, attention maps."""

from __future__ import annotations

import pytest
import torch

from fa_nlp.models import PRESETS, ModelConfig, Seq2SeqTransformer, model_config

torch.set_num_threads(1)
V = 40


def _model(**kw) -> Seq2SeqTransformer:
    torch.manual_seed(0)
    return Seq2SeqTransformer(model_config("tiny", vocab_size=V, **kw)).eval()


def _batch(b=3, s=7, t=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(4, V, (b, s), generator=g), torch.randint(4, V, (b, t), generator=g)


@pytest.mark.parametrize("positional", ["rope", "learned", "sinusoidal"])
def test_kv_cached_decode_equals_full_decode(positional):
    m = _model(positional=positional)
    src, tgt = _batch()
    full = m(src, tgt)
    memory, src_pad = m.encode(src)
    cache = m.new_cache(batch_size=3, max_len=16)
    pieces = [m.decode(tgt[:, :2], memory, src_pad, cache)]  # a 2-token prefill, then one at a time
    for i in range(2, tgt.size(1)):
        pieces.append(m.decode(tgt[:, i : i + 1], memory, src_pad, cache))
    assert cache.length == tgt.size(1)
    torch.testing.assert_close(torch.cat(pieces, 1), full, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("positional", ["rope", "learned", "sinusoidal"])
def test_padding_does_not_change_real_positions(positional):
    m = _model(positional=positional)
    src, tgt = _batch()
    ref = m(src, tgt)
    src_p = torch.cat([src, torch.zeros(3, 4, dtype=torch.long)], 1)  # pad_id = 0 on the right
    tgt_p = torch.cat([tgt, torch.zeros(3, 3, dtype=torch.long)], 1)
    torch.testing.assert_close(m(src_p, tgt_p)[:, : tgt.size(1)], ref, atol=1e-5, rtol=1e-5)


def test_rows_of_different_lengths_match_their_unpadded_selves():
    m = _model()
    src, tgt = _batch(b=2)
    src[1, 4:] = 0  # second row: 4 real source tokens
    batched = m(src, tgt)
    alone = m(src[1:2, :4], tgt[1:2])
    torch.testing.assert_close(batched[1:2], alone, atol=1e-5, rtol=1e-5)


def test_decoder_is_causal():
    m = _model()
    src, tgt = _batch()
    changed = tgt.clone()
    changed[:, -1] = 5  # changing the last target token must not affect earlier logits
    torch.testing.assert_close(m(src, changed)[:, :-1], m(src, tgt)[:, :-1])


def test_cache_reorder_selects_rows():
    m = _model()
    src, tgt = _batch()
    memory, pad = m.encode(src)
    cache = m.new_cache(3, 8)
    m.decode(tgt[:, :1], memory, pad, cache)
    idx = torch.tensor([2, 2, 0])
    cache.reorder(idx)
    step = m.decode(tgt[idx, 1:2], memory[idx], pad[idx], cache)
    torch.testing.assert_close(step, m(src[idx], tgt[idx, :2])[:, 1:2], atol=1e-5, rtol=1e-5)


def test_embeddings_are_tied():
    m = _model()
    assert m.lm_head is None
    untied = Seq2SeqTransformer(model_config("tiny", vocab_size=V, tie_embeddings=False))
    assert untied.num_parameters() == m.num_parameters() + V * m.cfg.d_model


@pytest.mark.parametrize(("preset", "low", "high"), [
    ("tiny", 0.2e6, 0.8e6),   # tests / CPU (with an 8k vocabulary: ~0.74M)
    ("small", 8e6, 12e6),     # ~10M
    ("base", 40e6, 60e6),     # ~40-60M
])
def test_preset_sizes_and_table_sums(preset, low, high):
    m = Seq2SeqTransformer(model_config(preset, vocab_size=8000 if preset != "tiny" else 2000))
    n = m.num_parameters()
    assert low <= n <= high
    assert sum(c for _, c in m.parameter_table()) == n


def test_attention_maps_are_distributions_with_masks():
    m = _model()
    src, tgt = _batch()
    src[0, 5:] = 0
    maps = m.attention_maps(src, tgt)
    assert set(maps) == {f"{s}.{i}.{k}" for s, k in [("encoder", "self"), ("decoder", "self"), ("decoder", "cross")]
                         for i in range(2)}
    for w in maps.values():
        torch.testing.assert_close(w.sum(-1), torch.ones(w.shape[:-1]))
    assert maps["decoder.0.self"][0, 0].triu(1).abs().max() == 0  # causal
    assert maps["decoder.1.cross"][0, :, :, 5:].abs().max() == 0  # padded source keys get no weight
    assert maps["encoder.0.self"].shape == (3, 4, 7, 7)


def test_bad_configs_are_rejected():
    with pytest.raises(ValueError, match="divisible"):
        ModelConfig(d_model=10, n_heads=4)
    with pytest.raises(ValueError, match="unknown model preset"):
        model_config("huge")
    assert set(PRESETS) == {"tiny", "small", "base"}


def test_too_long_input_is_a_clear_error():
    m = Seq2SeqTransformer(model_config("tiny", vocab_size=V, max_len=8))
    with pytest.raises(ValueError, match="max_len"):
        m(torch.ones(1, 9, dtype=torch.long), torch.ones(1, 2, dtype=torch.long))

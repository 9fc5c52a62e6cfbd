"""Masked-LM pretraining: masking rule, prepare-mlm (decontamination, packing), loss falls, and
`init_from` copies the pretrained encoder into the span model exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest
from safetensors.torch import load_file

from fa_nlp.tasks.mlm.prepare import pack
from fa_nlp.tasks.mlm.task import mask_tokens


def test_mask_tokens_rule():
    rng = np.random.default_rng(0)
    ids = rng.integers(10, 500, size=(200, 64))
    ids[:, 0], ids[:, 50] = 2, 3  # [CLS], [SEP]
    lengths = np.full(200, 51)
    ids[:, 51:] = 0
    out, chosen, labels = mask_tokens(ids, lengths, rng, mask_id=4, n_special=5, vocab_size=500,
                                      special=(0, 2, 3, 4))
    assert not chosen[:, 0].any() and not chosen[:, 50:].any()  # never specials or padding
    assert 0.13 < chosen[:, 1:50].mean() < 0.17
    assert (labels == ids[chosen]).all() and (out[~chosen] == ids[~chosen]).all()
    masked = (out[chosen] == 4).mean()
    kept = (out[chosen] == ids[chosen]).mean()
    assert 0.75 < masked < 0.85 and 0.06 < kept < 0.15


def test_pack_rows():
    rows, lens = pack([[5, 6, 7], [8] * 20], max_len=8, cls_id=2, sep_id=3, pad_id=0)
    assert rows[0].tolist() == [2, 5, 6, 7, 3, 8, 8, 3]  # documents back to back, [SEP] between
    assert (lens[:-1] == 8).all() and rows.shape[1] == 8


@pytest.fixture(scope="module")
def mlm_prepared(sample_dir, qa_prepared, tmp_path_factory):
    from fa_nlp.tasks.mlm.prepare import prepare_mlm

    out = tmp_path_factory.mktemp("mlm") / "prep"
    meta = prepare_mlm(str(sample_dir / "documents.txt"), qa_prepared, out, max_len=48, dev_docs=3, log=lambda *a: None)
    return out, meta


def test_prepare_mlm_keeps_qa_dev_and_test_text_out(mlm_prepared, qa_prepared):
    out, meta = mlm_prepared
    src = meta["sources"]
    # the sample's qa.json contexts repeat documents.txt paragraphs: those of dev/test contexts are dropped
    assert src["dropped_sharing_a_13_word_shingle_with_qa_dev_or_test"] > 0
    assert src["qa_train_contexts"] > 0
    ids = np.load(out / "train.ids.npy")
    assert ids.shape[1] == 48 and (ids[:, 0] == meta["cls_id"]).all()
    assert meta["counts"]["validation"]["rows"] > 0


def _cfg(prepared, run, *extra):
    from fa_nlp.config import load_config
    from fa_nlp.training.config import TrainConfig

    return load_config(TrainConfig, None, [
        "task=mlm", "device=cpu", "threads=1", f"data.prepared={prepared}", "data.dev_split=validation",
        f"log.run_dir={run}", "log.progress=false", "model.kind=mlm", "model.preset=tiny", "data.max_tokens=1024",
        "optim.label_smoothing=0.0", "optim.warmup_steps=10", "optim.lr=2e-3", "log.log_every=5",
        "log.eval_every=100000", "log.save_every=100000", *extra])


@pytest.fixture(scope="module")
def mlm_run(mlm_prepared, tmp_path_factory):
    from fa_nlp.tasks.base import train_task

    run = tmp_path_factory.mktemp("mlm_run") / "run"
    train_task(_cfg(mlm_prepared[0], run, "optim.max_steps=60"))
    return run


def test_mlm_loss_falls(mlm_run):
    rows = [json.loads(x) for x in (mlm_run / "metrics.jsonl").read_text().splitlines()]
    first, last = rows[0]["loss"], rows[-1]["loss"]
    assert last < first - 0.5, (first, last)
    assert "dev_mlm_acc" in rows[-1] and "dev_loss" in rows[-1]


def test_init_from_copies_the_encoder_exactly(mlm_run, qa_prepared, qa_cfg, tmp_path):
    from fa_nlp.tasks.base import train_task
    from fa_nlp.training import checkpoint

    run = tmp_path / "qa"
    # lr = 0: one step changes nothing, so the saved encoder must be the MLM run's, bit for bit
    train_task(qa_cfg(qa_prepared, run, f"init_from={mlm_run}", "optim.max_steps=1", "optim.lr=0.0"))
    mlm = load_file(str(checkpoint.latest(mlm_run) / "model.safetensors"))
    qa = load_file(str(checkpoint.latest(run) / "model.safetensors"))
    enc = sorted(k for k in mlm if k.startswith("encoder."))
    assert enc == sorted(k for k in qa if k.startswith("encoder."))
    for k in enc:
        assert (mlm[k] == qa[k]).all(), k
    assert "head.proj.weight" in qa and "head.proj.weight" not in mlm  # heads are never transferred


def test_init_from_a_run_of_the_same_kind_copies_the_whole_model(mlm_run, qa_prepared, qa_cfg, tmp_path):
    """MLM -> span (cloze pretraining) -> span (PQuAD): the second hop keeps the head and the
    exact-match embedding too, not only the encoder."""
    from fa_nlp.tasks.base import train_task
    from fa_nlp.training import checkpoint

    first, second = tmp_path / "cloze", tmp_path / "qa"
    train_task(qa_cfg(qa_prepared, first, f"init_from={mlm_run}", "optim.max_steps=3", "model.match_feature=true"))
    train_task(qa_cfg(qa_prepared, second, f"init_from={first}", "optim.max_steps=1", "optim.lr=0.0",
                      "model.match_feature=true"))
    a = load_file(str(checkpoint.latest(first) / "model.safetensors"))
    b = load_file(str(checkpoint.latest(second) / "model.safetensors"))
    assert "match_embed.weight" in a and sorted(a) == sorted(b)
    for k in a:
        assert (a[k] == b[k]).all(), k
    with pytest.raises(RuntimeError, match="match_embed"):  # a model without the feature cannot take it silently
        train_task(qa_cfg(qa_prepared, tmp_path / "bad", f"init_from={first}", "optim.max_steps=1"))

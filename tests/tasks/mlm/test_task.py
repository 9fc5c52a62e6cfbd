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


def _qa_folder_args(qa_prepared):
    """What `--qa-prepared` used to do implicitly: the QA folder's train contexts in, its dev/test out."""
    return {"include": [str(qa_prepared / "train.contexts.jsonl")],
            "exclude": [str(qa_prepared / f"{s}.contexts.jsonl") for s in ("dev", "test")]}


@pytest.fixture(scope="module")
def mlm_prepared(sample_dir, qa_prepared, tmp_path_factory):
    from fa_nlp.tasks.mlm.prepare import prepare_mlm

    out = tmp_path_factory.mktemp("mlm") / "prep"
    meta = prepare_mlm(str(sample_dir / "documents.txt"), qa_prepared / "tokenizer", out, max_len=48, dev_docs=3,
                       log=lambda *a: None, **_qa_folder_args(qa_prepared))
    return out, meta


def test_prepare_mlm_keeps_excluded_text_out(mlm_prepared, qa_prepared):
    out, meta = mlm_prepared
    src = meta["sources"]
    # the sample's qa.json contexts repeat documents.txt paragraphs: those of dev/test contexts are dropped
    assert src["dropped_documents"] > 0
    assert src["included_texts"] == len((qa_prepared / "train.contexts.jsonl").read_text(encoding="utf-8").splitlines())
    assert set(src["decontamination"]["per_set"]) == {f"exclude:{qa_prepared / s}.contexts.jsonl"
                                                      for s in ("dev", "test")}
    ids = np.load(out / "train.ids.npy")
    assert ids.shape[1] == 48 and (ids[:, 0] == meta["cls_id"]).all()
    assert meta["counts"]["validation"]["rows"] > 0
    assert (out / "tokenizer" / "tokenizer.json").read_bytes() == (qa_prepared / "tokenizer" / "tokenizer.json").read_bytes()


def test_rows_are_those_of_the_qa_folder_recipe(mlm_prepared, sample_dir, qa_prepared):
    # why: plain text + tokenizer + exclusion list must give byte-identical rows to the old recipe, which read
    # the QA folder itself (its train contexts added as they are, its dev/test contexts' runs kept out)
    from fa_nlp.data.pretraining import pretraining_texts, qa_folder_contexts
    from fa_nlp.tokenization import load_fast_tokenizer

    out, meta = mlm_prepared
    train_ctx, dev_test, normalized = qa_folder_contexts(qa_prepared)
    texts, _, _ = pretraining_texts(str(sample_dir / "documents.txt"), include=train_ctx, exclude=dev_test,
                                    normalize=normalized)
    tok = load_fast_tokenizer(qa_prepared / "tokenizer")
    order = np.random.default_rng(1234).permutation(len(texts))
    n_dev = min(3, len(texts) // 10)
    for split, idx in (("train", order[n_dev:]), ("validation", order[:n_dev])):
        enc = [e.ids for e in tok.encode_batch([texts[i] for i in idx], add_special_tokens=False)]
        rows, lengths = pack(enc, 48, meta["cls_id"], meta["sep_id"], meta["pad_id"])
        assert np.load(out / f"{split}.ids.npy").tobytes() == rows.astype(np.uint16).tobytes()
        assert np.load(out / f"{split}.lengths.npy").tobytes() == lengths.astype(np.int32).tobytes()


def test_cli_takes_a_tokenizer_and_the_old_qa_prepared_flag_still_works(mlm_prepared, sample_dir, qa_prepared,
                                                                       tmp_path, capsys):
    from fa_nlp.cli import main

    out, _ = mlm_prepared
    common = ["prepare", "mlm", "--text", str(sample_dir / "documents.txt"), "--max-len", "48", "--dev-docs", "3",
              "--held-out", "none", "--include", str(qa_prepared / "train.contexts.jsonl"),
              "--exclude", *(str(qa_prepared / f"{s}.contexts.jsonl") for s in ("dev", "test"))]
    assert main([*common, "--tokenizer", str(qa_prepared / "tokenizer" / "tokenizer.json"),
                 "--out", str(tmp_path / "new")]) == 0
    assert "deprecated" not in capsys.readouterr().err
    assert main([*common, "--qa-prepared", str(qa_prepared), "--out", str(tmp_path / "old")]) == 0
    err = capsys.readouterr().err
    assert "--qa-prepared is deprecated" in err and f"--tokenizer {qa_prepared / 'tokenizer'}" in err
    for run in ("new", "old"):
        for f in ("train.ids.npy", "validation.ids.npy", "train.lengths.npy"):
            assert (tmp_path / run / f).read_bytes() == (out / f).read_bytes()


@pytest.mark.parametrize(("args", "message"), [
    ([], "give --tokenizer"),                                     # no tokenizer at all
    (["--tokenizer", "TOK", "--qa-prepared", "QA"], "not both"),  # two answers to one question
    (["--tokenizer", "MISSING"], "no tokenizer.json"),            # a folder without the model file
    (["--tokenizer", "NOWHERE"], "no such tokenizer folder"),     # a path that does not exist
])
def test_cli_tokenizer_errors_are_one_clear_line(args, message, sample_dir, qa_prepared, tmp_path, capsys):
    from fa_nlp.cli import main

    args = [{"TOK": str(qa_prepared / "tokenizer"), "QA": str(qa_prepared), "MISSING": str(tmp_path),
             "NOWHERE": str(tmp_path / "nowhere")}.get(a, a)
            for a in args]
    assert main(["prepare", "mlm", "--text", str(sample_dir / "documents.txt"), "--held-out", "none",
                 "--out", str(tmp_path / "o"), *args]) == 1
    assert message in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_a_sentencepiece_tokenizer_is_refused(sample_dir, tmp_path):
    from fa_nlp.tasks.mlm.prepare import prepare_mlm

    (tmp_path / "tok").mkdir()
    (tmp_path / "tok" / "spm.model").write_bytes(b"")
    (tmp_path / "tok" / "tokenizer_config.json").write_text('{"family": "seq2seq", "file": "spm.model"}')
    with pytest.raises(ValueError, match="QA-family"):
        prepare_mlm(str(sample_dir / "documents.txt"), tmp_path / "tok", tmp_path / "o", log=lambda *a: None)


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


def test_model_card_names_the_text_and_the_included_folders_datasets(mlm_prepared, sample_dir):
    from fa_nlp.export.card import training_specs

    out, _ = mlm_prepared
    specs = training_specs(out.parent, {"data": {"prepared": str(out)}})
    assert str(sample_dir / "documents.txt") in specs or "corpora/sample/documents.txt" in specs
    assert any(s.endswith("qa.json") for s in specs)  # the QA build the included train contexts came from

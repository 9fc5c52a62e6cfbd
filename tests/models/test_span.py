"""SpanModel / MaskedLM: shapes, parameter tables, shared encoder, and a synthetic span task learned
through the real training loop ("the answer is the token after X")."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from fa_nlp.models import build_model, model_config

torch.set_num_threads(1)

PAD, CLS, SEP, X, Q = 0, 2, 3, 5, 6  # 1 = unk, 4 = mask; words are 7..31
VOCAB = 32


def test_shapes_tables_and_shared_encoder():
    span = build_model(model_config("tiny", vocab_size=100, kind="span", n_segments=2))
    mlm = build_model(model_config("tiny", vocab_size=100, kind="mlm", n_segments=2))
    for m in (span, mlm):
        assert sum(n for _, n in m.parameter_table()) == m.num_parameters()
    enc = lambda m: {k: v.shape for k, v in m.state_dict().items() if k.startswith("encoder.")}  # noqa: E731
    assert enc(span) == enc(mlm)  # an MLM checkpoint's encoder loads into a span model
    ids = torch.tensor([[CLS, 9, SEP, 11, 12, SEP, PAD], [CLS, 9, SEP, 11, SEP, PAD, PAD]])
    s, e = span(ids, torch.zeros_like(ids))
    assert s.shape == e.shape == (2, 7) and s.dtype == torch.float32
    assert (s[ids == PAD] <= -1e3).all()  # padding can never be a start
    sel = ids > SEP
    assert mlm(ids, select=sel).shape == (int(sel.sum()), 100)
    maps = span.attention_maps(ids, torch.zeros_like(ids))
    assert maps["encoder.1.self"].shape == (2, 4, 7, 7)


def test_model_summary_command(capsys):
    from fa_nlp.cli import main

    assert main(["model", "summary", "--model", "tiny", "--kind", "span", "--vocab-size", "1000", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == sum(out["modules"].values()) and "segment_embed" in out["modules"]


def _synthetic(n: int, seed: int):
    """Windows [CLS] Q [SEP] context [SEP]; 80% of contexts hold X once, not last: the answer is
    the word after it; otherwise unanswerable ([CLS]). Text: words "w<id>" joined by spaces."""
    from fa_nlp.tasks.qa.examples import QAExample

    rng = random.Random(seed)
    L = 24
    ids = np.zeros((n, L), np.int64)
    seg = np.zeros((n, L), np.int64)
    offs = np.full((n, L, 2), -1, np.int64)
    lens, sp, ep, exs = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64), []
    for i in range(n):
        words = [rng.randint(7, VOCAB - 1) for _ in range(rng.randint(6, 18))]
        ans = rng.random() < 0.8
        if ans:
            p = rng.randrange(0, len(words) - 1)
            words[p] = X
        toks = [CLS, Q, SEP, *words, SEP]
        ids[i, : len(toks)], seg[i, 3 : 3 + len(words) + 1] = toks, 1
        lens[i] = len(toks)
        text, starts = "", []
        for w in words:
            starts.append(len(text) + (1 if text else 0))
            text = (text + " " if text else "") + f"w{w}"
        for k, (w, s0) in enumerate(zip(words, starts)):
            offs[i, 3 + k] = (s0, s0 + len(f"w{w}"))
        if ans:
            sp[i] = ep[i] = 3 + p + 1
            exs.append(QAExample(f"q{i}", f"d{i}", "", "what follows X?", text, (f"w{words[p + 1]}",),
                                 (starts[p + 1],)))
        else:
            exs.append(QAExample(f"q{i}", f"d{i}", "", "what follows X?", text, (), ()))
    arrays = {"input_ids": ids, "token_type_ids": seg, "lengths": lens, "start_positions": sp, "end_positions": ep,
              "example_index": np.arange(n), "offsets": offs}
    return exs, arrays


@pytest.fixture(scope="module")
def synthetic_prepared(tmp_path_factory):
    from fa_nlp.io import write_json
    from fa_nlp.tasks.qa.prepare import write_split

    d = tmp_path_factory.mktemp("span_synth")
    for split, n, seed in (("train", 3000, 1), ("dev", 300, 2)):
        write_split(d, split, *_synthetic(n, seed), vocab_size=VOCAB)
    write_json(d / "manifest.json", {"kind": "qa", "vocab_size": VOCAB, "pad_id": PAD, "cls_id": CLS, "sep_id": SEP,
                                     "mask_id": 4, "max_len": 24, "max_length": 24, "overlap": 8,
                                     "splits": ["train", "dev"]})
    return d


def test_tiny_span_model_learns_the_token_after_x(synthetic_prepared, tmp_path):
    from fa_nlp.config import load_config
    from fa_nlp.tasks.qa.task import QATask
    from fa_nlp.training.config import TrainConfig
    from fa_nlp.training.loop import train

    cfg = load_config(TrainConfig, None, [
        "task=qa", "device=cpu", "threads=1", f"data.prepared={synthetic_prepared}", "data.dev_split=dev",
        f"log.run_dir={tmp_path / 'run'}", "log.progress=false", "model.kind=span", "model.preset=tiny",
        "optim.max_steps=150", "optim.lr=3e-3", "optim.warmup_steps=20", "optim.label_smoothing=0.0",
        "data.max_tokens=1536", "log.log_every=50", "log.eval_every=100000", "log.save_every=100000",
        "log.dev_metric_sentences=300"])
    train(cfg, QATask())  # 150 steps: seconds on an idle core (no timing asserted: tests are not benchmarks)
    rows = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    last = rows[-1]
    assert last["dev_em"] >= 95.0, last  # through the real post-processing and Persian-aware EM


def test_exact_match_feature_marks_tokens_shared_by_question_and_context():
    from fa_nlp.models.span import exact_match

    #                  CLS  q9  q12 SEP  c11 c12 c9  c12 SEP PAD
    ids = torch.tensor([[CLS, 9, 12, SEP, 11, 12, 9, 12, SEP, PAD]])
    seg = torch.tensor([[0, 0, 0, 0, 1, 1, 1, 1, 1, 0]])
    got = exact_match(ids, seg, min_id=5)[0].tolist()
    # specials and padding never match (the [SEP]s occur in both segments); 11 is only in the context
    assert got == [False, True, True, False, False, True, True, True, False, False]
    span = build_model(model_config("tiny", vocab_size=100, kind="span", n_segments=2, match_feature=True))
    plain = build_model(model_config("tiny", vocab_size=100, kind="span", n_segments=2))
    assert span.num_parameters() == plain.num_parameters() + 2 * 64
    assert sum(n for _, n in span.parameter_table()) == span.num_parameters()
    assert not any(k.startswith("encoder.") for k, _ in span.named_parameters() if "match" in k)
    span.eval()
    with torch.no_grad():  # the feature reaches the output, and only through match_embed
        span.match_embed.weight.normal_(std=1.0)
        with_feature, _ = span(ids, seg)
        without, _ = span.head(*span.encoder(ids, seg))
        assert not torch.allclose(with_feature, without)
        span.match_embed.weight.zero_()
        assert torch.allclose(span(ids, seg)[0], without)

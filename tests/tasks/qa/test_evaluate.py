"""QA evaluation: hand-made logits → hand-computed EM/F1; null threshold on dev; baselines; logits of a
`transformers` BertForQuestionAnswering through the same post-processing; `fa-nlp evaluate RUN`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from fa_nlp.cli import main
from fa_nlp.metrics.qa import squad_v2_scores
from fa_nlp.tasks.base import train_task
from fa_nlp.tasks.qa.baselines import lexical_baselines
from fa_nlp.tasks.qa.evaluate import score_all
from fa_nlp.tasks.qa.examples import QAExample
from fa_nlp.tasks.qa.inference import apply_threshold, best_null_threshold, references
from fa_nlp.tasks.qa.postprocess import postprocess_predictions
from fa_nlp.tasks.qa.prepare import load_qa_prepared
from fa_nlp.text import sentence_spans

CTX = "Tehran is the capital of Iran. It is very large"
# word char spans:  Tehran 0-6, is 7-9, the 10-13, capital 14-21, of 22-24, Iran. 25-30 ...


def _features():
    # one window per example: [CLS] q [SEP] then the context words as tokens (offsets), [SEP]
    words = [(0, 6), (7, 9), (10, 13), (14, 21), (22, 24), (25, 29), (29, 30), (31, 33), (34, 36), (37, 41), (42, 47)]
    offs = [None, None, None] + [list(w) for w in words] + [None]
    return {"example_id": ["a", "b", "c"], "offset_mapping": [offs, offs, offs]}


def _logits(start_tok: int, end_tok: int, null: float, span: float = 5.0):
    s, e = np.full(15, -5.0), np.full(15, -5.0)
    s[0] = e[0] = null / 2
    s[start_tok] = e[end_tok] = span / 2
    return s, e


def test_hand_made_logits_give_hand_computed_em_f1():
    exs = [QAExample("a", "d", "", "capital of Iran?", CTX, ("Tehran",), (0,)),
           QAExample("b", "d", "", "what is Iran?", CTX, ("the capital",), (10,)),
           QAExample("c", "d", "", "population?", CTX, (), ())]
    # a: span "Tehran" (token 3) → EM 1; b: "capital of Iran" (tokens 6..8) vs gold "the capital" →
    # common {capital}: P 1/3, R 1/2, F1 0.4, EM 0; c (unanswerable): null 8 beats span 5 → "" → EM 1
    rows = [_logits(3, 3, 0.0), _logits(6, 8, 0.0), _logits(4, 4, 8.0)]
    start = np.stack([r[0] for r in rows])
    end = np.stack([r[1] for r in rows])
    raw = postprocess_predictions(exs, _features(), start, end, null_threshold=float("inf"))
    assert raw["b"].text == "capital of Iran" and raw["c"].score_diff == pytest.approx(3.0)
    preds = apply_threshold(raw, 0.0)
    assert preds == {"a": "Tehran", "b": "capital of Iran", "c": ""}
    s = score_all(preds, references(exs))["persian"]
    assert s["exact"] == pytest.approx(100 * 2 / 3)
    assert s["f1"] == pytest.approx(100 * (1 + 0.4 + 1) / 3)
    assert s["HasAns_f1"] == pytest.approx(100 * 1.4 / 2) and s["NoAns_exact"] == 100.0
    # threshold 5: c's diff 3 <= 5 → c answers its best span (token 4 = "is"): wrong on a NoAns question
    assert apply_threshold(raw, 5.0)["c"] == "is"
    t, best = best_null_threshold(exs, raw)
    assert t < 3.0 and best["f1"] == pytest.approx(s["f1"])  # a threshold that keeps c null is best


def test_best_null_threshold_by_hand():
    class P:  # minimal Prediction stand-in
        def __init__(self, text, diff):
            self.text, self.score_diff, self.original_span = text, diff, (0, 1)

    exs = [QAExample(str(i), "d", "", "q", "x y z", golds, starts) for i, (golds, starts) in
           enumerate([(("x",), (0,)), ((), ()), (("z",), (4,)), ((), ())])]
    preds = {"0": P("x", -2.0), "1": P("y", -1.0), "2": P("z", 1.0), "3": P("y", 2.0)}
    # answering by ascending diff: k=0 → 2/4 right; k=1 (t=-2) → 3/4; k=2 → 2/4; k=3 (t=1) → 3/4; k=4 → 2/4
    t, best = best_null_threshold(exs, preds)
    assert best["em"] == 75.0 and t == 1.0  # tie between -2 and 1: the one closest to 0
    t2, best2 = best_null_threshold(exs, {**preds, "2": P("z", -3.0)})  # both right spans first
    assert (t2, best2["em"], best2["f1"]) == (-2.0, 100.0, 100.0)


def test_baselines_are_as_defined():
    ex = QAExample("q", "d", "", "پایتخت ایران کدام شهر است؟", "ایران کشوری بزرگ است. تهران پایتخت ایران است.\nپایان",
                   ("تهران",), (22,))
    assert [ex.context[s:e] for s, e in sentence_spans(ex.context)] == ["ایران کشوری بزرگ است.",
                                                                   "تهران پایتخت ایران است.", "پایان"]
    b = lexical_baselines([ex])
    assert b["always_null"]["q"] == ""
    assert b["lexical_sentence"]["q"] == "تهران پایتخت ایران است."
    assert b["lexical_sentence_minus_question"]["q"] == "تهران"


def test_plain_and_persian_normalization_differ():
    refs = {"q": ["كتاب"]}  # Arabic kaf
    assert score_all({"q": "کتاب"}, refs)["persian"]["exact"] == 100.0
    assert squad_v2_scores({"q": "کتاب"}, refs).exact == 0.0


def test_postprocessing_takes_transformers_bert_logits(qa_prepared):
    """A tiny random `BertForQuestionAnswering` fed the toolkit's windows: same post-processing and
    scoring path as the toolkit's own model (what a user fine-tuning e.g. ParsBERT would do)."""
    transformers = pytest.importorskip("transformers")

    data = load_qa_prepared(qa_prepared)
    sp = data.splits["test"]
    torch.manual_seed(0)
    cfg = transformers.BertConfig(vocab_size=data.meta["vocab_size"], hidden_size=32, num_hidden_layers=2,
                                  num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    bert = transformers.BertForQuestionAnswering(cfg).eval()
    rows = np.arange(len(sp))
    ids = torch.from_numpy(np.asarray(sp.input_ids, dtype=np.int64))
    with torch.no_grad():
        out = bert(input_ids=ids, token_type_ids=torch.from_numpy(np.asarray(sp.token_type_ids, dtype=np.int64)),
                   attention_mask=(ids != data.meta["pad_id"]).long())
    exs = sp.examples()
    raw = postprocess_predictions(exs, sp.features(rows), out.start_logits.numpy(), out.end_logits.numpy(),
                                  null_threshold=float("inf"))
    preds = apply_threshold(raw, 0.0)
    assert set(preds) == {e.id for e in exs}
    for e in exs:  # answers are text of the ORIGINAL context
        assert preds[e.id] == "" or preds[e.id] in e.original_context
    s = score_all(preds, references(exs))
    assert s["persian"]["total"] == len(exs) and 0.0 <= s["persian"]["f1"] <= 100.0
    assert s["persian"]["NoAns_total"] == sum(e.is_impossible for e in exs)


def test_evaluate_command_on_a_qa_run(qa_prepared, qa_cfg, tmp_path, capsys):
    run = tmp_path / "run"
    train_task(qa_cfg(qa_prepared, run, "optim.max_steps=4"))
    capsys.readouterr()
    assert main(["evaluate", str(run), "--split", "test", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "always_null" in out and "lexical_sentence" in out
    d = run / "eval-test"
    m = json.loads((d / "metrics.json").read_text(encoding="utf-8"))
    assert m["null_threshold_selection"]["chosen_on"] == "dev"
    assert {"persian", "plain"} <= set(m["model"]) and m["model"]["persian"]["signature"].startswith("qa|")
    preds = json.loads((d / "predictions.json").read_text(encoding="utf-8"))
    assert len(preds) == m["questions"] and all(isinstance(v, str) for v in preds.values())
    nulls = m["baselines"]["always_null"]["persian"]
    assert nulls["exact"] == pytest.approx(100 * nulls["NoAns_total"] / nulls["total"])
    report = (d / "report.md").read_text(encoding="utf-8")
    assert report.count("- question:") == 5 and "lexical_sentence" in report

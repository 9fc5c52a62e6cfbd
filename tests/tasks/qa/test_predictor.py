"""`fa-nlp predict` / `fa_nlp.load` on a tiny QA run trained on the bundled sample (a few CPU steps)."""

from __future__ import annotations

import argparse
import io
import json

import pytest

import fa_nlp
from fa_nlp.report import InputError
from fa_nlp.tasks.base import train_task
from fa_nlp.tasks.qa.evaluate import QAEvalConfig, evaluate_qa_run
from fa_nlp.tasks.qa.predictor import add_predict_arguments, predict_main
from fa_nlp.tasks.qa.prepare import load_qa_prepared


@pytest.fixture(scope="module")
def qa_run(qa_prepared, qa_cfg, tmp_path_factory):
    run = tmp_path_factory.mktemp("qa_predict") / "run"
    train_task(qa_cfg(qa_prepared, run, "optim.max_steps=4"))
    evaluate_qa_run(run, QAEvalConfig(split="test", progress=False, attention_plot=False))
    return run


# Un-normalized on purpose: Arabic ي/ك, a doubled space, and a digit run, so normalization moves
# characters and the spans must be mapped back.
CONTEXT = "كتابخانه  ملي ايران در تهران است و در سال ۱۳۱۶ تأسيس شد. اين كتابخانه ميليون‌ها جلد كتاب دارد."
QUESTIONS = ["كتابخانه ملي كجاست؟", "كتابخانه در چه سالي تأسيس شد؟", "رنگ آسمان چيست؟"]


def test_answers_index_the_original_context(qa_run):
    p = fa_nlp.load(qa_run, device="cpu")
    assert p.task == "qa" and p.windows["max_length"] == 128 and p.windows["overlap"] == 32
    forced = p.predict([{"question": q, "context": CONTEXT} for q in QUESTIONS], null_threshold=float("inf"))
    for r in forced:  # threshold +inf: always the best span
        assert r["answer"] and CONTEXT[r["start"] : r["end"]] == r["answer"]
    never = p.predict({"question": QUESTIONS[0], "context": CONTEXT}, null_threshold=float("-inf"))
    assert never["answer"] == "" and never["start"] is None and never["null_margin"] is not None
    # the margin decides: "" exactly when null score - best span score > threshold
    r = p.predict({"question": QUESTIONS[1], "context": CONTEXT}, null_threshold=0.0)
    assert (r["answer"] == "") == (r["null_margin"] > 0.0)


def test_long_contexts_are_windowed_and_answers_stay_in_the_original(qa_run):
    p = fa_nlp.load(qa_run, device="cpu")
    long_ctx = " ".join([CONTEXT] * 12)  # far beyond 128 tokens: several windows
    r = p.predict({"question": QUESTIONS[0], "context": long_ctx}, null_threshold=float("inf"))
    assert r["answer"] and long_ctx[r["start"] : r["end"]] == r["answer"]


def test_predict_equals_evaluation_on_the_test_questions(qa_run):
    train_cfg = json.loads((qa_run / "config.json").read_text(encoding="utf-8"))["config"]
    exs = load_qa_prepared(train_cfg["data"]["prepared"]).splits["test"].examples()
    metrics = json.loads((qa_run / "eval-test" / "metrics.json").read_text(encoding="utf-8"))
    evaluated = json.loads((qa_run / "eval-test" / "predictions.json").read_text(encoding="utf-8"))
    p = fa_nlp.load(qa_run, device="cpu")
    assert p.null_threshold == metrics["null_threshold"]  # the evaluation's choice (made on dev)
    raw = [{"question": q, "context": c} for q, c in
           ((e.question, e.original_context) for e in exs)]
    got = p.predict(raw)
    assert [g["answer"] for g in got] == [evaluated[e.id] for e in exs]


@pytest.mark.parametrize(("item", "why"), [
    ({"question": "", "context": CONTEXT}, "empty question"),                       # nothing asked
    ({"question": "where?", "context": CONTEXT}, "no Persian letters in the question"),
    ({"question": QUESTIONS[0], "context": "   "}, "empty context"),
    ({"question": "سؤال " * 200, "context": CONTEXT}, r"question too long: \d+ tokens, the model allows \d+"),
])
def test_bad_input_is_a_clear_error(qa_run, item, why):
    with pytest.raises(ValueError, match=why):
        fa_nlp.load(qa_run, device="cpu").predict(item)


def _predict(run, argv, stdin=None, monkeypatch=None):
    parser = argparse.ArgumentParser()
    add_predict_arguments(parser)
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return predict_main(run, parser.parse_args(argv))


def test_cli_question_context_squad_file_and_jsonl(qa_run, sample_dir, tmp_path, capsys, monkeypatch):
    assert _predict(qa_run, ["--question", QUESTIONS[0], "--context", CONTEXT, "--null-threshold", "inf"]) == 0
    out = capsys.readouterr().out.strip()
    assert out and out in CONTEXT
    assert _predict(qa_run, ["--input", str(sample_dir / "qa.json"), "--format", "jsonl", "--no-progress"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    squad = json.loads((sample_dir / "qa.json").read_text(encoding="utf-8"))
    ctx = {q["id"]: p["context"] for a in squad["data"] for p in a["paragraphs"] for q in p["qas"]}
    assert [r["id"] for r in rows] == list(ctx)
    for r in rows:
        assert r["answer"] == "" or ctx[r["id"]][r["start"] : r["end"]] == r["answer"]
    f = tmp_path / "q.jsonl"
    good = json.dumps({"question": QUESTIONS[0], "context": CONTEXT}, ensure_ascii=False)
    f.write_text(f"{good}\n\nnot json\n" + json.dumps({"question": "why?", "context": CONTEXT}) + "\n",
                 encoding="utf-8")
    assert _predict(qa_run, ["--input", str(f), "--format", "jsonl"]) == 0
    cap = capsys.readouterr()
    rows = [json.loads(x) for x in cap.out.splitlines()]
    assert len(rows) == 4 and "answer" in rows[0]
    assert rows[1]["skipped"] == "empty line" and rows[1]["where"] == f"{f}:2"
    assert rows[2]["skipped"].startswith("not a valid JSON row") and rows[3]["where"] == f"{f}:4"
    assert "3 skipped" in cap.err
    assert _predict(qa_run, [], stdin=good + "\n", monkeypatch=monkeypatch) == 0
    assert capsys.readouterr().out.count("\n") == 1
    with pytest.raises(ValueError, match="go together"):
        _predict(qa_run, ["--question", QUESTIONS[0]])


def test_squad_json_without_answers_and_a_bad_record(qa_run, tmp_path, capsys):
    f = tmp_path / "questions.json"
    f.write_text(json.dumps({"data": [{"paragraphs": [{"context": CONTEXT, "qas": [
        {"id": "a", "question": QUESTIONS[0]},           # no answers: fine for prediction
        {"id": "b"},                                      # no question: skipped, named
    ]}]}]}, ensure_ascii=False), encoding="utf-8")
    assert _predict(qa_run, ["--input", str(f), "--format", "jsonl"]) == 0
    cap = capsys.readouterr()
    good, bad = (json.loads(x) for x in cap.out.splitlines())
    assert good["id"] == "a" and "answer" in good
    assert bad["where"] == f"{f}:data[0].paragraphs[0].qas[1]" and "question" in bad["skipped"]
    f.write_text("[1, 2]", encoding="utf-8")

    with pytest.raises(InputError, match="not a SQuAD JSON file"):
        _predict(qa_run, ["--input", str(f)])

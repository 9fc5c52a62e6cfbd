"""Messy QA files through every command that reads them: a located error or a counted fix, never a
traceback, nothing lost (issue 20: lone surrogates, control characters, empty ids, quiet output)."""

from __future__ import annotations

import json

import pytest

from fa_nlp.cli import main
from fa_nlp.tasks.qa.examples import read_qa_examples
from fa_nlp.tokenization import train_qa_tokenizer

CTX = "کتاب‌ها را در سال ۱۳۵۰ در تهران چاپ کردند و مردم آن را خواندند."


def _squad(context: str = CTX, question: str = "کجا چاپ کردند؟", qid: str = "q1") -> dict:
    return {"version": "v2", "data": [{"title": "t", "paragraphs": [{"context": context, "qas": [
        {"id": qid, "question": question, "answers": [{"text": "تهران", "answer_start": context.find("تهران")}],
         "is_impossible": False},
        {"id": "q2", "question": "چه سالی؟", "answers": [{"text": "۱۳۵۰", "answer_start": context.find("۱۳۵۰")}],
         "is_impossible": False}]}]}]}


def _write(tmp_path, name: str, obj: dict):
    p = tmp_path / name
    p.write_text(json.dumps(obj), encoding="ascii")  # every character escaped: \ud800 stays a lone surrogate
    return p


@pytest.fixture(scope="module")
def tok_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("messy_tok")
    train_qa_tokenizer([CTX, "کجا چاپ کردند؟ چه سالی؟"] * 3, out, vocab_size=120, min_frequency=1)
    return out


def _argv(cmd: str, path, tok_dir, out) -> list[str]:
    return {
        "qa-stats": ["qa-stats", str(path)],
        "corpus read": ["corpus", "read", str(path)],
        "tokenizer train": ["tokenizer", "train", "--family", "qa", "--squad", str(path), "--vocab-size", "60",
                            "--out", str(out)],
        "build qa": ["build", "qa", "--dataset", str(path), "--tokenizer", str(tok_dir), "--no-progress",
                     "--out", str(out)],
    }[cmd]


@pytest.mark.parametrize("cmd", ["qa-stats", "corpus read", "tokenizer train", "build qa"])
@pytest.mark.parametrize("field", ["context", "question"])
def test_a_lone_surrogate_is_located_by_every_command(tmp_path, tok_dir, capsys, cmd, field):
    bad = _squad(CTX + "\ud800") if field == "context" else _squad(question="کجا\ud800 چاپ کردند؟")
    path = _write(tmp_path, "s.json", bad)
    where = "context" if field == "context" else "qas[0].question"
    rc = main(_argv(cmd, path, tok_dir, tmp_path / "out"))
    err = capsys.readouterr().err
    assert rc == 1 and "Traceback" not in err
    assert err.startswith(f"fa-nlp: error: {path}:data[0].paragraphs[0].{where}: lone surrogate U+D800")
    assert not (tmp_path / "out").exists()  # a failed command leaves no output folder behind
    # --lenient: replaced by U+FFFD, counted, and the command succeeds
    assert main([*_argv(cmd, path, tok_dir, tmp_path / "out"), "--lenient"]) == 0
    out, err = capsys.readouterr()
    assert "lone_surrogate=" in out + err


def test_build_qa_keeps_no_control_characters_and_answers_still_match(tmp_path, tok_dir, capsys):
    ctx = "کتاب\x00‌ها را \x1b در سال\x85 ۱۳۵۰ در تهران چاپ کردند."
    path = _write(tmp_path, "c.json", _squad(ctx, question="کجا\x00 چاپ\x1b کردند؟"))
    out = tmp_path / "qa"
    assert main(["build", "qa", "--dataset", str(path), "--tokenizer", str(tok_dir), "--no-normalize",
                 "--no-progress", "--out", str(out)]) == 0
    std = capsys.readouterr()
    assert "Saving the dataset" not in std.err + std.out  # --no-progress: no datasets bars
    from datasets import load_from_disk

    rows = list(load_from_disk(str(out / "examples"))["train"])
    assert len(rows) == 2
    for r in rows:
        for col in ("context", "original_context", "question"):
            assert not any(c in r[col] for c in "\x00\x1b\x85"), (col, r[col])
        (text,), (start,) = r["answers"]["text"], r["answers"]["answer_start"]
        assert r["context"][start : start + len(text)] == text  # offsets re-mapped, not moved to a guess
    reading = json.loads((out / "report.json").read_text(encoding="utf-8"))["reading"]["train"]
    assert reading["fixes_by_kind"] == {"control_chars": 3}  # the context (on each of 2 questions) + 1 question
    assert reading["read"] == reading["kept"] + reading["fixed"] + reading["skipped"] == 2


def test_empty_question_ids_are_given_one_and_counted(tmp_path, capsys):
    path = _write(tmp_path, "e.json", _squad(qid=""))
    assert main(["qa-stats", str(path), "--json", str(tmp_path / "s.json")]) == 0
    reading = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["reading"][str(path)]
    assert reading["fixes_by_kind"] == {"empty_id_replaced": 1}
    assert reading["fixed"] == 1 and reading["kept"] == 1

    examples, _ = read_qa_examples(path, normalize=False)
    assert sorted(e.id for e in examples) == ["e:0:0:q0", "q2"]


def test_a_failing_qa_tokenizer_prints_nothing_to_stdout(tmp_path, capfd):
    path = _write(tmp_path, "s.json", _squad(CTX + "\ud800"))
    assert main(["tokenizer", "train", "--family", "qa", "--squad", str(path), "--out", str(tmp_path / "t")]) == 1
    assert capfd.readouterr().out == ""  # the tokenizers trainer's progress bars wrote blank lines here
    good = _write(tmp_path, "g.json", _squad())
    assert main(["tokenizer", "train", "--family", "qa", "--squad", str(good), "--vocab-size", "60",
                 "--out", str(tmp_path / "t")]) == 0
    assert capfd.readouterr().out.startswith("qa tokenizer: ")

"""QA tokenizer (`tokenizers`): pair template, offsets into the context, reload; and `--squad` sources."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fa_nlp import tokenization

TRAIN = [
    "من هر روز به مدرسه می‌روم و کتاب‌ها را با دقت می‌خوانم.",
    "امروز دمای هوای تهران ۲۵ درجه بود و باران نبارید!",
    "او گفت: «فردا ساعت ۱۰:۳۰ در کتابخانه همدیگر را می‌بینیم.»",
    "قیمت این کالا 3.5 میلیون تومان است؟",
] * 30


@pytest.mark.parametrize("kind", ["wordpiece", "bpe", "unigram"])
def test_qa_tokenizer_pairs_and_offsets(tmp_path, kind):
    tok = tokenization.train_qa_tokenizer(TRAIN, tmp_path, kind=kind, vocab_size=300, min_frequency=1)
    question, context = "کتاب‌ها کجاست؟", TRAIN[0]
    enc = tok.encode(question, context)
    assert enc.tokens[0] == "[CLS]" and enc.tokens[-1] == "[SEP]"
    assert set(enc.type_ids) == {0, 1}
    for seq, (s, e) in zip(enc.sequence_ids, enc.offsets):
        if seq == 1:  # context tokens point back into non-empty spans of the context
            assert 0 <= s < e <= len(context)
    zwnj_word = [context[s:e] for seq, (s, e) in zip(enc.sequence_ids, enc.offsets) if seq == 1]
    assert any("\u200c" in w for w in zwnj_word) or kind != "wordpiece"
    reloaded = tokenization.load_fast_tokenizer(tmp_path)
    assert reloaded.encode(question, context).ids == enc.ids


def test_cli_squad_accepts_a_directory_and_a_glob(tmp_path):
    from fa_nlp.cli import main

    squad = {"data": [{"title": "t", "paragraphs": [{"context": t, "qas": []} for t in TRAIN[:4]]}]}
    (tmp_path / "qa").mkdir()
    (tmp_path / "qa" / "a.json").write_text(json.dumps(squad, ensure_ascii=False), encoding="utf-8")
    for i, spec in enumerate([str(tmp_path / "qa"), str(tmp_path / "qa" / "*.json")]):
        out = tmp_path / f"tok{i}"
        assert main(["tokenizer", "train", "--family", "qa", "--squad", spec, "--vocab-size", "200",
                     "--out", str(out)]) == 0
        assert (out / tokenization.QA_FILE).is_file()


def test_cli_squad_empty_directory_is_a_clear_error(tmp_path, capsys):
    from fa_nlp.cli import main

    assert main(["tokenizer", "train", "--family", "qa", "--squad", str(tmp_path), "--out", str(tmp_path / "t")]) == 1
    assert "no *.json/*.jsonl files" in capsys.readouterr().err


def test_importing_the_package_loads_no_backend():
    code = "import sys, fa_nlp.tokenization; print(sorted({'sentencepiece', 'tokenizers', 'torch'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"

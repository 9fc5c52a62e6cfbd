"""Seq2seq tokenizer (sentencepiece): lossless round trip on Persian, fixed ids, training split only."""

from __future__ import annotations

import pytest

from fa_nlp import tokenization

TRAIN = [
    "من هر روز به مدرسه می‌روم و کتاب‌ها را با دقت می‌خوانم.",
    "امروز دمای هوای تهران ۲۵ درجه بود و باران نبارید!",
    "او گفت: «فردا ساعت ۱۰:۳۰ در کتابخانه همدیگر را می‌بینیم.»",
    "قیمت این کالا 3.5 میلیون تومان است؟",
] * 30


@pytest.fixture(scope="module")
def seq2seq_tok(tmp_path_factory):
    out = tmp_path_factory.mktemp("tok")
    tokenization.train_seq2seq_tokenizer(TRAIN, out, vocab_size=400)
    return tokenization.load_tokenizer(out)


@pytest.mark.parametrize(
    "text",
    [
        "من هر روز به مدرسه می‌روم.",  # ZWNJ inside a word survives
        "کتاب‌هایم را   آنجا گذاشتم",  # runs of spaces survive (no whitespace squeezing)
        "ي ك ة",  # Arabic letters are not normalized away by the tokenizer
        "نسخهٔ 2.0.1 در ۱۴۰۲/۰۵/۱۲ منتشر شد.",  # digits, dots and slashes
        "ژرفای 😀 ناشناخته",  # unseen characters go through byte fallback
        "ABC abc",  # no lowercasing
    ],
)
def test_seq2seq_round_trip_is_lossless(seq2seq_tok, text):
    assert seq2seq_tok.decode(seq2seq_tok.encode(text)) == text


def test_seq2seq_special_ids_are_fixed(seq2seq_tok):
    assert (seq2seq_tok.pad_id, seq2seq_tok.unk_id, seq2seq_tok.bos_id, seq2seq_tok.eos_id) == (0, 1, 2, 3)
    ids = seq2seq_tok.encode("کتاب") + [seq2seq_tok.eos_id, seq2seq_tok.pad_id]
    assert seq2seq_tok.decode(ids) == "کتاب"


def test_digits_are_split(seq2seq_tok):
    pieces = [p.replace("▁", "") for p in seq2seq_tok.encode_pieces("۱۲۳۴ 5678") if not p.startswith("<0x")]
    assert all(len(p) <= 1 for p in pieces if any(c.isdigit() for c in p))


def test_seq2seq_training_is_deterministic(tmp_path):
    a = tokenization.train_seq2seq_tokenizer(TRAIN, tmp_path / "a", vocab_size=400)
    b = tokenization.train_seq2seq_tokenizer(TRAIN, tmp_path / "b", vocab_size=400)
    ta, tb = tokenization.load_tokenizer(a), tokenization.load_tokenizer(b)
    assert [ta.id_to_piece(i) for i in range(ta.vocab_size)] == [tb.id_to_piece(i) for i in range(tb.vocab_size)]
    assert ta.encode(TRAIN[1]) == tb.encode(TRAIN[1])


def test_empty_training_text_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no training text"):
        tokenization.train_seq2seq_tokenizer(["", "  "], tmp_path, vocab_size=400)


def test_unknown_family_or_kind_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="kind"):
        tokenization.train_seq2seq_tokenizer(TRAIN, tmp_path, kind="wordpiece")


def test_cli_trains_on_the_training_split_only(tmp_path):
    # `fa-nlp tokenizer train --dataset` reads parquet/train.parquet and nothing else: a letter that
    # occurs only in the validation/test splits gets no piece of its own (it would go through bytes)
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from fa_nlp.cli import main

    pq_dir = tmp_path / "ds" / "parquet"
    pq_dir.mkdir(parents=True)
    held_out = ["ژاله ژرف ژیان ژولیده"] * 40  # ژ appears in no training sentence
    for split, texts in (("train", TRAIN), ("validation", held_out), ("test", held_out)):
        pq.write_table(pa.table({"ordered": texts, "shuffled": texts}), pq_dir / f"{split}.parquet")
    assert not any("ژ" in t for t in TRAIN)
    assert main(["tokenizer", "train", "--dataset", str(tmp_path / "ds"), "--vocab-size", "400",
                 "--out", str(tmp_path / "tok")]) == 0
    tok = tokenization.load_tokenizer(tmp_path / "tok")
    assert tok.config["training_lines"] == len(TRAIN)
    assert tok.piece_to_id("ژ") == tok.unk_id and tok.piece_to_id("م") != tok.unk_id
    assert tok.decode(tok.encode(held_out[0])) == held_out[0]  # still lossless, through byte fallback


def test_cli_dataset_stranded_by_a_killed_publish_is_put_back(tmp_path):
    """`tokenizer train --dataset DS` after a publish of DS was killed between its two renames: the
    data sits in `.DS.old-PID`; the reader restores it instead of reporting "no training split"."""
    import subprocess
    import sys

    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from fa_nlp.cli import main

    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()  # a pid no live process has
    old = tmp_path / f".ds.old-{p.pid}" / "parquet"
    old.mkdir(parents=True)
    pq.write_table(pa.table({"ordered": TRAIN}), old / "train.parquet")
    assert main(["tokenizer", "train", "--dataset", str(tmp_path / "ds"), "--vocab-size", "400",
                 "--out", str(tmp_path / "tok")]) == 0
    assert (tmp_path / "ds" / "parquet" / "train.parquet").is_file()


@pytest.mark.parametrize("what", ["missing", "folder", "bad_utf8"])
def test_cli_a_failed_training_leaves_no_output_folder(tmp_path, capsys, what):
    from fa_nlp.cli import main

    text = tmp_path / "t.txt"
    if what == "folder":
        text.mkdir()
    elif what == "bad_utf8":
        text.write_bytes("یک دو\n".encode() * 5 + b"\xff\xfe\n")
    rc = main(["tokenizer", "train", "--text", str(text), "--vocab-size", "50", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith(f"fa-nlp: error: {text}") and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if what == "missing" else ["t.txt"])


def test_a_vocabulary_too_small_is_a_one_line_error(tmp_path):
    # sentencepiece raises RuntimeError("INTERNAL: src/trainer_interface.cc(...) ...") with a traceback
    with pytest.raises(ValueError, match=r"^sentencepiece refused to train: Vocabulary size is smaller"):
        tokenization.train_seq2seq_tokenizer(TRAIN, tmp_path / "tok", vocab_size=20)
    assert list(tmp_path.iterdir()) == []  # neither the output nor its temp folder

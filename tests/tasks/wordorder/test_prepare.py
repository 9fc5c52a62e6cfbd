"""prepare: Parquet (word-order columns) and JSONL pairs -> arrays; bad rows are located errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from fa_nlp.report import InputError
from fa_nlp.tasks.wordorder.prepare import collate, load_prepared, prepare, read_pairs, shuffle_source_words

SENTENCES = [
    "من به خانه رفتم .",            # plain
    "کتاب‌ها را دیروز خواندم .",      # ZWNJ inside a word
    "او در سال ۱۴۰۲ به مدرسه آمد .",  # Persian digits
    "هوا امروز سرد است ؟",
] * 30


@pytest.fixture(scope="module")
def tok_dir(tmp_path_factory):
    from fa_nlp.tokenization import train_seq2seq_tokenizer

    return train_seq2seq_tokenizer(SENTENCES, tmp_path_factory.mktemp("tok"), vocab_size=400)


def _write_parquet(path, rows):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({k: [r[k] for r in rows] for k in rows[0]}), path)


def test_prepare_parquet_round_trips(tmp_path, tok_dir):
    from fa_nlp.tokenization import load_tokenizer

    rows = [{"id": f"d#{i}", "shuffled": " ".join(reversed(s.split())), "ordered": s, "n_words": len(s.split())}
            for i, s in enumerate(SENTENCES[:8])]
    _write_parquet(tmp_path / "ds" / "parquet" / "train.parquet", rows)
    _write_parquet(tmp_path / "ds" / "parquet" / "validation.parquet", rows[:3])
    out = prepare(tmp_path / "ds", tok_dir, tmp_path / "prep")
    assert out["counts"]["train"]["pairs"] == 8
    data = load_prepared(tmp_path / "prep")
    assert set(data.splits) == {"train", "validation"}
    tok = load_tokenizer(tmp_path / "prep" / "tokenizer")
    split = data.splits["train"]
    assert tok.decode(split.tgt(1).tolist()) == SENTENCES[1]
    assert split.src(0)[-1] == tok.eos_id
    src, tin, tout = collate(split, [0, 1], tok.pad_id, tok.bos_id, tok.eos_id)
    assert src.dtype == torch.int64 and tin[:, 0].eq(tok.bos_id).all()
    for r in range(2):  # teacher forcing: tin = [BOS] + tgt, tout = tgt + [EOS], then padding
        t = torch.from_numpy(split.tgt(r).astype("int64"))
        n = len(t)
        assert torch.equal(tin[r, 1 : n + 1], t) and torch.equal(tout[r, :n], t) and tout[r, n] == tok.eos_id
        assert tin[r, n + 1 :].eq(tok.pad_id).all() and tout[r, n + 1 :].eq(tok.pad_id).all()
    assert data.pairs("validation")[0] == (rows[0]["shuffled"], rows[0]["ordered"])
    assert np.array_equal(split.tgt_lens, [len(tok.encode(s)) + 1 for s in SENTENCES[:8]])
    assert split.tgt_ids.dtype == np.uint16  # a 400-piece vocabulary fits in 16 bits
    assert not (tmp_path / "prep" / "train.pairs.jsonl").exists()  # train texts are decoded, not copied
    assert data.texts("train", "tgt", limit=3) == SENTENCES[:3]
    starts = data.word_starts()
    assert starts.dtype == bool and starts[tok.encode("کتاب‌ها")[0]]


def test_reshuffled_sources_keep_their_words(tmp_path, tok_dir):
    from fa_nlp.tokenization import load_tokenizer

    tok = load_tokenizer(tok_dir)
    rows = [{"id": f"d#{i}", "shuffled": s, "ordered": s, "n_words": len(s.split())} for i, s in enumerate(SENTENCES[:4])]
    _write_parquet(tmp_path / "ds" / "parquet" / "train.parquet", rows)
    prepare(tmp_path / "ds", tok_dir, tmp_path / "prep")
    data = load_prepared(tmp_path / "prep")
    split, starts = data.splits["train"], data.word_starts()
    src = split.src(2)
    seen = set()
    for epoch in range(6):
        new = shuffle_source_words(src, starts, (0, epoch, 2))
        assert new[-1] == tok.eos_id and len(new) == len(src)
        words = tok.decode(new[:-1].tolist()).split(" ")
        assert sorted(words) == sorted(SENTENCES[2].split(" "))  # a permutation of whole words
        seen.add(tuple(words))
        assert np.array_equal(new, shuffle_source_words(src, starts, (0, epoch, 2)))  # seeded
    assert len(seen) > 1  # epochs draw different orders
    a, _, _ = collate(split, [0, 2], tok.pad_id, tok.bos_id, tok.eos_id, starts, (0, 1))
    assert np.array_equal(a[1, : len(src)].numpy(), shuffle_source_words(src, starts, (0, 1, 2)))


def test_prepare_jsonl_with_long_pairs_skipped(tmp_path, tok_dir):
    ds = tmp_path / "ds"
    ds.mkdir()
    lines = [{"src": s, "tgt": s} for s in SENTENCES[:4]] + [{"src": "خانه " * 100, "tgt": "خانه " * 100}]
    (ds / "train.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    (ds / "test.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    out = prepare(ds, tok_dir, tmp_path / "prep", max_len=40)
    assert out["counts"]["train"]["pairs"] == 4
    assert out["skips"]["train"]["read"] == 5
    # evaluation scores every test pair, the skipped long one too: test.eval.jsonl keeps them all
    assert out["counts"]["test"]["pairs"] == 4
    assert [r["tgt"] for r in read_pairs(tmp_path / "prep" / "test.eval.jsonl")] == [x["tgt"] for x in lines]
    assert not (tmp_path / "prep" / "train.eval.jsonl").exists()  # train texts are in train.pairs.jsonl


@pytest.mark.parametrize(("content", "message"), [
    (b'{"src": "a", "tgt": "b"}\n{"src": "a"\n', ":2: malformed JSON"),       # broken second line
    (b'{"src": "a", "tgt": 3}\n', ":1: expected an object"),                 # target not a string
    (b'{"src": "\xff", "tgt": "b"}\n', ":1: invalid UTF-8"),                   # bad bytes
])
def test_bad_jsonl_rows_are_located(tmp_path, content, message):
    f = tmp_path / "train.jsonl"
    f.write_bytes(content)
    with pytest.raises(InputError, match=message):
        list(read_pairs(f))


def test_missing_prepared_dir_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="fa-nlp prepare"):
        load_prepared(tmp_path)

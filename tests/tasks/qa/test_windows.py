"""fa_nlp.tasks.qa.windows: windows, overlap semantics, labels; identical to run_qa.py's reference."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import _run_qa_reference as ref
from fa_nlp.tasks.qa.examples import as_columns, read_qa_examples
from fa_nlp.tasks.qa.windows import (
    EVAL_COLUMNS,
    TRAIN_COLUMNS,
    encode_windows,
    pair_template,
    prepare_eval_features,
    prepare_train_features,
)
from fa_nlp.tokenization import load_fast_tokenizer, train_qa_tokenizer


@pytest.fixture(scope="module")
def sample(sample_dir):
    examples, _ = read_qa_examples(sample_dir / "qa.json", normalize=False)
    return examples


@pytest.fixture(scope="module")
def tok_path(sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("qa_tok")
    # tiny vocab: contexts become many tokens, so small windows overflow several times
    train_qa_tokenizer(sorted({e.context for e in sample}), out, vocab_size=300, min_frequency=1)
    return out / "tokenizer.json"


@pytest.fixture(scope="module")
def tokenizers_pair(tok_path):
    return load_fast_tokenizer(tok_path), load_fast_tokenizer(tok_path, hf=True)


def _batch(examples):
    cols = as_columns(examples)
    return {k: cols[k] for k in ("id", "question", "context", "answers")}


def _same(mine, theirs, columns):
    for col in columns:
        a, b = mine[col], theirs[col]
        a = [x.tolist() if hasattr(x, "tolist") else x for x in a]
        b = [x.tolist() if hasattr(x, "tolist") else x for x in b]
        if col == "offset_mapping":
            a = [[None if o is None else list(o) for o in row] for row in a]
            b = [[None if o is None else list(o) for o in row] for row in b]
        assert len(a) == len(b), col
        bad = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        assert not bad, f"{col}: {len(bad)} rows differ, first {bad[:5]}"


SETTINGS = [
    (384, 128, True),  # run_qa defaults: one window per sample example
    (48, 12, True),  # many windows, answers cut at window edges
    (56, 16, False),  # variable-length rows (run_qa's padding=False)
    (64, 0, True),  # no overlap
]


@pytest.mark.parametrize(("max_length", "overlap", "pad"), SETTINGS)
@pytest.mark.parametrize("method", ["fast", "direct"])
def test_train_features_match_run_qa(sample, tokenizers_pair, max_length, overlap, pad, method):
    tok, hf = tokenizers_pair
    theirs = ref.prepare_train_features(_batch(sample), hf, max_length, overlap, pad)
    mine = prepare_train_features(_batch(sample), tok, max_length, overlap, pad, method=method)
    _same(mine, theirs, TRAIN_COLUMNS)


@pytest.mark.parametrize(("max_length", "overlap", "pad"), SETTINGS)
def test_eval_features_match_run_qa(sample, tokenizers_pair, max_length, overlap, pad):
    tok, hf = tokenizers_pair
    theirs = ref.prepare_validation_features(_batch(sample), hf, max_length, overlap, pad)
    mine = prepare_eval_features(_batch(sample), tok, max_length, overlap, pad)
    _same(mine, theirs, EVAL_COLUMNS)


def test_transformers_tokenizer_accepted_and_backend_left_alone(sample, tokenizers_pair):
    tok, hf = tokenizers_pair
    hf.backend_tokenizer.enable_truncation(7)  # a caller's own setting must survive our calls
    a = prepare_train_features(_batch(sample), hf, 48, 12)
    b = prepare_train_features(_batch(sample), tok, 48, 12)
    assert hf.backend_tokenizer.truncation["max_length"] == 7
    hf.backend_tokenizer.no_truncation()
    _same(a, b, TRAIN_COLUMNS)


def test_overlap_is_tokens_shared_by_consecutive_windows(sample, tokenizers_pair):
    tok, _ = tokenizers_pair
    long = max(sample, key=lambda e: len(e.context))
    win = encode_windows([long.question.strip()], [long.context], tok, max_length=40, overlap=10)
    assert len(win) >= 3
    ctx = [win.input_ids[r, win.context_start[r] : win.context_end[r] + 1].tolist() for r in range(len(win))]
    offs = [win.offsets[r, win.context_start[r] : win.context_end[r] + 1].tolist() for r in range(len(win))]
    for r in range(len(win) - 1):
        assert ctx[r][-10:] == ctx[r + 1][:10]  # the last 10 context tokens open the next window
        assert offs[r][-10:] == offs[r + 1][:10]
    full = tok.encode(long.context, add_special_tokens=False).ids
    step = len(ctx[0]) - 10
    assert ctx[-1][-1] == full[-1] and ctx[1][0] == full[step]  # the step is window - overlap


def test_template_detected_for_bert_style(tokenizers_pair):
    tok, _ = tokenizers_pair
    t = pair_template(tok)
    assert t is not None and t.n_added == 3 and (t.type_a, t.type_b) == (0, 1)


def test_too_long_question_is_an_error_or_a_reported_skip(tokenizers_pair):
    tok, _ = tokenizers_pair
    q = "سوال " * 40
    ctx = "متن کوتاه " * 30
    with pytest.raises(ValueError, match="example 1: question of"):
        encode_windows(["کجا؟", q], [ctx, ctx], tok, max_length=48, overlap=12)
    win = encode_windows(["کجا؟", q], [ctx, ctx], tok, max_length=48, overlap=12, skip_too_long=True)
    assert win.too_long.tolist() == [1] and set(win.example_index.tolist()) == {0}


def test_labels_point_at_answer_tokens(sample, tokenizers_pair):
    tok, _ = tokenizers_pair
    cols = prepare_train_features(_batch(sample), tok, 48, 12, method="fast")
    win = encode_windows([e.question.lstrip() for e in sample], [e.context for e in sample], tok, 48, 12)
    labelled = np.flatnonzero(cols["start_positions"] != 0)
    assert len(labelled) > 0
    for r in labelled.tolist():
        e = sample[win.example_index[r]]
        s, t = win.offsets[r, cols["start_positions"][r], 0], win.offsets[r, cols["end_positions"][r], 1]
        assert e.answer_texts[0] in e.context[s:t]  # the labelled tokens cover the first answer

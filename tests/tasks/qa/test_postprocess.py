"""fa_nlp.tasks.qa.postprocess: same answers as HF utils_qa on random logits; spans mapped to original text."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import _run_qa_reference as ref
from fa_nlp.data.squad import Answer, SquadParagraph, SquadQuestion
from fa_nlp.tasks.qa.examples import as_columns, examples_from_paragraphs, read_qa_examples
from fa_nlp.tasks.qa.postprocess import postprocess_predictions
from fa_nlp.tasks.qa.windows import prepare_eval_features
from fa_nlp.tokenization import train_qa_tokenizer


@pytest.fixture(scope="module")
def setup(sample_dir, tmp_path_factory):
    from tokenizers import Tokenizer

    examples, _ = read_qa_examples(sample_dir / "qa.json", normalize=False)
    out = tmp_path_factory.mktemp("qa_pp_tok")
    train_qa_tokenizer(sorted({e.context for e in examples}), out, vocab_size=300, min_frequency=1)
    return examples, Tokenizer.from_file(str(out / "tokenizer.json"))


@pytest.mark.parametrize(("seed", "threshold"), [(0, 0.0), (1, 0.0), (2, -2.0), (3, 3.0)])
def test_same_answers_as_utils_qa(setup, seed, threshold):
    from datasets import Dataset

    examples, tok = setup
    cols = as_columns(examples)
    feats = prepare_eval_features({k: cols[k] for k in ("id", "question", "context", "answers")}, tok, 48, 12)
    rng = np.random.default_rng(seed)
    shape = (len(feats["example_id"]), 48)
    start, end = rng.normal(size=shape).astype(np.float32), rng.normal(size=shape).astype(np.float32)
    start[:, 0] += 3.5  # a stronger [CLS] so that both answers and "no answer" occur
    end[:, 0] += 3.5
    mine = postprocess_predictions(examples, feats, start, end, n_best=20, max_answer_length=30,
                                   null_threshold=threshold)
    theirs, _, _ = ref.postprocess_qa_predictions(
        Dataset.from_dict({"id": cols["id"], "context": cols["context"]}),
        Dataset.from_dict({"example_id": feats["example_id"], "offset_mapping": feats["offset_mapping"]}),
        (start, end), version_2_with_negative=True, null_score_diff_threshold=threshold,
    )
    assert {k: p.text for k, p in mine.items()} == dict(theirs)
    if threshold == 0.0:  # the comparison covers both outcomes
        assert any(p.text for p in mine.values()) and any(not p.text for p in mine.values())


def test_prediction_mapped_back_to_original_context(setup):
    _, tok = setup
    context = "كتاب علي در سال 1390 نوشته شد."
    para = SquadParagraph("d", "t", context, [SquadQuestion("q", "كي؟", [Answer("سال 1390", 11)], False)])
    (ex,) = examples_from_paragraphs([para], normalize=True)
    feats = prepare_eval_features({"id": ["q"], "question": [ex.question], "context": [ex.context],
                                   "answers": [{"text": [], "answer_start": []}]}, tok, 64, 16)
    offs = feats["offset_mapping"][0]
    s_char = ex.answer_starts[0]
    e_char = s_char + len(ex.answer_texts[0])
    s_tok = next(i for i, o in enumerate(offs) if o is not None and o[0] == s_char)
    e_tok = next(i for i, o in enumerate(offs) if o is not None and o[1] == e_char)
    start, end = np.full((1, 64), -5.0), np.full((1, 64), -5.0)
    start[0, s_tok], end[0, e_tok] = 5.0, 5.0
    (pred,) = postprocess_predictions([ex], feats, start, end).values()
    assert pred.text == "سال 1390"  # ORIGINAL characters (Latin digits), not the normalized ۱۳۹۰
    assert context[slice(*pred.original_span)] == pred.text
    start[0, 0], end[0, 0] = 9.0, 9.0  # null score 18 beats span score 10
    (pred,) = postprocess_predictions([ex], feats, start, end).values()
    assert pred.text == "" and pred.score_diff == pytest.approx(8.0)

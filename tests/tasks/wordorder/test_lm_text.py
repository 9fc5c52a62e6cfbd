"""The fusion LM's text: every sentence of the build's training documents, none of its validation/test
documents, and no training document that shares a 13-word run with them (counted per set)."""

from __future__ import annotations

import random

import pytest

from fa_nlp.report import SkipReport
from fa_nlp.tasks.wordorder.build import WordOrderConfig, build, iter_documents
from fa_nlp.tasks.wordorder.filters import filter_params
from fa_nlp.tasks.wordorder.lm_text import (
    build_config,
    dataset_dir_of,
    document_split,
    lm_sentences,
    train_fusion_lm,
)

_WORDS = ["کتاب", "خانه", "مدرسه", "باران", "شهر", "دریا", "کوه", "درخت", "آسمان", "رود", "باغ", "پنجره", "دیوار", "کوچه", "بازار", "نان", "آب", "گل", "سنگ", "ابر", "ستاره", "ماه", "خورشید", "جنگل", "دشت"]


def _mark(kind: str, i: int) -> str:
    """A marker word of letters only (normalization would split off and convert digits)."""
    return kind + "".join("بپتثجچحخدذ"[int(c)] for c in str(i))


def _sentence(rng: random.Random, marker: str, n: int) -> str:
    return " ".join([marker, *(rng.choice(_WORDS) for _ in range(n - 2)), "است"]) + "."


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """40 one-line documents (a 35-word sentence — longer than the build's 30-word cap — and a
    short one, each with its own marker word); then one training document gets a held-out
    document's long sentence appended (a shared 13-word run), another a held-out short sentence."""
    rng = random.Random(0)
    root = tmp_path_factory.mktemp("lm_text")
    lines = [f"{_sentence(rng, _mark('سندالف', i), 35)} {_sentence(rng, _mark('سندب', i), 6)}" for i in range(40)]
    corpus = root / "docs.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = WordOrderConfig(corpora=[str(corpus)], split=[0.6, 0.2, 0.2])
    params = filter_params(cfg)
    splits = [document_split(d, s, params) for d, _t, s in iter_documents(cfg, SkipReport())]
    held = [i for i, s in enumerate(splits) if s != "train"]
    train = [i for i, s in enumerate(splits) if s == "train"]
    copied, short_dup = train[0], train[1]
    lines[copied] += " " + lines[held[0]].split(". ")[0] + "."
    lines[short_dup] += " " + lines[held[1]].split(". ")[1]
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = root / "ds"
    build(cfg, out, progress=False, log=lambda m: None)
    return out, splits, copied, short_dup, held


def test_lm_text_is_every_training_sentence_minus_contaminated_documents(built):
    out, splits, copied, short_dup, held = built
    sentences, counts = lm_sentences(out, catalog=False)
    text = "\n".join(sentences)
    for i, s in enumerate(splits):
        expected = s == "train" and i != copied
        assert (_mark("سندالف", i) + " " in text) == expected, (i, s)  # long (35-word) sentences of training documents
        assert (_mark("سندب", i) + " " in text) == expected, (i, s)
    # the training document holding a held-out document's sentence is dropped, counted under that split
    per = counts["decontamination"]["per_set"]
    assert per[f"wordorder:{splits[held[0]]}"]["dropped_documents"] == 1
    assert counts["decontamination"]["dropped"] == 1
    assert counts["train_documents"] == splits.count("train") and counts["documents_kept"] == counts["train_documents"] - 1
    # a short held-out sentence (no 13-word run) copied into a training document is dropped alone
    assert counts["sentences_equal_to_a_validation_or_test_sentence"] == 1
    assert _mark("سندالف", short_dup) + " " in text


def test_lm_text_needs_a_word_order_build(tmp_path):
    with pytest.raises(FileNotFoundError, match="manifest.json"):
        build_config(tmp_path)


def test_fusion_lm_is_stored_with_the_run_and_reused(built, tmp_path):
    from fa_nlp.io import write_json
    from fa_nlp.tasks.wordorder.arpa import ArpaLM, lm_paths
    from fa_nlp.tasks.wordorder.baselines import NgramLM

    out = built[0]
    data_file = out / "parquet" / "test.parquet"
    assert dataset_dir_of(data_file) == out
    prepared = tmp_path / "prepared"  # a prepared dir names the build's split files as its inputs
    write_json(prepared / "manifest.json", {"inputs": [{"path": str(out / "parquet" / "train.parquet")}]})
    assert dataset_dir_of(prepared / "test.eval.jsonl") == out
    run = tmp_path / "run"
    run.mkdir()
    lm, info = train_fusion_lm(data_file, 4, "mkn", "documents", run, catalog=False)
    assert isinstance(lm, NgramLM) and lm.order == 4 and info["train_sentences"] == len(lm_sentences(out, catalog=False)[0])
    assert lm_paths(run, 4)[0].is_file()
    again, info2 = train_fusion_lm(data_file, 4, "mkn", "documents", run, catalog=False)  # read back, not retrained
    assert isinstance(again, ArpaLM) and info2["train_sentences"] == info["train_sentences"]
    s = "سندالف است ."
    assert again.sentence_logprob(s) == pytest.approx(lm.sentence_logprob(s), abs=1e-6)
    with pytest.raises(ValueError, match="fusion_lm_text"):
        train_fusion_lm(data_file, 4, "mkn", "everything", run)

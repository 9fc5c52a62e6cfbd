"""Cloze questions from plain text: self-supervised QA pretraining for a span model from scratch.

    fa-nlp prepare qa --cloze --text fa_text:A+B --qa-prepared build/qa/pquad/prepared --out build/qa/cloze.json
    fa-nlp build qa --train build/qa/cloze.json --tokenizer build/tok/qa --no-normalize --out build/qa/cloze

Why: most PQuAD questions are one context sentence rewritten with a question word in place of the
answer. A model trained from random weights on a few thousand such questions never gets far enough
to learn the two skills that takes (find the sentence the question paraphrases, then take the
words standing where the question word stands). Masked-LM pretraining teaches neither. Questions
made the same way from unlabelled passages teach both, in unlimited number, without a single
labelled question (Lewis et al. 2019, "Unsupervised Question Answering by Cloze Translation";
Dhingra et al. 2018): a sentence of the passage, 1-3 content words replaced by a Persian question
word typed to the answer (a number with چند, a year with چه سالی, a person with چه کسی, a place
with کجا: `fa_nlp.tasks.qa.answer_types`), some of its other words left out (so that matching is
not plain string copying), and a share of unanswerable ones: the same kind of question with its sentence cut out of the passage
(so "no answer" has to be read, not guessed from a missing topic).

Everything is a pure function of the passages and `ClozeConfig.seed`; the result is SQuAD-v2 JSON
that `fa-nlp build qa` reads like any other QA file.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fa_nlp.data.decontaminate import held_out_sets
from fa_nlp.data.pretraining import pretraining_texts, qa_folder_contexts
from fa_nlp.io import atomic_open
from fa_nlp.tasks.qa.answer_types import answer_type, question_word
from fa_nlp.text import sentence_spans, stop_words

WH_WORDS = ("چه", "چه کسی", "چه چیزی", "کجا", "چه زمانی", "چند", "کدام", "چگونه")
_WORD = re.compile(r"\S+")
_EDGE_PUNCT = "«»\"'()[]{}.,;:!?،؛؟…-–—"
_END_PUNCT = ".!?؟؛:…"


@dataclass(frozen=True)
class ClozeConfig:
    seed: int = 1234
    questions_per_passage: int = 2  # at most: one per distinct sentence
    unanswerable: float = 0.25  # share of questions whose sentence is cut out of the context
    drop_words: float = 0.2  # each other word of the sentence is left out of the question with this probability
    max_answer_words: int = 3
    max_question_words: int = 16  # the words nearest the answer (PQuAD questions are short)
    min_sentence_words: int = 6
    min_passage_sentences: int = 2
    max_passage_chars: int = 1000  # longer texts are cut into passages at sentence ends
    # Off by default until a dev comparison shows they pay (issue 23): the shipped recipe's record used random words.
    typed_questions: bool = False  # question word typed to the answer (`answer_types`); False: a random WH word
    typed_answers: float = 0.0  # with this probability, a sentence holding a number/date/person/place answers with it


def passages(text: str, max_chars: int) -> list[tuple[str, list[tuple[int, int]]]]:
    """Cut a text at sentence ends into passages of <= max_chars (one sentence may exceed it):
    (passage, its sentence spans)."""

    out, cur = [], []
    for s, e in sentence_spans(text):
        if cur and e - cur[0][0] > max_chars:
            out.append(cur)
            cur = []
        cur.append((s, e))
    if cur:
        out.append(cur)
    res = []
    for spans in out:
        lo = spans[0][0]
        res.append((text[lo : spans[-1][1]], [(s - lo, e - lo) for s, e in spans]))
    return res


def _answer_span(words: list[tuple[int, int, str]], rng: random.Random, max_words: int,
                 stop: frozenset[str]) -> tuple[int, int] | None:
    """A run of 1..max_words words (indices, half-open) whose first and last words are content
    words: not stop words, not bare punctuation. None when the sentence has none."""
    content = [i for i, (_, _, w) in enumerate(words) if w.strip(_EDGE_PUNCT) and w.strip(_EDGE_PUNCT) not in stop]
    if not content:
        return None
    for _ in range(8):
        i = rng.choice(content)
        n = rng.randint(1, max_words)
        j = min(len(words), i + n)
        while j - 1 > i and (j - 1) not in content:
            j -= 1
        if j - i < len(words) - 2:  # leave at least two words to ask with
            return i, j
    return None


def _typed_span(words: list[tuple[int, int, str]], rng: random.Random,
                stop: frozenset[str]) -> tuple[int, int] | None:
    """One word whose answer type is not "other" (a number, year, date, person or place: PQuAD's
    answers are often these, random content words rarely are), or None when the sentence has none."""
    toks = [w for _, _, w in words]
    typed = [i for i, w in enumerate(toks) if w.strip(_EDGE_PUNCT) and w.strip(_EDGE_PUNCT) not in stop
             and answer_type(w, toks[:i], toks[i + 1 :]) != "other"]
    i = rng.choice(typed) if typed else None
    return (i, i + 1) if i is not None and len(words) > 3 else None


def cloze_question(sentence: str, rng: random.Random, cfg: ClozeConfig,
                   stop: frozenset[str]) -> tuple[str, int, int] | None:
    """(question, answer start, answer end) in `sentence` coordinates, or None."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(sentence)]
    if len(words) < cfg.min_sentence_words:
        return None
    span = _typed_span(words, rng, stop) if cfg.typed_answers and rng.random() < cfg.typed_answers else None
    span = span or _answer_span(words, rng, cfg.max_answer_words, stop)
    if span is None:
        return None
    i, j = span
    a0, a1 = words[i][0], words[j - 1][1]
    while a0 < a1 and sentence[a0] in _EDGE_PUNCT:
        a0 += 1
    while a1 > a0 and sentence[a1 - 1] in _EDGE_PUNCT:
        a1 -= 1
    if a1 <= a0:
        return None
    wh, lo = rng.choice(WH_WORDS), i
    if cfg.typed_questions:
        kind = answer_type(sentence[a0:a1], [x[2] for x in words[:i]], [x[2] for x in words[j:]])
        wh, absorb = question_word(kind, words[i - 1][2] if i else "", rng)
        lo = i - 1 if absorb else i  # «در سال ۱۳۵۷» → «در چه سالی»: the question word replaces «سال» too
    w = max(1, cfg.max_question_words // 2)
    keep = [k for k in range(max(0, i - w), min(len(words), j + w)) if k < lo or k >= j]
    kept = [k for k in keep if rng.random() >= cfg.drop_words]
    if len(kept) < 2:
        kept = keep
    q = [words[k][2] for k in kept if k < lo] + [wh] + [words[k][2] for k in kept if k >= j]
    q[-1] = q[-1].rstrip(_END_PUNCT) or q[-1]
    return " ".join(q).strip() + "؟", a0, a1


def cloze_dataset(texts: Iterable[str], cfg: ClozeConfig = ClozeConfig(), max_questions: int = 0,
                  stop_words: Iterable[str] = ()) -> tuple[dict[str, Any], dict[str, int]]:
    """SQuAD-v2 dict of cloze questions over the passages of `texts`, and counts."""
    rng = random.Random(cfg.seed)
    stop = frozenset(stop_words)
    paragraphs, counts = [], {"texts": 0, "passages": 0, "questions": 0, "unanswerable": 0,
                              "passages_too_short": 0, "sentences_without_question": 0}
    for t_idx, text in enumerate(texts):
        counts["texts"] += 1
        for p_idx, (passage, spans) in enumerate(passages(text, cfg.max_passage_chars)):
            if len(spans) < cfg.min_passage_sentences:
                counts["passages_too_short"] += 1
                continue
            counts["passages"] += 1
            order = rng.sample(range(len(spans)), len(spans))
            made = 0
            for s_idx in order:
                if made >= cfg.questions_per_passage:
                    break
                s, e = spans[s_idx]
                got = cloze_question(passage[s:e], rng, cfg, stop)
                if got is None:
                    counts["sentences_without_question"] += 1
                    continue
                question, a0, a1 = got
                answer = passage[s + a0 : s + a1]
                qid = f"cloze-{t_idx}-{p_idx}-{s_idx}"
                context, qas = passage, {"id": qid, "question": question}
                if rng.random() < cfg.unanswerable:
                    cut = (passage[:s].rstrip() + " " + passage[e:].lstrip()).strip()
                    if answer not in cut:
                        context = cut
                        qas.update(answers=[], is_impossible=True)
                        counts["unanswerable"] += 1
                if context is passage:
                    qas.update(answers=[{"text": answer, "answer_start": s + a0}], is_impossible=False)
                paragraphs.append({"title": f"cloze-{t_idx}", "paragraphs": [{"context": context, "qas": [qas]}]})
                counts["questions"] += 1
                made += 1
                if max_questions and counts["questions"] >= max_questions:
                    return {"version": "v2.0", "data": paragraphs}, counts
    return {"version": "v2.0", "data": paragraphs}, counts


def prepare_cloze(text: str, qa_prepared, out_file, cfg: ClozeConfig = ClozeConfig(), max_questions: int = 0,
                  max_docs: int = 0, lenient: bool = False, log=print, held_out: Sequence[str] = ()) -> dict[str, Any]:
    """Write cloze questions over `text` (+ the QA train contexts; no document sharing a 13-word run
    with a dev/test context or a `held_out` set: `decontaminate.held_out_sets` specs) as SQuAD-v2
    JSON, atomically; returns the counts (`decontamination`: documents dropped per evaluation set)."""
    import json
    from pathlib import Path

    train_ctx, dev_test, normalized = qa_folder_contexts(qa_prepared)
    texts, stats, report = pretraining_texts(text, include=train_ctx, exclude=dev_test, normalize=normalized,
                                             lenient=lenient, max_docs=max_docs, held_out=held_out_sets(held_out))
    random.Random(cfg.seed).shuffle(texts)  # a --max-questions cap then samples every source
    squad, counts = cloze_dataset(texts, cfg, max_questions=max_questions, stop_words=stop_words())
    counts.update(text_documents_read=stats["read"], text_documents_kept=stats["kept"],
                  dropped_sharing_a_13_word_shingle_with_qa_dev_or_test=stats["dropped"],
                  qa_train_contexts=len(texts) - stats["kept"], normalized=stats["normalized"],
                  decontamination=stats["decontamination"])
    if report is not None:
        counts["skips"] = report.to_dict()
    squad["fa_nlp"] = {"made_by": "fa-nlp prepare qa --cloze", "config": cfg.__dict__, "text": text, "counts": counts}
    with atomic_open(Path(out_file), "w") as fh:
        json.dump(squad, fh, ensure_ascii=False)
    log(f"prepare qa --cloze: {counts['questions']} questions ({counts['unanswerable']} unanswerable) from "
        f"{counts['passages']} passages of {counts['texts']} texts → {out_file}")
    return counts

"""QA examples: read SQuAD-style files, validate every answer offset, optionally normalize, and count.

    from fa_nlp.tasks.qa.examples import read_qa_examples, qa_stats
    examples, report = read_qa_examples("../shared/data/pquad/Test.json", normalize=False)
    print(report.summary())          # read 8002 = kept 8002 + fixed 0 + skipped 0
    print(qa_stats(examples))        # questions, unanswerable, answerability %, word lengths

Validation (per question): the context and question must be non-empty and the id unique (an
empty id gets `<doc_id>:q<k>`, counted as `empty_id_replaced`: predictions are keyed by id); the
reader's text repairs (control characters, lone surrogates with lenient) count as fixes; each
answer must satisfy `context[start:start+len(text)] == text`; when it does not, the occurrence
of `text` nearest to `start` is used and the fix recorded; an answer found nowhere is dropped
(and a question left with no answer although it was answerable is skipped). Unanswerable
questions (`is_impossible`, or no answers) are kept as such, with any listed answers removed.
Accounting: `read = kept + fixed + skipped`, with reasons and examples.

Normalization (`normalize=True`) goes through `fa_nlp.text.normalize`, whose character map moves
each answer span into the normalized context; the map is kept on the example so predictions can
be put back on the ORIGINAL context (`QAExample.to_original`). An answer whose normalized span does
not map back onto exactly the span as read (a diacritic dropped at its edge, or a misaligned map)
is kept and counted as the fix `answer_span_changed_by_normalization`, with the texts as examples. `normalize=False` keeps raw text
(what `run_qa.py` sees: needed for parity).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fa_nlp.data.card import markdown_table
from fa_nlp.data.squad import read_squad
from fa_nlp.report import SkipReport
from fa_nlp.text import Normalized, normalize


@dataclass(frozen=True)
class QAExample:
    """One question on one context. `answer_starts` index `context` (normalized when `normalized`)."""

    id: str
    doc_id: str
    title: str
    question: str
    context: str
    answer_texts: tuple[str, ...]
    answer_starts: tuple[int, ...]
    original_context: str = ""  # the context as read (== context when not normalized)
    context_offsets: tuple[int, ...] = ()  # normalized char i came from original[offsets[i]:ends[i]]
    context_ends: tuple[int, ...] = ()

    @property
    def is_impossible(self) -> bool:
        return not self.answer_texts

    @property
    def normalized(self) -> bool:
        return bool(self.context_offsets)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """A character span of `context` → the span of `original_context` it came from."""
        if not self.normalized:
            return start, end

        return Normalized(self.context, self.original_context, self.context_offsets, self.context_ends).to_original(
            start, end
        )

    def to_row(self) -> dict[str, Any]:
        """HF/run_qa column layout (`answers: {"text": [...], "answer_start": [...]}`)."""
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "title": self.title,
            "question": self.question,
            "context": self.context,
            "answers": {"text": list(self.answer_texts), "answer_start": list(self.answer_starts)},
            "is_impossible": self.is_impossible,
            "original_context": self.original_context,
            "context_offsets": list(self.context_offsets),
            "context_ends": list(self.context_ends),
        }


@dataclass
class QAReadReport:
    """`read = kept + fixed + skipped`: kept unchanged, kept after a recorded fix, or dropped."""

    skips: SkipReport = field(default_factory=SkipReport)  # its `kept` counts kept + fixed questions
    fixed: int = 0
    fixes: Counter = field(default_factory=Counter)  # per kind of fix (a question can have several)
    fix_examples: dict[str, list[Any]] = field(default_factory=dict)
    max_examples: int = 3

    def fix(self, kind: str, example: Any) -> None:
        self.fixes[kind] += 1
        bucket = self.fix_examples.setdefault(kind, [])
        if len(bucket) < self.max_examples:
            bucket.append(example)

    @property
    def read(self) -> int:
        return self.skips.read

    @property
    def kept(self) -> int:
        return self.skips.kept - self.fixed

    def check(self) -> None:
        self.skips.check()
        if self.read != self.kept + self.fixed + self.skips.n_skipped:
            raise AssertionError(f"accounting broken: {self.summary()}")

    def to_dict(self) -> dict[str, Any]:
        d = self.skips.to_dict()
        return {
            "read": self.read,
            "kept": self.kept,
            "fixed": self.fixed,
            "skipped": d["skipped"],
            "skipped_by_reason": d["skipped_by_reason"],
            "skip_examples": d["examples"],
            "fixes_by_kind": dict(sorted(self.fixes.items())),
            "fix_examples": dict(sorted(self.fix_examples.items())),
        }

    def summary(self) -> str:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(self.skips.skipped.items())) or "none"
        fixes = ", ".join(f"{k}={v}" for k, v in sorted(self.fixes.items())) or "none"
        return (
            f"read {self.read} = kept {self.kept} + fixed {self.fixed} + skipped {self.skips.n_skipped} "
            f"(skips: {reasons}; fixes: {fixes})"
        )


def nearest_occurrence(context: str, text: str, start: int) -> int | None:
    """Start of the occurrence of `text` in `context` closest to `start` (ties: the earlier one)."""
    best, pos = None, context.find(text)
    while pos != -1:
        if best is None or abs(pos - start) < abs(best - start):
            best = pos
        pos = context.find(text, pos + 1)
    return best


def check_answer(context: str, text: str, start: int) -> tuple[int | None, str | None]:
    """(valid start or None, fix kind or None) for one answer against its context."""
    if not text.strip():
        return None, "empty_answer_dropped"
    if 0 <= start and context[start : start + len(text)] == text:
        return start, None
    found = nearest_occurrence(context, text, start)
    if found is not None:
        return found, "offset_moved_to_nearest"
    return None, "answer_not_in_context_dropped"


def _normalizer(enabled: bool):
    if not enabled:
        return None

    return normalize


def examples_from_paragraphs(
    paragraphs: Iterable[Any], report: QAReadReport | None = None, normalize: bool = True, norm=None
) -> list[QAExample]:
    """Validate `fa_nlp.data.squad.SquadParagraph`s into `QAExample`s (see module docstring).
    `norm`: text → `Normalized`, to use normalizations computed elsewhere (the QA build's engine)."""
    report = report if report is not None else QAReadReport()
    norm = _normalizer(normalize) if norm is None else norm
    seen: set[str] = set()
    out: list[QAExample] = []
    for para in paragraphs:
        context = para.context
        n_ctx = norm(context) if norm is not None and context.strip() else None
        for k, q in enumerate(para.questions):
            fixes: list[tuple[str, str]] = list(q.fixes)  # (kind, what changed): the reader's repairs first
            qid = q.id
            if not qid.strip():  # predictions are keyed by id: give it one, derived from where it is
                qid = f"{para.doc_id}:q{k}"
                fixes.append(("empty_id_replaced", f"question {k} of {para.doc_id}: id {q.id!r} -> {qid!r}"))
            where = f"{para.doc_id} q={qid}"
            if not context.strip():
                report.skips.skip("empty_context", where)
                continue
            if not q.question.strip():
                report.skips.skip("empty_question", where)
                continue
            if qid in seen:
                report.skips.skip("duplicate_id", where)
                continue
            texts: list[str] = []
            starts: list[int] = []
            if q.is_impossible and q.answers:
                fixes.append(("answers_removed_from_unanswerable", f"{len(q.answers)} answers"))
            for a in [] if q.is_impossible else q.answers:
                start, fix = check_answer(context, a.text, a.start)
                if fix:
                    fixes.append((fix, f"{a.text!r:.60} @ {a.start} -> {start}"))
                if start is None:
                    continue
                text = a.text
                if n_ctx is not None:
                    s, e = n_ctx.to_normalized(start, start + len(text))
                    if not n_ctx.text[s:e].strip():
                        fixes.append(("answer_empty_after_normalization_dropped", f"{text!r:.60}"))
                        continue
                    # the normalized answer must map back onto exactly the answer as read: otherwise
                    # predictions on it would be put back on different original text. Kept, but counted.
                    back = n_ctx.to_original(s, e)
                    if back != (start, start + len(text)):
                        fixes.append(("answer_span_changed_by_normalization",
                                      f"{text!r:.60} -> {n_ctx.text[s:e]!r:.60} -> original {context[slice(*back)]!r:.60}"))
                    text, start = n_ctx.text[s:e], s
                texts.append(text)
                starts.append(start)
            if q.answers and not q.is_impossible and not texts:
                report.skips.skip("no_valid_answer", f"{where}: {q.answers[0].text!r:.60} @ {q.answers[0].start}")
                continue
            seen.add(qid)
            report.skips.keep()
            if fixes:
                report.fixed += 1
                for kind, detail in fixes:
                    report.fix(kind, f"{where}: {detail}")
            question = norm(q.question).text if n_ctx is not None else q.question
            out.append(
                QAExample(
                    id=qid,
                    doc_id=para.doc_id,
                    title=para.title,
                    question=question,
                    context=n_ctx.text if n_ctx is not None else context,
                    answer_texts=tuple(texts),
                    answer_starts=tuple(starts),
                    original_context=context,
                    context_offsets=tuple(n_ctx.offsets) if n_ctx is not None else (),
                    context_ends=tuple(n_ctx.ends) if n_ctx is not None else (),
                )
            )
    return out


def read_qa_examples(
    path: str | Path, normalize: bool = True, lenient: bool = False
) -> tuple[list[QAExample], QAReadReport]:
    """Read and validate one SQuAD-style file (PQuAD, PersianQA, ParsiNLU json/jsonl)."""
    report = QAReadReport()
    parse = SkipReport()  # its skips are questions lost to parse errors (lenient mode)
    paragraphs = read_squad(path, lenient=lenient, report=parse)
    examples = examples_from_paragraphs(paragraphs, report, normalize)
    report.skips.merge_skips(parse)  # questions lost to parse errors (lenient) count as skips too
    report.check()
    return examples, report


def as_columns(examples: Sequence[QAExample]) -> dict[str, list[Any]]:
    """Examples as HF-style columns (what `prepare_*_features` and `Dataset.from_dict` take)."""
    rows = [e.to_row() for e in examples]
    keys = rows[0].keys() if rows else QAExample("", "", "", "", "", (), ()).to_row().keys()
    return {k: [r[k] for r in rows] for k in keys}


# --------------------------------------------------------------------------- statistics


def _summary(values: Sequence[int]) -> dict[str, float | int]:
    if not values:
        return {"min": 0, "max": 0, "avg": 0.0}
    return {"min": min(values), "max": max(values), "avg": round(sum(values) / len(values), 2)}


def qa_stats(examples: Sequence[QAExample]) -> dict[str, Any]:
    """Per-split numbers: questions, unanswerable, answerability %, and min/max/avg words
    (whitespace-separated) of contexts (each distinct context once), questions and answers (all gold answers)."""
    n = len(examples)
    unanswerable = sum(e.is_impossible for e in examples)
    contexts = {e.context for e in examples}
    return {
        "questions": n,
        "unanswerable": unanswerable,
        "answerable": n - unanswerable,
        "answerability_pct": round(100.0 * (n - unanswerable) / n, 2) if n else 0.0,
        "contexts": len(contexts),
        "context_words": _summary([len(c.split()) for c in contexts]),
        "question_words": _summary([len(e.question.split()) for e in examples]),
        "answer_words": _summary([len(t.split()) for e in examples for t in e.answer_texts]),
    }


def stats_table(stats: dict[str, dict[str, Any]]) -> str:
    """A Markdown table, one row per split."""
    def mma(d: dict) -> str:
        return f"{d['min']}/{d['max']}/{d['avg']}"

    rows = [
        [name, s["questions"], s["unanswerable"], f"{s['answerability_pct']}%", s["contexts"],
         mma(s["context_words"]), mma(s["question_words"]), mma(s["answer_words"])]
        for name, s in stats.items()
    ]
    header = ["split", "questions", "unanswerable", "answerable %", "contexts",
              "context words min/max/avg", "question words", "answer words"]
    return markdown_table(header, rows, ["l", "r", "r", "r", "r", "r", "r", "r"])

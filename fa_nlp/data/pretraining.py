"""Plain text for self-supervised pretraining (masked LM, cloze questions), kept apart from held-out text.

    from fa_nlp.data.pretraining import pretraining_texts
    texts, counts, report = pretraining_texts(["fa_text:A+B", "build/qa/pquad/prepared/train.contexts.jsonl"],
                                              held_out=HeldOut().add("dev", read_texts("dev.contexts.jsonl")),
                                              normalize=True)

Why here, below the tasks: both the MLM prepare step and the QA cloze questions read the same text
the same way; with it in one task the other would import a sibling task. A text source is anything
`read_documents` reads (a corpus name / selection / file) or a `*.contexts.jsonl` file (the distinct
contexts a QA build writes: one `{"context": ...}` row each), so a task can pretrain on another task's
text without importing it. Decontamination (`fa_nlp.data.decontaminate`): a text document that shares
any 13-word run with an excluded text or with any set of `held_out` (every evaluation set the catalog
knows, the word-order validation/test documents) is dropped and counted per evaluation set (fa_text
holds Wikipedia-derived text and 567 of ParsiNLU RC's test passages; PQuAD is Wikipedia).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from fa_nlp.data.decontaminate import SHINGLE, HeldOut, shingles
from fa_nlp.data.readers import read_documents
from fa_nlp.io import iter_jsonl, read_prepared_manifest
from fa_nlp.report import InputError, SkipReport
from fa_nlp.text import normalize as normalize_text

__all__ = ["SHINGLE", "HeldOut", "contexts", "pretraining_texts", "qa_folder_contexts", "read_texts", "shingles"]

CONTEXTS_SUFFIX = ".contexts.jsonl"


def contexts(prepared: str | Path, split: str) -> list[str]:
    """The distinct contexts of one split of a prepared QA folder (`<split>.contexts.jsonl`; [] if none)."""
    f = Path(prepared) / f"{split}.contexts.jsonl"
    return [row["context"] for _, row in iter_jsonl(f)] if f.is_file() else []


def read_texts(source: str | Path, lenient: bool = False, report: SkipReport | None = None) -> Iterator[str]:
    """The texts of one source (module docstring): a `*.contexts.jsonl` file's `context` strings, else
    the documents' texts of whatever `read_documents` reads. A contexts row without a string `context`
    is an error naming the file and line."""
    path = Path(source)
    if path.name.endswith(CONTEXTS_SUFFIX) and path.is_file():
        for lineno, row in iter_jsonl(path):
            if not isinstance(row, dict) or not isinstance(row.get("context"), str):
                raise InputError(path, lineno, 'a contexts row must be an object with a string "context"')
            yield row["context"]
        return
    for doc in read_documents(str(source), lenient=lenient, report=report):
        yield doc.text


def qa_folder_contexts(prepared: str | Path) -> tuple[list[str], list[str], bool]:
    """(TRAIN contexts, dev + test contexts, whether the QA build normalized its text) of a prepared QA
    folder: what pretraining may add, what it must keep out, and the text form to match."""
    meta = read_prepared_manifest(prepared, "fa-nlp build qa", "qa")
    normalized = bool(meta.get("build", {}).get("config", {}).get("normalize", False))
    return contexts(prepared, "train"), contexts(prepared, "dev") + contexts(prepared, "test"), normalized


def pretraining_texts(text: str | Sequence[str], include: Iterable[str] = (), exclude: Iterable[str] = (),
                      normalize: bool = False, lenient: bool = False, max_docs: int = 0,
                      held_out: HeldOut | None = None):
    """The documents of `text` (one source or several, in order: `read_texts`; normalized when
    `normalize`; the first `max_docs` of each source when > 0), minus those sharing a 13-word run with
    any `exclude` text (counted as the set `qa_prepared:dev+test`) or any set of `held_out`, then the
    `include` texts as they are. Returns (texts, counts {read, kept, dropped, normalized,
    decontamination: per evaluation set}, skip report or None)."""
    held = held_out if held_out is not None else HeldOut()
    exclude = list(exclude)
    if exclude:
        held.add("qa_prepared:dev+test", exclude)
    report = SkipReport() if lenient else None
    texts, read = [], 0
    for source in [text] if isinstance(text, str | Path) else text:
        for n, doc in enumerate(read_texts(source, lenient=lenient, report=report) if source else ()):
            if max_docs and n >= max_docs:
                break
            read += 1
            t = normalize_text(doc).text if normalize else doc
            if not t.strip():
                continue
            if held and not held.check(t):
                continue
            texts.append(t)
    kept = len(texts)
    texts += list(include)
    return texts, {"read": read, "kept": kept, "dropped": held.dropped, "normalized": normalize,
                   "decontamination": held.counts()}, report

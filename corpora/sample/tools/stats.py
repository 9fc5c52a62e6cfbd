"""Counts for the sample corpus README (documents, sentences, words, questions).

    .venv/bin/python corpora/sample/tools/stats.py

Stdlib only, so maintainers can re-run it after editing documents.txt without hazm.
The sentence counts are deliberately rough (see README "Counts"): they exist to show the
corpus is big enough, not to be a gold standard for sentence splitting.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent
ID_LINE = re.compile(r"^# id: (sample-\d\d-[a-z0-9-]+)$")

# A run of terminal marks, optionally closed by a quote/bracket, then whitespace or end of line.
TERMINAL = re.compile(r"[.!?؟…]+[»)\"]*(?=\s|$)")
# Tokens whose final dot is not a sentence end: initials (م.), list numbers (۱.), known abbreviations.
NOT_AN_END = re.compile(r"(?:^[0-9۰-۹]+|(?:^|\s|\()(?:[^\W\d_]|ر\.ک|Dr))\.$")


def read_documents(path: Path = SAMPLE / "documents.txt") -> list[tuple[str, str]]:
    """(doc id, body) pairs: blocks separated by one blank line, first line `# id: ...`."""
    text = path.read_text(encoding="utf-8")
    docs = []
    for block in text.strip("\n").split("\n\n"):
        head, _, body = block.partition("\n")
        m = ID_LINE.match(head)
        if not m:
            raise ValueError(f"{path}: block does not start with '# id: sample-NN-slug': {head!r}")
        docs.append((m.group(1), body))
    return docs


def simple_sentence_count(body: str) -> int:
    """Number of terminal-mark runs followed by whitespace/end (over-counts initials, list numbers,
    `ص.`; under-counts headings and list lines without a final mark)."""
    return len(TERMINAL.findall(body))


def careful_sentence_count(body: str) -> int:
    """Terminal-mark runs that do not close an initial/abbreviation/list number, plus one per
    non-empty line that has no terminal mark at all (headings, greetings, signatures)."""
    n = 0
    for line in body.split("\n"):
        ends = [m for m in TERMINAL.finditer(line) if not NOT_AN_END.search(line[: m.end()])]
        n += len(ends) if ends else int(bool(line.strip()))
    return n


def main() -> int:
    docs = read_documents()
    qa = json.loads((SAMPLE / "qa.json").read_text(encoding="utf-8"))
    qas = [q for art in qa["data"] for p in art["paragraphs"] for q in p["qas"]]
    contexts = sum(len(art["paragraphs"]) for art in qa["data"])
    out = {
        "documents": len(docs),
        "lines": sum(len(b.split("\n")) for _, b in docs),
        "sentences_simple": sum(simple_sentence_count(b) for _, b in docs),
        "sentences_careful": sum(careful_sentence_count(b) for _, b in docs),
        "words": sum(len(b.split()) for _, b in docs),
        "characters": sum(len(b) for _, b in docs),
        "qa_contexts": contexts,
        "questions": len(qas),
        "unanswerable": sum(q["is_impossible"] for q in qas),
        "with_2_answers": sum(len(q["answers"]) >= 2 for q in qas),
    }
    json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

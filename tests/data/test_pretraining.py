"""Pretraining text sources (`fa_nlp.data.pretraining.read_texts`): documents of any readable source or the
contexts a QA build writes, several sources in order, and a located error for a bad contexts row."""

from __future__ import annotations

import json

import pytest

from fa_nlp.data.pretraining import pretraining_texts, read_texts
from fa_nlp.report import InputError

DOC_A = "کتابخانهٔ مرکزی شهر از امروز تا پایان هفته هر روز تا نیمه‌شب باز است"
DOC_B = "باران پاییزی امسال زودتر از سال‌های پیش به شمال کشور رسید و کشاورزان را خوشحال کرد"
CTX = "اصفهان در مرکز ایران است و زاینده‌رود از میان آن می‌گذرد و پل‌های تاریخی آن دیدنی است"


def _contexts(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_contexts_file_gives_its_contexts_and_a_text_file_its_documents(tmp_path):
    docs = tmp_path / "docs.txt"
    docs.write_text(f"{DOC_A}\n{DOC_B}\n", encoding="utf-8")
    ctx = _contexts(tmp_path / "train.contexts.jsonl", [{"context": CTX, "original_context": CTX}])
    assert list(read_texts(ctx)) == [CTX]
    assert list(read_texts(str(docs))) == [DOC_A, DOC_B]
    # several sources, in order; max_docs caps each source, not the total
    texts, counts, _ = pretraining_texts([str(docs), str(ctx)], max_docs=1)
    assert texts == [DOC_A, CTX] and counts["read"] == 2 and counts["kept"] == 2


@pytest.mark.parametrize("row", [
    {"text": CTX},       # not a contexts row: no "context" field
    {"context": 3},      # a context must be a string
    ["context", CTX],    # a row must be an object
])
def test_a_bad_contexts_row_is_an_error_naming_file_and_line(row, tmp_path):
    ctx = _contexts(tmp_path / "dev.contexts.jsonl", [{"context": CTX}, row])
    with pytest.raises(InputError, match=r"dev\.contexts\.jsonl:2: .*string \"context\""):
        list(read_texts(ctx))

"""QA build tests' tokenizer: one 300-piece WordPiece on the bundled sample's contexts, for the session."""

from __future__ import annotations

import pytest

from fa_nlp.tokenization import train_qa_tokenizer


@pytest.fixture(scope="session")
def tok_dir(qa_sample_contexts, tmp_path_factory):
    out = tmp_path_factory.mktemp("qa_build_tok")
    train_qa_tokenizer(qa_sample_contexts, out, vocab_size=300, min_frequency=1)
    return out

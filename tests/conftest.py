"""Shared test fixtures: hermetic caches, the real-data mirror (skipped when absent), and the bundled
sample's QA set → tokenizer → `build qa` (128/32; its prepared/ arrays are used by the task and export tests)."""

from __future__ import annotations

import json
import os
import tempfile

import pytest

# Keep HF caches out of the user's home: tests must be hermetic.
_CACHE = tempfile.mkdtemp(prefix="fa_nlp_test_cache_")
os.environ.setdefault("HF_HOME", _CACHE)
os.environ.setdefault("HF_DATASETS_CACHE", os.path.join(_CACHE, "datasets"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from fa_nlp.settings import REPO_ROOT, data_root  # noqa: E402 (caches must be set first)

SAMPLE_DIR = REPO_ROOT / "corpora" / "sample"


@pytest.fixture(scope="session")
def shared_data():
    """Path to ../shared/data (or $FA_NLP_DATA); skips the test with the reason when absent."""
    root = data_root()
    if root is None:
        pytest.skip("real data not found: set FA_NLP_DATA or put shared/data beside the repo")
    return root


@pytest.fixture(scope="session")
def sample_dir():
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def qa_sample_contexts(sample_dir) -> list[str]:
    """Every context of the bundled sample's QA set: what the tests' QA tokenizers are trained on."""
    return [p["context"] for a in json.loads((sample_dir / "qa.json").read_text(encoding="utf-8"))["data"]
            for p in a["paragraphs"]]


@pytest.fixture(scope="session")
def qa_build(sample_dir, qa_sample_contexts, tmp_path_factory):
    from fa_nlp.tasks.qa.build import QABuildConfig, build
    from fa_nlp.tokenization import train_qa_tokenizer

    root = tmp_path_factory.mktemp("qa_sample")
    train_qa_tokenizer(qa_sample_contexts, root / "tok", vocab_size=400, min_frequency=1)
    cfg = QABuildConfig(dataset=str(sample_dir / "qa.json"), tokenizer=str(root / "tok"), max_length=128, overlap=32,
                        dev_fraction=0.2, seed=7)
    build(cfg, root / "qa", log=lambda *a: None)
    return root / "qa"


@pytest.fixture(scope="session")
def qa_prepared(qa_build):
    """The arrays `fa-nlp train` reads: written by `build qa` itself (BUILD/prepared)."""
    return qa_build / "prepared"

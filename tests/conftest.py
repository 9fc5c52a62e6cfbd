"""Shared test fixtures: hermetic caches, and the real-data mirror (skipped when absent)."""

from __future__ import annotations

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

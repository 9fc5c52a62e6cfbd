"""The QA build's normalization on the engines (local worker processes, a 2-worker local Dask cluster):
features, examples and reports byte-identical to the in-process build."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from fa_nlp.tasks.qa.build import QABuildConfig, build


def _data_files(out: Path) -> dict[str, str]:
    """sha256 of every data file (Arrow shards, report) — not the manifest, which records the runtime."""
    files = [*out.glob("hf/**/*.arrow"), *out.glob("examples/**/*.arrow"), out / "report.json", out / "README.md"]
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files)}


@pytest.fixture(scope="module")
def qa_kw(sample_dir, tok_dir) -> dict:
    return dict(dataset=str(sample_dir / "qa.json"), tokenizer=str(tok_dir), max_length=64, overlap=16)


@pytest.fixture(scope="module")
def base(qa_kw, tmp_path_factory) -> tuple[dict, Path]:
    """The in-process build: what every engine build must equal."""
    out = tmp_path_factory.mktemp("qa_engine") / "inprocess"
    return build(QABuildConfig(**qa_kw), out, log=lambda m: None, progress=False), out


@pytest.mark.parametrize(("engine", "num_proc"), [("local", 2), ("dask", 2)])
def test_qa_build_on_an_engine_is_byte_identical(qa_kw, base, tmp_path, engine, num_proc):
    manifest, base_dir = base
    out = build(QABuildConfig(**qa_kw, engine=engine, num_proc=num_proc), tmp_path / "engine", log=lambda m: None,
                progress=False)
    assert out["build_key"] == manifest["build_key"]  # runtime fields stay out of the key
    assert out["counts"] == manifest["counts"] and out["counts"]["train"]["examples"] > 0
    assert _data_files(tmp_path / "engine") == _data_files(base_dir)

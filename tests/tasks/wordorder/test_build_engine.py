"""Word-order build on the Dask engine: byte-identical to the in-process build (the sample and a fa_text
slice, 2-worker local cluster), and a worker killed mid-build loses and duplicates nothing."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from functools import partial
from pathlib import Path

import pytest

from fa_nlp.report import SkipReport
from fa_nlp.tasks.wordorder import build as wordorder
from fa_nlp.tasks.wordorder.build import WordOrderConfig, build
from fa_nlp.tasks.wordorder.storage import process_shard_batches


@pytest.fixture(scope="module")
def cluster():
    """One 2-worker local cluster for the module (start-up costs seconds); builds reach it by address."""
    import cloudpickle
    from distributed import LocalCluster

    # the kill test ships a function of this module to the workers, which cannot import test modules
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as c:
        yield c
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def _hashes(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((out / "parquet").glob("*"))}


def _counts(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())["counts"]


@pytest.fixture(scope="module")
def sample_base(sample_dir, tmp_path_factory) -> tuple[list[str], Path]:
    """The in-process build of the sample: what every engine build of it must equal, byte for byte."""
    corpora = [str(sample_dir / "documents.txt")]
    base = tmp_path_factory.mktemp("wo_engine") / "inprocess"
    build(WordOrderConfig(corpora=corpora), base, progress=False)
    return corpora, base


def _check_identical(corpora: list[str], tmp_path: Path, base: Path | None = None, **engine_kw) -> Path:
    if base is None:
        base = tmp_path / "inprocess"
        build(WordOrderConfig(corpora=corpora), base, progress=False)
    out = tmp_path / "engine"
    build(WordOrderConfig(corpora=corpora, shard_size=8, engine="dask", **engine_kw), out, progress=False)
    assert _hashes(out) == _hashes(base)
    assert _counts(out) == _counts(base)
    assert (out / "README.md").read_text() == (base / "README.md").read_text()
    return out


def test_sample_on_a_local_two_worker_cluster_is_byte_identical(sample_base, tmp_path):
    # no address: the build starts (and stops) its own 2-worker local cluster, as `--engine dask --num-proc 2`
    out = _check_identical(sample_base[0], tmp_path, sample_base[1], num_proc=2)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runtime"]["engine"] == "dask" and manifest["runtime"]["num_proc"] == 2


@pytest.mark.shared_data
def test_fa_text_slice_on_a_cluster_address_is_byte_identical(shared_data, cluster, tmp_path):
    out = _check_identical(["fa_text/little_prince_amr"], tmp_path, address=cluster.scheduler_address)
    assert _counts(out)["sentences"]["kept"] > 500


def _die_once(shard, params, marker: str, victim: str):
    """The real shard work, except that the worker holding `victim` dies the first time (no result sent)."""
    if any(doc_id == victim for doc_id, _, _ in shard) and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)  # the worker process dies mid-task, as if killed
    return process_shard_batches(shard, params)


def test_killed_worker_shard_is_recomputed_nothing_lost_or_duplicated(sample_base, cluster, tmp_path, monkeypatch):
    corpora, base = sample_base
    marker = tmp_path / "killed"
    # the victim sits in a middle shard: earlier shards are done, later ones in flight on both workers
    ids = [d[0] for d in wordorder.iter_documents(WordOrderConfig(corpora=corpora), SkipReport())]
    monkeypatch.setattr(wordorder, "process_shard_batches",
                        partial(_die_once, marker=str(marker), victim=ids[len(ids) // 2]))
    out = tmp_path / "engine"
    build(WordOrderConfig(corpora=corpora, shard_size=4, engine="dask", address=cluster.scheduler_address),
          out, progress=False)
    assert marker.exists()  # a worker did die
    assert _hashes(out) == _hashes(base)
    assert _counts(out) == _counts(base)  # read = kept + skipped, same numbers: nothing lost or counted twice

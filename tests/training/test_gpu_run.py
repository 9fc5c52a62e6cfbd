"""`benchmarks/gpu_run.sh --dry-run`: the GPU job's very script, end to end on CPU with tiny models and
the GPU box's Python (hazm, datasets and matplotlib unimportable), so the one GPU call can only fail on
the GPU itself: every stage ran, each QA stage started from the previous one's encoder, the
evaluations and benchmark records exist, and all of it was copied to $OUT (without checkpoints)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from fa_nlp.settings import REPO_ROOT
from tests.training.conftest import write_wordorder_prepared

SCRIPT = REPO_ROOT / "benchmarks" / "gpu_run.sh"
STAGES = ["wordorder-train", "wordorder-eval", "mlm-train", "cloze-train", "pquad-train", "pquad-eval", "bench-train",
          "bench-decode", "bench-compile-span", "bench-compile-pointer"]


@pytest.fixture(scope="module")
def wordorder_prepared(tmp_path_factory):
    """A word-order prepared dir as `make gpu-data` writes it (token arrays, tokenizer, test.eval.jsonl)."""
    return write_wordorder_prepared(tmp_path_factory.mktemp("gpu_wo"))


def _prepared_dir(overrides: list[str]) -> str:
    return next(o.split("=", 1)[1] for o in overrides if o.startswith("data.prepared="))


def _env(tmp_path, **dirs) -> dict[str, str]:
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("FA_NLP_BENCH")}
    return {**env, "PY": sys.executable, "RUNS": str(tmp_path / "job"), "OUT": str(tmp_path / "out"),
            "OMP_NUM_THREADS": "1", **dirs}


def test_missing_data_fails_in_seconds_naming_the_make_target(tmp_path):
    r = subprocess.run(["bash", str(SCRIPT), "--dry-run"], env=_env(tmp_path, WO_PREP=str(tmp_path / "nope")),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "nope/manifest.json" in r.stderr and "make gpu-data" in r.stderr


def test_dry_run_runs_every_stage_on_cpu(wordorder_prepared, task_prepared, tmp_path):
    qa, mlm = _prepared_dir(task_prepared["qa"]), _prepared_dir(task_prepared["mlm"])
    env = _env(tmp_path, WO_PREP=str(wordorder_prepared), MLM_PREP=mlm, CLOZE_PREP=qa, QA_PREP=qa,
               TOTAL_S="1200")  # a busy shared box must not fail this on the GPU job's deadline (tested below)
    r = subprocess.run(["bash", str(SCRIPT), "--dry-run"], env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    job, out = tmp_path / "job", tmp_path / "out" / "gpu-job"
    rows = [json.loads(ln) for ln in (job / "stages.jsonl").read_text().splitlines()]
    assert [(row["stage"], row["status"]) for row in rows] == [(s, "ok") for s in STAGES]
    assert "encoder initialised from" in (job / "logs" / "cloze-train.log").read_text()
    assert f"{job}/qa-cloze" in (job / "logs" / "pquad-train.log").read_text()
    assert "not installed on the GPU box" in (job / "logs" / "wordorder-eval.log").read_text()  # blocker on
    config = json.loads((job / "qa-pquad" / "config.json").read_text())["config"]
    assert config["dtype"] == "bf16" and config["device"] == "cpu"  # the GPU config's autocast, on CPU
    for f in ("wordorder-pointer/eval-test/metrics.json", "qa-pquad/eval-test/metrics.json", "stages.jsonl",
              "wordorder-pointer/metrics.jsonl", "logs/bench-compile-span.log"):
        assert (out / f).is_file(), f
    records = sorted(p.name.rsplit("-", 1)[0] for p in (out / "records").iterdir())
    assert records == ["compile-cpu", "compile-cpu", "decode", "train_cpu_smoke"], records
    assert not list(out.rglob("checkpoints")) and list(job.rglob("checkpoints"))


def test_no_stage_runs_past_the_job_deadline(wordorder_prepared, task_prepared, tmp_path):
    qa, mlm = _prepared_dir(task_prepared["qa"]), _prepared_dir(task_prepared["mlm"])
    env = _env(tmp_path, WO_PREP=str(wordorder_prepared), MLM_PREP=mlm, CLOZE_PREP=qa, QA_PREP=qa, TOTAL_S="30")
    r = subprocess.run(["bash", str(SCRIPT), "--dry-run"], env=env, capture_output=True, text=True, timeout=120)
    rows = [json.loads(ln) for ln in (tmp_path / "job" / "stages.jsonl").read_text().splitlines()]
    assert r.returncode == 1 and "failed: " in r.stderr
    assert {row["status"] for row in rows} == {"skipped"} and len(rows) >= 5, rows  # dependents skip silently
    assert (tmp_path / "out" / "gpu-job" / "stages.jsonl").is_file()  # still copied out

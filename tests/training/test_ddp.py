"""DDP on CPU: `torchrun --standalone --nproc_per_node=2` (gloo) for each task's model kind.

Four torchrun launches in all (each costs seconds of start-up on a 2-core box):
1. word order (pointer), QA span and MLM, 8 steps each, in one launch (tests/training/ddp_worker.py), plus a
   job whose ranks read different data: the losses of every step and the final weights equal one process
   with the same global batch (grad_accum = 2), rank 1 writes nothing, mismatched data is refused;
2.+3. the word-order run again through `python -m fa_nlp train`, the whole job SIGKILLed after step 6
   (checkpoint at 4), then `--resume` under torchrun: the log and weights equal the uninterrupted run;
4. rank 1 SIGKILLed mid-run: torchrun ends the job in bounded time naming the rank, the last checkpoint
   stays intact.

Tolerance (1e-5 absolute on losses and weights): the two ways differ only in summation order (DDP's
all-reduce adds the ranks' gradients; one process accumulates micro-batches), i.e. fp32 rounding (~1e-7
relative), through 8 Adam steps. Measured: 0.0 on this box. Dropout is off: each rank draws its own
dropout masks, so with dropout the runs are equal in distribution only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file

from fa_nlp.config import load_config
from fa_nlp.settings import REPO_ROOT
from fa_nlp.tasks.base import train_task
from fa_nlp.training import checkpoint
from fa_nlp.training.config import TrainConfig

pytestmark = pytest.mark.ddp
TOL = 1e-5
WORKER = REPO_ROOT / "tests" / "training" / "ddp_worker.py"
COMMON = ["threads=1", "log.progress=false", "device=cpu", "optim.label_smoothing=0.0", "optim.warmup_steps=3",
          "optim.max_steps=8", "log.log_every=1", "log.eval_every=100000", "log.save_every=4",
          "log.dev_metric_sentences=4", "log.dev_max_batches=2", "model.dropout=0.0"]


def _torchrun(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1", "FA_NLP_DIST_TIMEOUT_S": "60"}
    try:
        return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                               *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:  # a hang is the failure this module exists to catch: show where
        out = (e.stdout or b"").decode(errors="replace") + (e.stderr or b"").decode(errors="replace")
        pytest.fail(f"torchrun did not finish in {timeout} s:\n{out[-4000:]}")


def _losses(run) -> dict[int, float]:
    rows = [json.loads(ln) for ln in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    steps = [r["step"] for r in rows]
    assert steps == sorted(set(steps)), f"{run}: duplicate or unordered rows {steps} (a second writer?)"
    return {r["step"]: r["loss"] for r in rows if "loss" in r}


def _assert_same_run(a, b, steps: int = 8) -> float:
    la, lb = _losses(a), _losses(b)
    assert sorted(la) == sorted(lb) == list(range(1, steps + 1))
    worst = max(abs(la[s] - lb[s]) for s in la)
    assert worst <= TOL, (la, lb)
    wa, wb = (load_file(str(checkpoint.step_dir(r, steps) / "model.safetensors")) for r in (a, b))
    assert wa.keys() == wb.keys()
    wdiff = max((wa[k] - wb[k]).abs().max().item() for k in wa)
    assert wdiff <= TOL, wdiff
    return worst


@pytest.fixture(scope="module")
def ddp_runs(task_prepared, tmp_path_factory):
    prepared = {k: task_prepared[k] for k in ("wordorder", "qa", "mlm")}
    root = tmp_path_factory.mktemp("ddp_runs")
    jobs = [{"overrides": [*COMMON, *prepared[t], f"log.run_dir={root / t}"]} for t in prepared]
    jobs.append({"overrides": [*COMMON, *prepared["wordorder"], f"log.run_dir={root / 'mismatch'}"],
                 "rank1_overrides": ["data.max_train_examples=300"], "expect_error": "ranks disagree"})
    (root / "jobs.json").write_text(json.dumps(jobs))
    r = _torchrun(str(WORKER), str(root / "jobs.json"), timeout=240)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return root, r.stdout


@pytest.mark.parametrize("task", ["wordorder", "qa", "mlm"])
def test_ddp_equals_one_process_with_the_same_global_batch(ddp_runs, task_prepared, task, tmp_path):
    root, _ = ddp_runs
    torch.manual_seed(0)
    train_task(load_config(TrainConfig, None, [*COMMON, *task_prepared[task], f"log.run_dir={tmp_path}",
                                               "optim.grad_accum=2"]))
    _assert_same_run(root / task, tmp_path)
    assert checkpoint.list_steps(root / task) == [4, 8]


def test_only_rank0_writes_and_ranks_must_agree_on_the_data(ddp_runs):
    root, out = ddp_runs
    assert "WROTE" not in out, [ln for ln in out.splitlines() if ln.startswith("WROTE")][:5]
    results = [json.loads(ln) for f in sorted(root.glob("results-rank*.jsonl")) for ln in f.read_text().splitlines()]
    assert [r["step"] for r in results if "step" in r] == [8, 8, 8]
    refused = {r["rank"] for r in results if "ranks disagree on the batch plan of epoch 0" in r.get("error", "")}
    assert refused == {0, 1}  # both ranks stop, neither waits forever for the other
    assert not checkpoint.list_steps(root / "mismatch")


def test_resume_after_kill9_of_the_whole_job_continues_exactly(ddp_runs, task_prepared, tmp_path):
    root, _ = ddp_runs
    args = ["-m", "fa_nlp", "train", *(f"--{o}" for o in [*COMMON, *task_prepared["wordorder"]]),
            f"--log.run_dir={tmp_path / 'run'}"]
    r = _torchrun(*args, "--debug.sigkill_at_step=6")
    assert r.returncode == -9, r.stdout[-2000:] + r.stderr[-2000:]  # torchrun itself was killed
    assert checkpoint.list_steps(tmp_path / "run") == [4] and max(_losses(tmp_path / "run")) == 6
    r = _torchrun(*args, "--resume")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "resumed from" in r.stdout and "step-000004" in r.stdout
    _assert_same_run(root / "wordorder", tmp_path / "run")


def test_one_rank_killed_ends_the_job_in_bounded_time(task_prepared, tmp_path):
    run = tmp_path / "run"
    t0 = time.time()
    r = _torchrun("-m", "fa_nlp", "train", *(f"--{o}" for o in [*COMMON, *task_prepared["wordorder"]]),
                  f"--log.run_dir={run}", "--optim.max_steps=1000", "--debug.sigkill_at_step=6",
                  "--debug.sigkill_rank=1", timeout=90)
    took = time.time() - t0
    assert r.returncode != 0 and took < 60, (r.returncode, took)
    log = r.stdout + r.stderr
    assert "rank      : 1" in log and "Signal 9 (SIGKILL)" in log, log[-2000:]  # torchrun names the root cause
    assert checkpoint.list_steps(run) == [4]
    checkpoint.verify(checkpoint.step_dir(run, 4))

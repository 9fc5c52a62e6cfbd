"""DDP on CPU: 2 processes (torchrun, gloo, 1 thread each) vs 1 process (1 thread), same global batch.

    python benchmarks/bench_ddp.py                # tiny pointer model on synthetic sort pairs, 40 steps

Baseline: one process with `optim.grad_accum = 2` over the same batches (the global batch of two ranks),
measured in the same run. Reported: the largest per-step |loss difference| between the two (they should
agree to fp32 rounding: only the gradient summation order differs), steps/s of each (loop time from
metrics.jsonl, start-up excluded) and their ratio. JSON record: benchmarks/results/ddp-cpu-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import record

ROOT = Path(__file__).resolve().parents[1]


def make_data(out: Path, n: int = 4000) -> None:
    """Sort short digit sequences (the training tests' toy task): tokens 4..13, EOS 3."""
    from fa_nlp.tasks.wordorder.prepare import write_meta, write_split

    for split, count in (("train", n), ("validation", 200)):
        rng = random.Random(split)
        src, tgt = [], []
        for _ in range(count):
            s = [rng.randint(4, 13) for _ in range(rng.randint(3, 12))]
            src.append(s + [3])
            tgt.append(sorted(s))
        write_split(out, split, src, tgt)
    write_meta(out, 16, max_len=32)
    np.save(out / "word_start.npy", np.ones(16, dtype=bool))


def losses_and_rate(run: Path) -> tuple[dict[int, float], float]:
    rows = [json.loads(ln) for ln in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    losses = {r["step"]: r["loss"] for r in rows if "loss" in r}
    return losses, rows[-1]["step"] / rows[-1]["elapsed_s"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--max-tokens", type=int, default=1200, help="per rank and micro-batch")
    ap.add_argument("--preset", default="tiny")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_ddp_") as tmp:
        tmp = Path(tmp)
        make_data(tmp / "data")
        common = ["--task=wordorder", f"--data.prepared={tmp / 'data'}", "--model.kind=pointer", "--device=cpu",
                  f"--model.preset={args.preset}", "--model.dropout=0.0", f"--data.max_tokens={args.max_tokens}",
                  f"--optim.max_steps={args.steps}", "--optim.warmup_steps=5", "--optim.label_smoothing=0.0",
                  "--log.log_every=1", "--log.eval_every=100000", "--log.save_every=100000", "--log.progress=false",
                  "--log.dev_metric_sentences=0"]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
        t0 = time.time()
        subprocess.run([sys.executable, "-m", "fa_nlp", "train", *common, "--threads=1", "--optim.grad_accum=2",
                        f"--log.run_dir={tmp / 'single'}"], env=env, check=True, cwd=ROOT, capture_output=True)
        single_wall = time.time() - t0
        t0 = time.time()
        subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                        "-m", "fa_nlp", "train", *common, "--threads=1", f"--log.run_dir={tmp / 'ddp'}"],
                       env=env, check=True, cwd=ROOT, capture_output=True)
        ddp_wall = time.time() - t0
        single, single_rate = losses_and_rate(tmp / "single")
        ddp, ddp_rate = losses_and_rate(tmp / "ddp")
    assert sorted(single) == sorted(ddp) == list(range(1, args.steps + 1))
    diff = max(abs(single[s] - ddp[s]) for s in single)
    results = {"model": f"pointer/{args.preset}", "steps": args.steps, "max_tokens_per_rank": args.max_tokens,
               "baseline": "1 process, 1 thread, grad_accum=2 (same global batch), same run",
               "max_abs_loss_diff_per_step": diff, "loss_rounding": "metrics.jsonl keeps 6 decimals",
               "single_steps_per_s": round(single_rate, 3), "ddp_2x1_steps_per_s": round(ddp_rate, 3),
               "speedup_ddp_vs_single": round(ddp_rate / single_rate, 3),
               "wall_s_with_startup": {"single": round(single_wall, 1), "ddp": round(ddp_wall, 1)}}
    results["load_avg_1_5_15_min_at_end"] = [round(x, 2) for x in os.getloadavg()]  # shared box: other jobs
    print(json.dumps(results, indent=1))
    record("ddp-cpu", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Runs several training jobs in one `torchrun` launch (torchrun start-up costs seconds on a 2-core box).

    torchrun --standalone --nproc_per_node=2 tests/training/ddp_worker.py JOBS.json

JOBS.json: a list of {"overrides": [...], "rank1_overrides": [...], "expect_error": "..."}. Each job is one
`train()`, all in one process group set up here (train() leaves a group it did not create). Rank 0 appends
one JSON line per job to `results-rank0.jsonl` beside JOBS.json (a rank that hits the expected error
writes its own file: two ranks printing to one pipe can interleave their lines). On ranks
other than 0 an audit hook reports every file write, directory creation, rename or removal under the
job's run dir as `WROTE <rank> <event> <path>`: the test asserts there is none (only rank 0 writes).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from fa_nlp.config import load_config
from fa_nlp.tasks.base import train_task
from fa_nlp.training.config import TrainConfig

RANK = int(os.environ.get("RANK", "0"))
WATCHED: list[str] = []
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _audit(event: str, args: tuple) -> None:
    if not WATCHED or event not in ("open", "os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir",
                                    "shutil.rmtree", "shutil.copytree", "os.symlink"):
        return
    path = str(args[0]) if args else ""
    if event == "open":
        mode, flags = args[1] if len(args) > 1 else "r", args[2] if len(args) > 2 else 0
        if not ((isinstance(mode, str) and any(c in mode for c in "wax+")) or (flags or 0) & _WRITE_FLAGS):
            return
    if path.startswith(WATCHED[0]):
        print(f"WROTE {RANK} {event} {path}", flush=True)


def main(jobs_file: str) -> None:
    import torch.distributed as dist

    from fa_nlp.training.distributed import dist_timeout

    if RANK != 0:
        sys.addaudithook(_audit)
    dist.init_process_group("gloo", timeout=dist_timeout())  # one group for every job (train() keeps it)
    results = Path(jobs_file).with_name(f"results-rank{RANK}.jsonl")
    for job in json.loads(Path(jobs_file).read_text()):
        overrides = job["overrides"] + (job.get("rank1_overrides", []) if RANK == 1 else [])
        cfg = load_config(TrainConfig, None, overrides)
        WATCHED[:] = [os.path.abspath(cfg.log.run_dir)]
        try:
            out = train_task(cfg)
        except Exception as e:  # noqa: BLE001 - the test decides whether this error was expected
            if not job.get("expect_error") or job["expect_error"] not in str(e):
                raise
            out = {"error": str(e)}
        if RANK == 0 or "error" in out:
            with open(results, "a", encoding="utf-8") as f:
                f.write(json.dumps({"rank": RANK, **out}) + "\n")
    # both ranks past their last collective before either tears gloo down: destroying the group while
    # the other rank still talks to it can abort the process ("terminate called without an active exception")
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])

"""Training throughput of the word-order model kinds on CPU: target words per second of the pointer
model vs the vocabulary (seq2seq) decoder of the same width and depth, on the same fa_text sentences.

    python benchmarks/bench_wordorder_train_cpu.py --threads 2 --steps 30      # after `make wordorder-data`

Both train from the same prepared arrays with the config `fa_nlp/configs/wordorder-pointer-cpu.toml`
(the seq2seq model takes `model.kind=seq2seq`); a step is forward + backward + AdamW on one
token-budget batch. Words/s counts the words of the target sentences (not pieces, not the end step),
so the two kinds are compared on what they produce. Run it on an otherwise idle machine: the record
stores the CPU time / wall time ratio so a busy machine is visible.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from _record import record


def measure(kind: str, cfg_path: str, threads: int, steps: int, warmup: int) -> dict:
    import torch

    from fa_nlp.config import load_config
    from fa_nlp.models import build_model
    from fa_nlp.tasks.base import make_task
    from fa_nlp.training.batching import epoch_batches
    from fa_nlp.training.config import TrainConfig

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg = load_config(TrainConfig, cfg_path, [f"model.kind={kind}", "wordorder.reshuffle_source_words=false"])
    task = make_task("wordorder")
    task.load(cfg)
    model = build_model(task.model_config(cfg))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
    # the pointer's batches (pieces + slots) decide which sentences go in each step, for both kinds
    pointer_cfg = load_config(TrainConfig, cfg_path, ["model.kind=pointer"])
    ptask = make_task("wordorder")
    ptask.load(pointer_cfg)
    plens = ptask.lengths("train")
    batches = epoch_batches(*plens, cfg.data.max_tokens, 0, 0)[: warmup + steps]
    rates, cpu_ratio = [], []
    for i, idx in enumerate(batches):
        words = int((plens[1][idx] - 1).sum())
        batch = task.batch("train", idx, 0)
        t0, c0 = time.perf_counter(), time.process_time()
        loss = task.loss(model, batch) / batch["n_targets"]
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        dt = time.perf_counter() - t0
        if i >= warmup:
            rates.append(words / dt)
            cpu_ratio.append((time.process_time() - c0) / dt)
    return {"kind": kind, "num_parameters": model.num_parameters(), "steps": steps,
            "target_words_per_s_median": round(statistics.median(rates), 1),
            "cpu_cores_busy_median": round(statistics.median(cpu_ratio), 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="fa_nlp/configs/wordorder-pointer-cpu.toml")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    from fa_nlp.config import load_config
    from fa_nlp.tasks import base  # noqa: F401 - completes TrainConfig with the task's part ([wordorder])
    from fa_nlp.training.config import TrainConfig

    prepared = load_config(TrainConfig, args.config).data.prepared
    if not (Path(prepared) / "manifest.json").is_file():
        raise SystemExit(f"{prepared}: no prepared word-order arrays; run `make wordorder-data` first")
    ptr = measure("pointer", args.config, args.threads, args.steps, args.warmup)
    voc = measure("seq2seq", args.config, args.threads, args.steps, args.warmup)
    ratio = round(ptr["target_words_per_s_median"] / voc["target_words_per_s_median"], 2)
    print(f"pointer  {ptr['target_words_per_s_median']:8.1f} target words/s ({ptr['num_parameters']:,} params, "
          f"{ptr['cpu_cores_busy_median']} cores busy)")
    print(f"seq2seq  {voc['target_words_per_s_median']:8.1f} target words/s ({voc['num_parameters']:,} params, "
          f"{voc['cpu_cores_busy_median']} cores busy)")
    print(f"pointer / seq2seq: {ratio}x")
    record("wordorder_train_cpu", {"config": args.config, "threads": args.threads, "pointer": ptr,
                                   "baseline_seq2seq": voc, "ratio_pointer_vs_seq2seq": ratio})


if __name__ == "__main__":
    main()

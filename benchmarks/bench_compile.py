"""torch.compile vs eager, per model kind: compile time, training steps/s, and the loss difference.

    # this box (2 CPU cores, inductor builds C++ kernels with g++; minutes per kind):
    python benchmarks/bench_compile.py --device cpu --preset tiny --threads 2
    # one GPU (part of benchmarks/gpu_run.sh):
    python benchmarks/bench_compile.py --device cuda --preset base --kinds pointer,span --steps 20

Baseline: the same model in eager mode, measured in the same run on the same batches. Each step is
forward + backward + AdamW on a synthetic batch whose shape changes every step (as the token-budget
batches of the training loop do), compiled once with `dynamic=True` as `training/loop.py` does.
Reported per kind: compile_s (first compiled step, tracing and code generation included), eager and
compiled steps/s after warm-up, their ratio, and the largest |loss difference| over the steps
(compiled kernels may sum in another order). JSON record: benchmarks/results/compile-<device>-*.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import record

VOCAB = 1000


def make_batches(kind: str, n: int, max_tokens: int, seed: int = 0) -> list[tuple]:
    """`n` synthetic (inputs, targets) batches of varying shape, about `max_tokens` tokens each."""
    import torch

    from fa_nlp.tasks.wordorder.pointer_batches import pointer_collate

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        length = int(rng.integers(16, 48))
        b = max(2, max_tokens // (2 * length))
        if kind == "pointer":
            tgts = [rng.integers(4, VOCAB, int(rng.integers(length // 2, length))) for _ in range(b)]
            out.append(("pointer", pointer_collate(tgts, np.ones(VOCAB, dtype=bool), [(seed, i, j) for j in range(b)])))
        elif kind == "seq2seq":
            src = torch.from_numpy(rng.integers(4, VOCAB, (b, length)))
            tgt = torch.from_numpy(rng.integers(4, VOCAB, (b, length + 1)))
            out.append(("seq2seq", {"src": src, "tgt_in": tgt[:, :-1], "tgt_out": tgt[:, 1:]}))
        else:
            ids = torch.from_numpy(rng.integers(4, VOCAB, (b, length)))
            seg = torch.zeros_like(ids)
            seg[:, length // 3:] = 1
            if kind == "span":
                pos = torch.from_numpy(rng.integers(0, length, (2, b)))
                out.append(("span", {"ids": ids, "seg": seg, "start": pos[0], "end": pos[1]}))
            else:
                select = torch.from_numpy(rng.random((b, length)) < 0.15)
                select[:, 1] = True
                out.append(("mlm", {"ids": ids, "seg": torch.zeros_like(ids), "select": select, "labels": ids[select]}))
    return out


def loss_of(model, item, device):
    import torch.nn.functional as F

    from fa_nlp.tasks.wordorder.pointer_batches import pointer_loss

    kind, b = item
    b = {k: v.to(device) if hasattr(v, "to") else v for k, v in b.items()}
    if kind == "pointer":
        return pointer_loss(model((b["pieces"], b["word_index"]), b["tgt_in"]), b) / b["n_targets"]
    if kind == "seq2seq":
        return F.cross_entropy(model(b["src"], b["tgt_in"]).float().flatten(0, 1), b["tgt_out"].flatten())
    if kind == "span":
        start, end = model(b["ids"], b["seg"])
        return F.cross_entropy(start.float(), b["start"]) + F.cross_entropy(end.float(), b["end"])
    return F.cross_entropy(model(b["ids"], b["seg"], select=b["select"]).float(), b["labels"])


def run_mode(kind: str, preset: str, batches, device, compiled: bool, backend: str, dtype) -> dict:
    """Train a fresh model (same seed) on `batches`: per-step losses, first step's time, steps/s after it."""
    import torch

    from fa_nlp.models import build_model, model_config

    torch.manual_seed(0)
    model_kind = {"span": "span", "mlm": "mlm", "pointer": "pointer", "seq2seq": "seq2seq"}[kind]
    extra = {"n_segments": 2} if kind in ("span", "mlm") else {}
    model = build_model(model_config(preset, vocab_size=VOCAB, kind=model_kind, max_len=128, dropout=0.0,
                                     **extra)).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    fwd = torch.compile(model, dynamic=True, backend=backend) if compiled else model
    losses, times = [], []
    for item in batches:
        t0 = time.perf_counter()
        with torch.autocast(device.type, dtype=dtype) if dtype is not None else nullcontext():
            loss = loss_of(fwd, item, device)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))  # host sync: the step is done
        times.append(time.perf_counter() - t0)
    rest = times[2:] or times[1:]
    return {"losses": losses, "first_step_s": times[0], "steps_per_s": len(rest) / max(sum(rest), 1e-9),
            "params": sum(p.numel() for p in model.parameters())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--preset", default="tiny", help="model preset (tiny | small | base)")
    ap.add_argument("--kinds", default="pointer,seq2seq,span,mlm")
    ap.add_argument("--backend", default="inductor", help="torch.compile backend (inductor | aot_eager)")
    ap.add_argument("--steps", type=int, default=12, help="steps per mode (the first compiled one compiles)")
    ap.add_argument("--max-tokens", type=int, default=2048, help="tokens per synthetic batch (about)")
    ap.add_argument("--dtype", default="auto", help="auto (bf16 on cuda, fp32 on cpu) | bf16 | fp32")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    bf16 = args.dtype == "bf16" or (args.dtype == "auto" and device.type == "cuda")
    dtype = torch.bfloat16 if bf16 else None
    results = {"device": args.device, "preset": args.preset, "backend": args.backend, "steps": args.steps,
               "max_tokens": args.max_tokens, "dtype": "bf16" if bf16 else "fp32",
               "threads": torch.get_num_threads(), "baseline": "the same model eager, same batches, same run",
               "kinds": {}}
    for kind in args.kinds.split(","):
        batches = make_batches(kind, args.steps, args.max_tokens)
        eager = run_mode(kind, args.preset, batches, device, False, args.backend, dtype)
        comp = run_mode(kind, args.preset, batches, device, True, args.backend, dtype)
        row = {"params": eager["params"], "compile_s": round(comp["first_step_s"] - eager["first_step_s"], 2),
               "eager_steps_per_s": round(eager["steps_per_s"], 3),
               "compiled_steps_per_s": round(comp["steps_per_s"], 3),
               "speedup_compiled_vs_eager": round(comp["steps_per_s"] / eager["steps_per_s"], 3),
               "max_abs_loss_diff": float(np.max(np.abs(np.subtract(eager["losses"], comp["losses"])))),
               "break_even_steps": None}
        gain = 1 / eager["steps_per_s"] - 1 / comp["steps_per_s"]
        if gain > 0:
            row["break_even_steps"] = int(row["compile_s"] / gain) + 1
        results["kinds"][kind] = row
        print(f"{kind:8s} compile {row['compile_s']:7.1f} s  eager {row['eager_steps_per_s']:8.2f} steps/s  "
              f"compiled {row['compiled_steps_per_s']:8.2f} steps/s  x{row['speedup_compiled_vs_eager']:.2f}  "
              f"max |dloss| {row['max_abs_loss_diff']:.2e}", flush=True)
    results["load_avg_1_5_15_min_at_end"] = [round(x, 2) for x in os.getloadavg()]  # shared box: other jobs
    record(f"compile-{device.type}", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Training throughput: our Seq2SeqTransformer (bf16, fused SDPA, token-budget batches, compile on/off)
vs. a plain `torch.nn.Transformer` of the same size in fp32 on padded fixed-size batches.

    # one GPU, base model, on prepared word-order data (fa-nlp prepare wordorder ...):
    python benchmarks/bench_train.py --prepared build/prepared/fa_text --model base
    # no GPU / no data: tiny model, synthetic lengths, CPU, a few steps (checks the script runs):
    python benchmarks/bench_train.py --cpu-smoke

Reported per variant: target tokens/s (non-pad target tokens trained per second, forward + backward +
AdamW step), MFU = useful FLOP/s / peak (useful FLOPs on real tokens only: 6 x params x tokens per
stack + 12 x d x Tq x Tk per attention layer; padding is waste, so it counts against the padded
baseline), peak memory, and the ratio to the baseline measured in the same run. Peak: 989 TFLOP/s
bf16 dense for H100/H200 (override --peak-tflops). JSON record goes to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import record

PEAKS = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L4": 121e12, "A10": 125e12}


def load_lengths(args):
    """(src sequences, tgt sequences) as lists of int lists; prepared data if given, else synthetic."""
    if args.prepared:
        from fa_nlp.tasks.wordorder.prepare import load_prepared

        data = load_prepared(args.prepared)
        split = data.splits["train"]
        n = min(len(split), args.max_examples)
        return ([split.src(i).tolist() for i in range(n)], [split.tgt(i).tolist() for i in range(n)],
                int(data.meta["vocab_size"]))
    rng = random.Random("bench_train")
    src, tgt = [], []
    for _ in range(args.max_examples):
        n = max(3, min(120, int(rng.lognormvariate(math.log(22), 0.45))))  # word-order-like token lengths
        ids = [rng.randint(4, args.vocab - 1) for _ in range(n)]
        src.append(rng.sample(ids, n) + [3])
        tgt.append(ids)
    return src, tgt, args.vocab


def pad_batch(seqs, idx, width=None):
    import torch

    w = width or max(len(seqs[i]) for i in idx)
    out = torch.zeros(len(idx), w, dtype=torch.long)
    for r, i in enumerate(idx):
        out[r, : len(seqs[i])] = torch.tensor(seqs[i])
    return out


def make_batches(src, tgt, args, token_budget: bool):
    """Token-budget length-bucketed batches (ours) or random fixed-size batches padded to their max."""
    from fa_nlp.training.batching import epoch_batches

    src_lens = [len(s) for s in src]
    tgt_lens = [len(t) + 1 for t in tgt]
    if token_budget:
        idx_batches = epoch_batches(src_lens, tgt_lens, args.max_tokens, seed=0, epoch=0)
    else:  # same mean number of examples per batch as the token-budget plan: a fair fixed batch size
        plan = epoch_batches(src_lens, tgt_lens, args.max_tokens, seed=0, epoch=0)
        bs = max(1, round(sum(map(len, plan)) / len(plan)))
        order = list(range(len(src)))
        random.Random(0).shuffle(order)
        idx_batches = [order[i : i + bs] for i in range(0, len(order) - bs + 1, bs)]
    out = []
    tin_seqs = [[2] + t for t in tgt]
    tout_seqs = [t + [3] for t in tgt]
    for b in idx_batches[: args.warmup + args.steps]:
        out.append((pad_batch(src, b), pad_batch(tin_seqs, b), pad_batch(tout_seqs, b),
                    [src_lens[i] for i in b], [tgt_lens[i] for i in b]))
    return out


class BaselineTransformer:
    """nn.Transformer with tied embeddings and learned positions, same sizes as ours: the textbook setup."""

    def __new__(cls, cfg):
        import torch
        from torch import nn

        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
                self.pos = nn.Embedding(cfg.max_len, cfg.d_model)
                self.tf = nn.Transformer(cfg.d_model, cfg.n_heads, cfg.n_encoder_layers, cfg.n_decoder_layers,
                                         cfg.d_ff, cfg.dropout, activation="gelu", batch_first=True, norm_first=True)

            def forward(self, src, tin):
                ps = self.pos(torch.arange(src.size(1), device=src.device))
                pt = self.pos(torch.arange(tin.size(1), device=src.device))
                causal = nn.Transformer.generate_square_subsequent_mask(tin.size(1), device=src.device)
                h = self.tf(self.embed(src) + ps, self.embed(tin) + pt, tgt_mask=causal, tgt_is_causal=True,
                            src_key_padding_mask=src.eq(0), tgt_key_padding_mask=tin.eq(0),
                            memory_key_padding_mask=src.eq(0))
                return h @ self.embed.weight.T

        return M()


def useful_flops(cfg, n_params_enc, n_params_dec, n_emb, src_lens, tgt_lens) -> float:
    s_tok, t_tok = sum(src_lens), sum(tgt_lens)
    dense = 6 * (n_params_enc * s_tok + (n_params_dec + n_emb) * t_tok)
    att = 12 * cfg.d_model * sum(cfg.n_encoder_layers * s * s + cfg.n_decoder_layers * (t * t + t * s)
                                 for s, t in zip(src_lens, tgt_lens))
    return dense + att


def run_variant(name, model, batches, args, device, amp, flops_fn):
    import torch
    import torch.nn.functional as F

    model = model.to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, **({"fused": True} if device.type == "cuda" else {}))
    from contextlib import nullcontext

    ctx = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if amp else nullcontext
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()

    def step(b):
        src, tin, tout = (t.to(device, non_blocking=True) for t in b[:3])
        with ctx():
            logits = model(src, tin)
        loss = F.cross_entropy(logits.float().flatten(0, 1), tout.flatten(), ignore_index=0)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    for b in batches[: args.warmup]:
        step(b)
    if device.type == "cuda":
        torch.cuda.synchronize()
    timed = batches[args.warmup : args.warmup + args.steps]
    t0 = time.perf_counter()
    for b in timed:
        loss = step(b)
    loss = float(loss.detach())
    if device.type == "cuda":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    tgt_tokens = sum(sum(b[4]) for b in timed)
    padded = sum(b[0].numel() + b[1].numel() for b in timed)
    real = sum(sum(b[3]) + sum(b[4]) for b in timed)
    flops = sum(flops_fn(b[3], b[4]) for b in timed)
    res = {"target_tokens_per_s": tgt_tokens / dt, "seconds": dt, "steps": len(timed), "last_loss": loss,
           "useful_tflops_per_s": flops / dt / 1e12, "padding_fraction": 1 - real / padded,
           "peak_memory_gib": torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None}
    if args.peak:
        res["mfu"] = flops / dt / args.peak
    print(f"{name:<32} {res['target_tokens_per_s']:>12,.0f} tgt tok/s  pad {res['padding_fraction']:.1%}"
          + (f"  MFU {res['mfu']:.1%}" if args.peak else "")
          + (f"  mem {res['peak_memory_gib']:.1f} GiB" if res["peak_memory_gib"] else ""), flush=True)
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prepared", default=None, help="dir from `fa-nlp prepare wordorder` (default: synthetic lengths)")
    ap.add_argument("--model", default="base")
    ap.add_argument("--vocab", type=int, default=8000, help="synthetic data only")
    ap.add_argument("--max-tokens", type=int, default=16384, help="token budget per batch (padded src+tgt)")
    ap.add_argument("--max-examples", type=int, default=200_000)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--peak-tflops", type=float, default=None)
    ap.add_argument("--cpu-smoke", action="store_true", help="tiny model, CPU, synthetic data, 3 steps")
    args = ap.parse_args(argv)

    import torch

    from fa_nlp.models import Seq2SeqTransformer, model_config

    if args.cpu_smoke:
        args.model, args.max_tokens, args.steps, args.warmup, args.max_examples = "tiny", 1024, 3, 1, 300
        args.vocab, args.no_compile = 500, True
        torch.set_num_threads(1)
    device = torch.device("cuda" if torch.cuda.is_available() and not args.cpu_smoke else "cpu")
    gpu = torch.cuda.get_device_name() if device.type == "cuda" else None
    args.peak = args.peak_tflops * 1e12 if args.peak_tflops else next(
        (v for k, v in PEAKS.items() if gpu and k in gpu), None)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False  # the fp32 baseline is true fp32

    src, tgt, vocab = load_lengths(args)
    max_len = max(max(map(len, src)), max(map(len, tgt)) + 1)
    cfg = model_config(args.model, vocab_size=vocab, max_len=max(256, max_len), dropout=0.1)
    torch.manual_seed(0)
    ours = Seq2SeqTransformer(cfg)
    n_enc = sum(p.numel() for p in ours.encoder.parameters())
    n_dec = sum(p.numel() for p in ours.decoder.parameters())
    n_emb = ours.encoder.embed.weight.numel()

    def flops_fn(sl, tl):
        return useful_flops(cfg, n_enc, n_dec, n_emb, sl, tl)

    print(f"device {gpu or 'cpu'}; model {args.model} ({ours.num_parameters() / 1e6:.1f}M params); "
          f"{len(src)} examples; budget {args.max_tokens} tokens", flush=True)
    budget_batches = make_batches(src, tgt, args, token_budget=True)
    fixed_batches = make_batches(src, tgt, args, token_budget=False)
    amp = device.type == "cuda"
    results = {}
    base = BaselineTransformer(cfg)
    results["baseline_nn_transformer_fp32_padded"] = run_variant(
        "nn.Transformer fp32 padded", base, fixed_batches, args, device, False, flops_fn)
    del base
    results["ours_eager_token_budget"] = run_variant(
        f"ours {'bf16' if amp else 'fp32'} eager token-budget", ours, budget_batches, args, device, amp, flops_fn)
    if not args.no_compile:
        torch.manual_seed(0)
        compiled = torch.compile(Seq2SeqTransformer(cfg), dynamic=True)
        results["ours_compiled_token_budget"] = run_variant(
            "ours bf16 compiled token-budget", compiled, budget_batches, args, device, amp, flops_fn)
    b = results["baseline_nn_transformer_fp32_padded"]["target_tokens_per_s"]
    for k, r in results.items():
        r["ratio_to_baseline"] = r["target_tokens_per_s"] / b
        print(f"{k:<40} x{r['ratio_to_baseline']:.2f} vs nn.Transformer fp32 padded")
    path = record("train_cpu_smoke" if args.cpu_smoke else f"train_{args.model}", {
        "baseline": "baseline_nn_transformer_fp32_padded", "model": args.model,
        "num_parameters": ours.num_parameters(), "max_tokens": args.max_tokens,
        "data": args.prepared or "synthetic", "gpu": gpu, "peak_flops": args.peak, "variants": results})
    return 0 if path else 1


if __name__ == "__main__":
    sys.exit(main())

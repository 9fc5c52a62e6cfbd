"""Decoding throughput (sentences/s): greedy, beam 5, word-bag-constrained, vs. uncached greedy.

    # a trained run on its test split (GPU if available):
    python benchmarks/bench_decode.py --run runs/wordorder-small-gpu --split test --max-sentences 1000
    # no run needed: a random tiny model and synthetic Persian word sequences, on CPU:
    python benchmarks/bench_decode.py --cpu-smoke

For each mode, a small sweep of batch sizes is timed and the fastest kept. The baseline, measured in
the same run, is greedy decoding WITHOUT the KV cache (the whole prefix recomputed every step);
every mode reports its ratio to it. A JSON record with machine info goes to benchmarks/results/.
With an untrained model (--cpu-smoke) unconstrained decoding rarely emits EOS, so it runs to the
length budget (1.2 x source + 10 tokens): a worst case for the unconstrained modes.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import record

WORDS = ["من", "تو", "او", "ما", "آنها", "به", "از", "با", "در", "را", "که", "و", "این", "آن", "کتاب", "خانه", "مدرسه", "دوست", "روز", "شب", "هوا", "رفتم", "آمد", "خواند", "می\u200cروم", "می\u200cخواهم", "کتاب\u200cها", "کتابخانه", "بزرگ", "کوچک", "خوب", "سرد", "گرم", "امروز", "دیروز", "فردا", "دانشجویان", "امتحان", ".", "،", "؟"]


def smoke_setup(n: int, tmp: Path):
    import torch

    from fa_nlp.models import Seq2SeqTransformer, model_config
    from fa_nlp.tokenization import load_tokenizer, train_seq2seq_tokenizer

    rng = random.Random("bench")
    sents = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 15))) for _ in range(max(n, 400))]
    train_seq2seq_tokenizer(sents, tmp / "tok", vocab_size=400)
    tok = load_tokenizer(tmp / "tok")
    torch.manual_seed(0)
    model = Seq2SeqTransformer(model_config("tiny", vocab_size=tok.vocab_size, max_len=128)).eval()
    return model, tok, sents[:n]


def run_setup(args):
    from fa_nlp.tasks.wordorder.evaluate import find_split, read_split
    from fa_nlp.tokenization import load_tokenizer
    from fa_nlp.training import checkpoint
    from fa_nlp.training.distributed import resolve_device

    model, train_cfg = checkpoint.load_model(args.run, device=resolve_device(args.device))
    tok = load_tokenizer(Path(args.run) / "tokenizer")
    rows = read_split(find_split(train_cfg, args.split, args.dataset), args.max_sentences)
    return model, tok, [r["src"] for r in rows]


def time_mode(model, tok, sents, batch_size, **kw) -> float:
    import torch

    from fa_nlp.tasks.wordorder.predict import decode_texts

    cuda = next(model.parameters()).is_cuda
    decode_texts(model, tok, sents[: min(len(sents), batch_size)], batch_size=batch_size, **kw)  # warm-up
    if cuda:
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    decode_texts(model, tok, sents, batch_size=batch_size, **kw)
    if cuda:
        torch.cuda.synchronize()
    return len(sents) / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", help="trained run dir (else --cpu-smoke)")
    ap.add_argument("--split", default="test")
    ap.add_argument("--dataset", default=None)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--cpu-smoke", action="store_true", help="random tiny model + synthetic sentences on CPU")
    ap.add_argument("--max-sentences", type=int, default=0, help="default: 64 (smoke) / 1000 (run)")
    ap.add_argument("--batch-sizes", default=None, help="comma list; default 8,32 (smoke) / 32,128,512 (run)")
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    args = ap.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.run and not args.cpu_smoke:
        ap.error("give --run RUN or --cpu-smoke")
    with tempfile.TemporaryDirectory() as tmp:
        if args.cpu_smoke:
            args.max_sentences = args.max_sentences or 64
            model, tok, sents = smoke_setup(args.max_sentences, Path(tmp))
        else:
            args.max_sentences = args.max_sentences or 1000
            model, tok, sents = run_setup(args)
        sizes = [int(x) for x in (args.batch_sizes or ("8,32" if args.cpu_smoke else "32,128,512")).split(",")]
        modes = {
            "greedy_uncached": {"beam_size": 1, "use_cache": False},
            "greedy": {"beam_size": 1},
            f"beam{args.beam}": {"beam_size": args.beam},
            "greedy+constrained": {"beam_size": 1, "constrained": True},
            f"beam{args.beam}+constrained": {"beam_size": args.beam, "constrained": True},
        }
        results = {"setup": "cpu-smoke (random tiny model)" if args.cpu_smoke else str(args.run),
                   "device": str(next(model.parameters()).device), "sentences": len(sents),
                   "model_parameters": model.num_parameters(), "baseline": "greedy_uncached", "modes": {}}
        for name, kw in modes.items():
            sweep = {bs: round(time_mode(model, tok, sents, bs, **kw), 2) for bs in sizes}
            best = max(sweep, key=sweep.get)
            results["modes"][name] = {"sentences_per_s": sweep[best], "batch_size": best, "sweep": sweep}
            print(f"{name:24s} {sweep[best]:9.2f} sent/s (batch {best}; sweep {sweep})", flush=True)
    base = results["modes"]["greedy_uncached"]["sentences_per_s"]
    for name, r in results["modes"].items():
        r["ratio_vs_greedy_uncached"] = round(r["sentences_per_s"] / base, 3)
        print(f"{name:24s} x{r['ratio_vs_greedy_uncached']:.2f} vs greedy_uncached")
    record("decode" + ("-cpu-smoke" if args.cpu_smoke else ""), results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

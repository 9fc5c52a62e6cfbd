"""`fa-nlp train | model summary | attention-plot`: the model-and-training commands
(`fa-nlp prepare TASK` is generated from the task registry: `fa_nlp.commands.tasks`).

    fa-nlp train --config fa_nlp/configs/wordorder-tiny-cpu.toml --optim.max_steps=500 [--resume]
    fa-nlp model summary --model base --vocab-size 8000
    fa-nlp attention-plot --run runs/wordorder-tiny-cpu --src "خانه به رفتم من" --out attention.png
"""

from __future__ import annotations

import argparse
import json

from fa_nlp.config import add_config_arguments, config_from_args
from fa_nlp.decoding.search import greedy_search
from fa_nlp.models import build_model, model_config
from fa_nlp.models.summary import format_table, parameter_table
from fa_nlp.plots import plot_attention
from fa_nlp.tasks.base import train_task
from fa_nlp.tasks.wordorder.predict import encode_source
from fa_nlp.tokenization import load_tokenizer
from fa_nlp.training import checkpoint
from fa_nlp.training.config import TrainConfig
from fa_nlp.training.distributed import print0
from fa_nlp.training.loop import TrainingDiverged


def register(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("train", help="train a model for a task (CPU, GPU, or torchrun DDP)",
                       description="Settings: --config TOML, then --section.key=value overrides "
                                   "(e.g. --optim.lr=3e-4 --model.kind=pointer).")
    add_config_arguments(t, "experiment")
    t.add_argument("--resume", action="store_true", help="continue exactly from the run dir's latest checkpoint")
    t.add_argument("--stop-at", type=int, default=None, help="stop (with a checkpoint) at this step")
    t.set_defaults(func=_train)

    m = sub.add_parser("model", help="inspect model configurations")
    msub = m.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    s = msub.add_parser("summary", help="per-module parameter table of a preset")
    s.add_argument("--model", default="base", help="tiny | small | base")
    s.add_argument("--vocab-size", type=int, default=8000)
    s.add_argument("--kind", default="seq2seq", help="seq2seq | pointer | encoder | span | mlm")
    s.add_argument("--n-segments", type=int, default=None,
                   help="segment (token type) embeddings; default 2 for span/mlm, else 0")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_summary)

    a = sub.add_parser("attention-plot", help="attention heat map (PNG) of a trained run on one example")
    a.add_argument("--run", required=True, help="run dir (with checkpoints/ and tokenizer/)")
    a.add_argument("--src", required=True, help="source text")
    a.add_argument("--tgt", default=None, help="target text (default: the model's greedy output)")
    a.add_argument("--layer", default="decoder.-1.cross", help="e.g. encoder.0.self, decoder.1.cross (-1 = last)")
    a.add_argument("--head", type=int, default=-1, help="-1 = mean over heads")
    a.add_argument("--out", required=True)
    a.set_defaults(func=_attention_plot)


def _train(args) -> int:
    cfg = config_from_args(TrainConfig, args)
    try:
        print0(json.dumps(train_task(cfg, resume=args.resume, stop_at=args.stop_at), ensure_ascii=False))
    except TrainingDiverged as e:
        print(f"fa-nlp: training stopped: {e}")
        return 3
    return 0


def _summary(args) -> int:
    import torch

    with torch.device("meta"):  # no memory, no init time
        n_seg = args.n_segments if args.n_segments is not None else (2 if args.kind in ("span", "mlm") else 0)
        model = build_model(model_config(args.model, vocab_size=args.vocab_size, kind=args.kind, n_segments=n_seg))
    rows = parameter_table(model)
    if args.json:
        print(json.dumps({"model": args.model, "config": vars(model.cfg), "total": sum(n for _, n in rows),
                          "modules": dict(rows)}))
        return 0
    c = model.cfg
    layers = c.n_encoder_layers if c.kind in ("encoder", "span", "mlm") else f"{c.n_encoder_layers}+{c.n_decoder_layers}"
    print(f"model {args.model} ({c.kind}): d_model={c.d_model} heads={c.n_heads} layers={layers} "
          f"d_ff={c.d_ff} vocab={c.vocab_size} positional={c.positional} tied={c.tie_embeddings}")
    print("\n".join(format_table(rows)))
    return 0


def _attention_plot(args) -> int:
    import torch

    model, _ = checkpoint.load_model(args.run)
    tok = load_tokenizer(f"{args.run}/tokenizer")
    src_ids = encode_source(tok, args.src)
    src = torch.tensor([src_ids])
    if args.tgt is not None:
        tgt_ids = tok.encode(args.tgt)
    else:
        out, _ = greedy_search(model, src, max_len=min(model.cfg.max_len - 1, 2 * len(src_ids) + 10))
        tgt_ids = out[0]
    tin = torch.tensor([[tok.bos_id] + tgt_ids])
    maps = model.attention_maps(src, tin)
    stack, idx, kind = args.layer.split(".")
    n_layers = model.cfg.n_encoder_layers if stack == "encoder" else model.cfg.n_decoder_layers
    key = f"{stack}.{int(idx) % n_layers}.{kind}"
    if key not in maps:
        raise ValueError(f"--layer {args.layer}: choose from {', '.join(maps)}")
    w = maps[key][0]
    w = w.mean(0) if args.head < 0 else w[args.head]
    src_labels = [tok.id_to_piece(i) for i in src_ids]
    tgt_labels = [tok.id_to_piece(i) for i in tin[0].tolist()]
    x_labels = src_labels if stack == "encoder" or kind == "cross" else tgt_labels
    y_labels = src_labels if stack == "encoder" else tgt_labels
    head = "mean of heads" if args.head < 0 else f"head {args.head}"
    out = plot_attention(w, x_labels, y_labels, args.out, title=f"{key} ({head})")
    print(f"wrote {out}  (output: {tok.decode(tgt_ids)})")
    return 0

"""One flat training loop for the seq2seq Transformer: CPU, one GPU, or many under torchrun (DDP).

    # CPU (this dev box), a couple of minutes:
    fa-nlp train --config fa_nlp/configs/wordorder-tiny-cpu.toml
    # one GPU (bf16 autocast, optional torch.compile):
    fa-nlp train --config fa_nlp/configs/wordorder-base-gpu.toml --compile=true
    # 8 GPUs on one node (only rank 0 logs and saves; batches are sharded by rank):
    torchrun --standalone --nproc_per_node=8 -m fa_nlp train --config fa_nlp/configs/wordorder-base-gpu.toml
    # 2 nodes: torchrun --nnodes=2 --node_rank=R --master_addr=HOST --master_port=29500 --nproc_per_node=8 -m fa_nlp train ...
    # resume exactly where the latest checkpoint left off:
    fa-nlp train --config ... --resume

Reads only arrays written by `fa-nlp prepare` (numpy + torch), so it runs where pyarrow/datasets/hazm
are missing. Batches by token budget with length bucketing; AdamW, linear warmup then cosine decay,
grad clipping and accumulation, label smoothing. Checkpoints hold everything needed to continue
exactly (weights, optimizer, scheduler, RNG states, epoch + batch index). A NaN/inf loss or grad norm
makes the (fused) optimizer skip its update on the device, and the run stops at the next log/eval/save
step, before any checkpoint could hold it; the hot loop itself never waits for the GPU.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

from fa_nlp.distributed import compute_cleanup, compute_init, print0

# ---------------------------------------------------------------------------------------------
# config


@dataclass
class ModelSection:
    preset: str = "tiny"  # tiny | small | base (fa_nlp.model.PRESETS); fields below override it
    d_model: int | None = None
    n_heads: int | None = None
    n_encoder_layers: int | None = None
    n_decoder_layers: int | None = None
    d_ff: int | None = None
    dropout: float | None = None
    max_len: int | None = None  # default: the prepared data's max_len
    positional: str | None = None  # rope | learned | sinusoidal
    tie_embeddings: bool | None = None


@dataclass
class DataSection:
    prepared: str = ""  # directory written by `fa-nlp prepare`
    train_split: str = "train"
    dev_split: str = "validation"
    max_tokens: int = 4096  # per micro-batch, per rank: padded source + target tokens
    max_train_examples: int = 0  # 0 = all (else the first N, for quick experiments)
    reshuffle_source_words: bool = False  # word order only: draw a fresh source word order every epoch


@dataclass
class OptimSection:
    lr: float = 1e-3  # peak learning rate
    min_lr_ratio: float = 0.1  # cosine decays to lr * min_lr_ratio
    warmup_steps: int = 100
    max_steps: int = 1000  # optimizer steps
    max_minutes: float = 0.0  # wall-clock budget of this invocation's loop (0 = none): stop, evaluate, save
    weight_decay: float = 0.01  # on matrices only (not norms, not the embedding)
    beta1: float = 0.9
    beta2: float = 0.98
    grad_clip: float = 1.0  # 0 = off
    grad_accum: int = 1  # micro-batches per optimizer step
    label_smoothing: float = 0.1


@dataclass
class LogSection:
    run_dir: str = "runs/smoke"
    log_every: int = 10  # steps between metrics.jsonl rows
    eval_every: int = 200  # steps between dev loss (+ dev EM/BLEU if fa_nlp.evaluate provides it)
    save_every: int = 200  # steps between checkpoints (one is always written at the end)
    keep_checkpoints: int = 3  # newest N kept (0 = all)
    dev_max_batches: int = 50
    dev_metric_sentences: int = 100  # sentences decoded for dev EM/BLEU
    progress: bool = True  # tqdm bar
    tensorboard: bool = False  # only if tensorboard is installed


@dataclass
class DebugSection:
    inject_nan_at_step: int = 0  # > 0: make that step's loss NaN (tests the divergence stop)


@dataclass
class TrainConfig:
    seed: int = 1234
    device: str = "auto"  # auto | cpu | cuda
    dtype: str = "bf16"  # autocast dtype on GPU (bf16 | fp32); CPU always runs fp32. No fp16: it needs loss scaling
    compile: bool = False  # torch.compile the model
    threads: int = 0  # CPU threads for torch (0 = torch's default; 1 is fastest on a busy 2-core box)
    model: ModelSection = field(default_factory=ModelSection)
    data: DataSection = field(default_factory=DataSection)
    optim: OptimSection = field(default_factory=OptimSection)
    log: LogSection = field(default_factory=LogSection)
    debug: DebugSection = field(default_factory=DebugSection)


class TrainingDiverged(RuntimeError):
    """Loss or gradient became NaN/inf; the last checkpoint on disk is from before it."""


def resolve_model_config(cfg: TrainConfig, meta: dict):
    from fa_nlp.model import model_config

    over = {k: v for k, v in asdict(cfg.model).items() if k != "preset" and v is not None}
    over.setdefault("max_len", int(meta.get("max_len", 256)))
    return model_config(cfg.model.preset, vocab_size=int(meta["vocab_size"]), pad_id=int(meta["pad_id"]),
                        bos_id=int(meta["bos_id"]), eos_id=int(meta["eos_id"]), **over)


def lr_factor(step: int, warmup: int, total: int, min_ratio: float) -> float:
    """Linear warmup to 1, then cosine to min_ratio at `total` (step counts from 0)."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def _param_groups(model, weight_decay: float):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() >= 2 and not name.startswith(("embed", "pos_embed")) else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def _rng_state(torch) -> tuple[dict, dict]:
    tensors = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        tensors["cuda"] = torch.cuda.get_rng_state()
    return tensors, {"python": list(random.getstate()[1]), "python_version": random.getstate()[0]}


def _set_rng_state(torch, tensors: dict, state: dict) -> None:
    torch.set_rng_state(tensors["torch"])
    if "cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["cuda"])
    if "python" in state:
        random.setstate((state["python_version"], tuple(state["python"]), None))


# ---------------------------------------------------------------------------------------------
# the loop


def train(cfg: TrainConfig, resume: bool = False, stop_at: int | None = None) -> dict:
    """Train per `cfg`; returns a summary (last step, final loss, run dir). Rank 0 writes the run dir.

    `stop_at` ends the run early at that step with a checkpoint, as if interrupted (the schedule still
    follows optim.max_steps), which is what the exact-resume test needs.
    """
    import torch
    import torch.nn.functional as F

    from fa_nlp import checkpoint
    from fa_nlp.batching import epoch_batches
    from fa_nlp.io import write_json
    from fa_nlp.model import Seq2SeqTransformer
    from fa_nlp.seq2seq_data import collate, load_prepared

    if cfg.dtype not in ("bf16", "fp32"):
        raise ValueError(f"dtype={cfg.dtype!r}: choose bf16 or fp32 (fp16 would need loss scaling, which this loop "
                         "does not do)")
    ctx = compute_init(cfg.device)
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    rank0 = ctx.rank == 0
    device = torch.device(ctx.device)
    is_cuda = device.type == "cuda"
    run_dir = Path(cfg.log.run_dir)
    o = cfg.optim

    if not cfg.data.prepared:
        raise ValueError("data.prepared is empty: point it at a directory written by `fa-nlp prepare`")
    data = load_prepared(cfg.data.prepared)
    if cfg.data.train_split not in data.splits:
        raise ValueError(f"{data.path}: no split {cfg.data.train_split!r} (has {sorted(data.splits)})")
    train_split = data.splits[cfg.data.train_split]
    dev_split = data.splits.get(cfg.data.dev_split)
    meta = data.meta
    pad, bos, eos = int(meta["pad_id"]), int(meta["bos_id"]), int(meta["eos_id"])
    src_lens, tgt_lens = train_split.src_lens, train_split.tgt_lens
    word_start = data.word_starts() if cfg.data.reshuffle_source_words else None
    if cfg.data.reshuffle_source_words and word_start is None:
        raise ValueError(f"{data.path}: data.reshuffle_source_words needs word_start.npy; re-run `fa-nlp prepare`")
    if cfg.data.max_train_examples:
        src_lens, tgt_lens = src_lens[: cfg.data.max_train_examples], tgt_lens[: cfg.data.max_train_examples]

    torch.manual_seed(cfg.seed)  # model init + dropout; batch order uses its own generator (batching.py)
    random.seed(cfg.seed)
    mcfg = resolve_model_config(cfg, meta)
    model = Seq2SeqTransformer(mcfg).to(device)
    optimizer = torch.optim.AdamW(_param_groups(model, o.weight_decay), lr=o.lr, betas=(o.beta1, o.beta2),
                                  eps=1e-8, fused=True)  # fused: one kernel, and it honours found_inf (below)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_factor(s, o.warmup_steps, o.max_steps, o.min_lr_ratio))

    step, epoch, batch_index = 0, 0, 0
    resolved = {"config": asdict(cfg), "model_config": asdict(mcfg)}
    if resume:
        ck = checkpoint.latest_intact(run_dir, log=print0)  # damaged newer checkpoints: skipped, with a warning
        if ck is None:
            raise FileNotFoundError(f"--resume: no checkpoint under {run_dir / checkpoint.CKPT_DIR}")
        state = checkpoint.read_state(ck)
        if state["model_config"] != asdict(mcfg):
            raise ValueError(f"{ck}: model config differs from the current config; refusing to resume")
        checkpoint.load_weights(model, ck, device=device)
        blobs = checkpoint.load_optim(ck)
        optimizer.load_state_dict(blobs["optimizer"])
        scheduler.load_state_dict(blobs["scheduler"])
        _set_rng_state(torch, blobs["tensors"], state["rng"])
        step, epoch, batch_index = state["step"], state["data"]["epoch"], state["data"]["batch_index"]
        print0(f"resumed from {ck} (step {step}, epoch {epoch}, batch {batch_index})")
    elif checkpoint.list_steps(run_dir):  # checked on every rank, so none is left waiting for the others
        raise FileExistsError(f"{run_dir} already has checkpoints: pass --resume, or choose another log.run_dir")
    if not resume and rank0:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_json(run_dir / "config.json", resolved)
        if data.tokenizer_dir is not None:
            shutil.copytree(data.tokenizer_dir, run_dir / "tokenizer", dirs_exist_ok=True)

    raw_model = model
    if cfg.compile:
        model = torch.compile(model, dynamic=True)  # token-budget batches vary (B, S, T) every step: compile once
    if ctx.is_distributed:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(model, device_ids=[device.index] if is_cuda else None)
    amp_dtype = {"bf16": torch.bfloat16, "fp32": None}[cfg.dtype]
    autocast = (lambda: torch.autocast("cuda", dtype=amp_dtype)) if is_cuda and amp_dtype else nullcontext

    metrics_path = run_dir / "metrics.jsonl"
    if rank0:
        _truncate_metrics(metrics_path, step)
    tb = _tensorboard(run_dir) if rank0 and cfg.log.tensorboard else None
    tokenizer = None
    if rank0 and data.tokenizer_dir is not None:
        try:
            from fa_nlp.tokenization import load_tokenizer

            tokenizer = load_tokenizer(data.tokenizer_dir)
        except (ImportError, OSError, RuntimeError) as e:  # e.g. sentencepiece missing: dev EM/BLEU off, training unaffected
            print0(f"note: tokenizer not loadable ({e}); dev EM/BLEU disabled")
    dev_pairs = data.pairs(cfg.data.dev_split, cfg.log.dev_metric_sentences) if tokenizer else []

    def save_checkpoint() -> None:
        tensors, py = _rng_state(torch)
        checkpoint.save(run_dir, step, raw_model, optimizer, scheduler, tensors=tensors, extra_state={
            **resolved, "rng": py, "data": {"epoch": epoch, "batch_index": batch_index, "seed": cfg.seed,
                                            "world_size": ctx.world_size}})
        _prune(run_dir, cfg.log.keep_checkpoints)

    def forward_loss(m, src, tin, tout, smoothing=0.0):
        """Summed token cross-entropy of `m` (the wrapped model in training, the raw one for dev)."""
        with autocast():
            logits = m(src, tin)
        return F.cross_entropy(logits.float().flatten(0, 1), tout.flatten(), ignore_index=pad,
                               label_smoothing=smoothing, reduction="sum")

    has_dev = dev_split is not None and len(dev_split) > 0
    # fixed plan (no shuffle): built once, not at every evaluation
    dev_batches = epoch_batches(dev_split.src_lens, dev_split.tgt_lens, cfg.data.max_tokens, 0, 0,
                                shuffle=False)[: cfg.log.dev_max_batches] if has_dev else []

    def dev_loss() -> float | None:
        if not has_dev:
            return None
        raw_model.eval()
        total, n = 0.0, 0
        with torch.no_grad():
            for b in dev_batches:
                src, tin, tout = (t.to(device) for t in collate(dev_split, b, pad, bos, eos))
                total += forward_loss(raw_model, src, tin, tout).item()
                n += int(tout.ne(pad).sum())
        raw_model.train()
        return total / max(n, 1)

    def dev_metrics() -> dict:
        try:
            import fa_nlp.evaluate as ev
        except ImportError:
            return {}
        if not hasattr(ev, "quick_dev_metrics") or not dev_pairs:
            return {}
        raw_model.eval()
        try:
            out = ev.quick_dev_metrics(raw_model, tokenizer, dev_pairs, cfg.log.dev_metric_sentences)
        finally:
            raw_model.train()
        return {f"dev_{k}": v for k, v in dict(out).items() if isinstance(v, (int, float))}

    def log_row(row: dict) -> None:
        with open(metrics_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        if tb is not None:
            for k, v in row.items():
                if k != "step" and isinstance(v, (int, float)):
                    tb.add_scalar(k, v, row["step"])

    bar = None
    if rank0 and cfg.log.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=o.max_steps, initial=step, desc="train", dynamic_ncols=True)
    model.train()
    # Divergence guard without a host-device sync per step: the finiteness of every step's loss and
    # grad norm is folded into device tensors; the fused AdamW reads `found_inf` (the contract
    # GradScaler uses) and skips the update on device once anything was non-finite, so weights and
    # optimizer state stay those of the last good step. The host looks at the flag only at log,
    # eval and save steps (and at the end), i.e. before any checkpoint could hold a bad update.
    bad = torch.zeros((), dtype=torch.bool, device=device)
    first_bad = torch.zeros(3, dtype=torch.float64, device=device)  # step, loss, grad norm of the first bad step
    optimizer.found_inf = bad.float()

    def check_finite() -> None:
        flag = bad
        if ctx.is_distributed:  # every rank stops together (a rank's own loss may be the bad one)
            import torch.distributed as dist

            flag = bad.to(torch.int32)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        if not bool(flag):
            return
        at, lv, gv = (first_bad.tolist() if bool(bad) else (float("nan"),) * 3)
        latest_ck = checkpoint.latest(run_dir)
        msg = (f"loss became {lv} (grad norm {gv}) at step {int(at) if at == at else '?'} (noticed at step {step}); "
               f"no update was applied from that step on and no checkpoint was written after it. Last good "
               f"checkpoint: {latest_ck or 'none'}. Try a lower optim.lr, more optim.warmup_steps, or dtype=fp32.")
        if bar is not None:
            bar.close()
        compute_cleanup()
        raise TrainingDiverged(msg)

    last_loss, t0, tok_since = None, time.time(), 0
    loop_start = time.time()
    end = min(o.max_steps, stop_at) if stop_at else o.max_steps
    out_of_time = False
    while step < end:
        batches = epoch_batches(src_lens, tgt_lens, cfg.data.max_tokens, cfg.seed, epoch, ctx.rank, ctx.world_size)
        if len(batches) < o.grad_accum:
            raise ValueError(f"only {len(batches)} batches per epoch (rank share) < grad_accum={o.grad_accum}")
        while batch_index + o.grad_accum <= len(batches) and step < end:
            micro = [collate(train_split, b, pad, bos, eos, word_start, (cfg.seed, epoch))
                     for b in batches[batch_index : batch_index + o.grad_accum]]
            n_tgt = sum(int(t.ne(pad).sum()) for _, _, t in micro)  # host tensors: no device sync
            loss_sum = torch.zeros((), device=device)
            for j, (src, tin, tout) in enumerate(micro):
                src, tin, tout = (t.to(device, non_blocking=True) for t in (src, tin, tout))
                sync = ctx.is_distributed and j < len(micro) - 1
                with model.no_sync() if sync else nullcontext():
                    loss = forward_loss(model, src, tin, tout, o.label_smoothing) / n_tgt
                    if cfg.debug.inject_nan_at_step and step + 1 == cfg.debug.inject_nan_at_step:
                        loss = loss * float("nan")
                    loss.backward()
                loss_sum += loss.detach()
            gnorm = torch.nn.utils.clip_grad_norm_(raw_model.parameters(), o.grad_clip if o.grad_clip > 0 else 1e30)
            step_bad = ~(torch.isfinite(loss_sum) & torch.isfinite(gnorm))
            first_bad.copy_(torch.where(step_bad & ~bad, torch.stack(
                [torch.full((), step + 1.0, device=device), loss_sum.double(), gnorm.double()]), first_bad))
            bad |= step_bad
            optimizer.found_inf.copy_(bad)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            batch_index += o.grad_accum
            last_loss = loss_sum
            tok_since += n_tgt * ctx.world_size
            if o.max_minutes > 0 and step < end and _time_up(loop_start, o.max_minutes, ctx, device, step):
                out_of_time, end = True, step
                print0(f"time budget of {o.max_minutes} min reached at step {step}: evaluating and saving")
            do_log = step % cfg.log.log_every == 0 or step == end
            do_eval = step % cfg.log.eval_every == 0 or step == o.max_steps or out_of_time
            do_save = step % cfg.log.save_every == 0 or step == end
            if do_log or do_eval or do_save:
                check_finite()  # the only host-device syncs of the loop (besides DDP's time check)
            if bar is not None:
                bar.update(1)
            if not rank0:
                continue
            row = None
            if do_log:
                loss_val, gnorm_val = float(loss_sum), float(gnorm)
                dt = time.time() - t0
                row = {"step": step, "epoch": epoch, "loss": round(loss_val, 6), "lr": scheduler.get_last_lr()[0],
                       "grad_norm": round(gnorm_val, 4), "tokens_per_s": round(tok_since / max(dt, 1e-9), 1)}
                t0, tok_since = time.time(), 0
                if bar is not None:
                    bar.set_postfix(loss=f"{loss_val:.3f}", lr=f"{scheduler.get_last_lr()[0]:.2e}")
            if do_eval:
                row = row or {"step": step, "epoch": epoch}
                rng = torch.get_rng_state()
                dl = dev_loss()
                if dl is not None:
                    row["dev_loss"] = round(dl, 6)
                row.update(dev_metrics())
                torch.set_rng_state(rng)
            if row is not None:
                log_row(row)
            if do_save:
                save_checkpoint()
                _plot(metrics_path, run_dir / "curves.png")
        if batch_index + o.grad_accum > len(batches):
            epoch, batch_index = epoch + 1, 0
    check_finite()
    if bar is not None:
        bar.close()
    if tb is not None:
        tb.close()
    compute_cleanup()
    return {"step": step, "epoch": epoch, "loss": float(last_loss) if last_loss is not None else float("nan"), "run_dir": str(run_dir),
            "num_parameters": raw_model.num_parameters(), "stopped_by_time_budget": out_of_time}


def _time_up(started: float, budget_min: float, ctx, device, step: int) -> bool:
    """Whether the time budget is spent; under DDP all ranks decide together (every 10 steps)."""
    if not ctx.is_distributed:
        return time.time() - started >= budget_min * 60
    if step % 10:
        return False
    import torch
    import torch.distributed as dist

    flag = torch.tensor([int(time.time() - started >= budget_min * 60)], device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item())


# ---------------------------------------------------------------------------------------------
# helpers (rank 0)


def _truncate_metrics(path: Path, step: int) -> None:
    """On resume, drop rows logged after the checkpoint so the log matches an uninterrupted run."""
    if not path.is_file():
        return
    from fa_nlp.io import write_text
    from fa_nlp.report import InputError

    rows = [ln for ln in path.read_bytes().decode("utf-8", "replace").splitlines() if ln.strip()]
    parsed = []
    for i, ln in enumerate(rows, 1):
        try:
            parsed.append(json.loads(ln))
        except json.JSONDecodeError as e:
            if i < len(rows):  # only the last line can be cut by a kill mid-write; anything else is damage
                raise InputError(path, i, f"malformed JSON ({e.msg}); fix or remove the line to resume") from None
            print0(f"note: {path}:{i}: dropped a half-written last line (killed mid-write?): {ln[:60]!r}")
    keep = [ln for ln, row in zip(rows, parsed) if row.get("step", 0) <= step]
    if len(keep) != len(rows):
        write_text(path, "".join(ln + "\n" for ln in keep))


def _prune(run_dir: Path, keep: int) -> None:
    from fa_nlp import checkpoint

    if keep <= 0:
        return
    for s in checkpoint.list_steps(run_dir)[:-keep]:
        shutil.rmtree(checkpoint.step_dir(run_dir, s), ignore_errors=True)


_plot_note_shown = False


def _plot(metrics: Path, out: Path) -> None:
    global _plot_note_shown
    try:
        from fa_nlp.plots import plot_curves

        plot_curves(metrics, out)
    except ImportError as e:  # matplotlib missing (e.g. a bare GPU box): metrics.jsonl has every number
        if not _plot_note_shown:
            _plot_note_shown = True
            print0(f"note: {out.name} not drawn ({e}); draw it later where matplotlib is installed: python -c "
                   f"\"from fa_nlp.plots import plot_curves; plot_curves('{metrics}', '{out}')\"")


def _tensorboard(run_dir: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        print0("note: tensorboard not installed; log.tensorboard ignored")
        return None
    return SummaryWriter(str(run_dir / "tb"))


def main(config_path: str | None, overrides: list[str], resume: bool = False, stop_at: int | None = None) -> dict:
    from fa_nlp.config import load_config

    cfg = load_config(TrainConfig, config_path, overrides)
    summary = train(cfg, resume=resume, stop_at=stop_at)
    print0(json.dumps(summary, ensure_ascii=False))
    return summary

"""One flat training loop for every task: CPU, one GPU, or many under torchrun (DDP).

    # CPU (this dev box), a couple of minutes:
    fa-nlp train --config fa_nlp/configs/wordorder-tiny-cpu.toml
    # one GPU (bf16 autocast, optional torch.compile):
    fa-nlp train --config fa_nlp/configs/wordorder-base-gpu.toml --compile=true
    # 8 GPUs on one node (only rank 0 logs and saves; batches are sharded by rank):
    torchrun --standalone --nproc_per_node=8 -m fa_nlp train --config fa_nlp/configs/wordorder-base-gpu.toml
    # 2 CPU processes (gloo), as the DDP tests run it:
    torchrun --standalone --nproc_per_node=2 -m fa_nlp train --config ... --device=cpu --threads=1
    # resume exactly where the latest checkpoint left off:
    fa-nlp train --config ... --resume

`train(cfg, task)` knows nothing of word order or QA: the task (`fa_nlp.tasks.base.Task`) builds the
model config, the batches, the loss and the dev metrics; this module never imports a task or any
evaluation code. Batches by token budget with length bucketing; AdamW, linear warmup then cosine
decay, grad clipping and accumulation. Checkpoints hold everything needed to continue exactly
(weights, optimizer, scheduler, RNG states, epoch + batch index). A NaN/inf loss or grad norm makes
the (fused) optimizer skip its update on the device, and the run stops at the next log/eval/save
step, before any checkpoint could hold it; the hot loop itself never waits for the GPU.

Under DDP each rank divides its summed loss by the global target count / world size, so DDP's
gradient average equals one process's gradient over the same global batch (tests/training/test_ddp.py
checks losses and weights against a single process with grad_accum = world size). Autocast: bf16
when `dtype = "bf16"` (CUDA or CPU) or `auto` on CUDA; fp32 otherwise.
"""

from __future__ import annotations

import math
import random
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fa_nlp import models  # torch-free until a model is built (`models.embedding_parameters` loads it)
from fa_nlp.io import write_json
from fa_nlp.models import build_model
from fa_nlp.training import checkpoint
from fa_nlp.training.batching import epoch_batches, plan_batches, plan_fingerprint, shard
from fa_nlp.training.config import TrainConfig
from fa_nlp.training.distributed import (
    compute_cleanup,
    compute_init,
    global_denominator,
    print0,
    ranks_mean,
    same_on_all_ranks,
    sigkill,
    time_up,
    wait_for_all_ranks,
)
from fa_nlp.training.guard import NanGuard, TrainingDiverged
from fa_nlp.training.runlog import RunLog


def lr_factor(step: int, warmup: int, total: int, min_ratio: float) -> float:
    """Linear warmup to 1, then cosine to min_ratio at `total` (step counts from 0)."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def param_groups(model, weight_decay: float):
    """Weight decay on matrices only: not on norms, biases or embeddings."""
    emb = models.embedding_parameters(model)
    decay, no_decay = [], []
    for p in model.parameters():
        (decay if p.dim() >= 2 and id(p) not in emb else no_decay).append(p)
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


@dataclass
class Position:
    """Where the loop stands: optimizer step and place in the (seeded) epoch plan."""

    step: int = 0
    epoch: int = 0
    batch_index: int = 0


# ---------------------------------------------------------------------------------------------
# set-up


def build_optimizer(cfg: TrainConfig, model):
    import torch

    o = cfg.optim
    optimizer = torch.optim.AdamW(param_groups(model, o.weight_decay), lr=o.lr, betas=(o.beta1, o.beta2),
                                  eps=1e-8, fused=True)  # fused: one kernel, and it honours found_inf
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_factor(s, o.warmup_steps, o.max_steps, o.min_lr_ratio))
    return optimizer, scheduler


def restore(run_dir: Path, model, optimizer, scheduler, model_config: dict, device) -> Position:
    """Load the latest checkpoint of `run_dir` into the model/optimizer/scheduler and RNGs."""
    import torch

    ck = checkpoint.latest_intact(run_dir, log=print0)  # damaged newer checkpoints: skipped, with a warning
    if ck is None:
        raise FileNotFoundError(f"--resume: no checkpoint under {run_dir / checkpoint.CKPT_DIR}")
    state = checkpoint.read_state(ck)
    if state["model_config"] != model_config:
        raise ValueError(f"{ck}: model config differs from the current config; refusing to resume")
    checkpoint.load_weights(model, ck, device=device)
    blobs = checkpoint.load_optim(ck)
    optimizer.load_state_dict(blobs["optimizer"])
    scheduler.load_state_dict(blobs["scheduler"])
    _set_rng_state(torch, blobs["tensors"], state["rng"])
    pos = Position(state["step"], state["data"]["epoch"], state["data"]["batch_index"])
    print0(f"resumed from {ck} (step {pos.step}, epoch {pos.epoch}, batch {pos.batch_index})")
    return pos


def start_run_dir(cfg: TrainConfig, task, resolved: dict, rank0: bool) -> None:
    run_dir = Path(cfg.log.run_dir)
    if checkpoint.list_steps(run_dir):  # checked on every rank, so none is left waiting for the others
        raise FileExistsError(f"{run_dir} already has checkpoints: pass --resume, or choose another log.run_dir")
    if rank0:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_json(run_dir / "config.json", resolved)
        task.write_run_files(run_dir)


def wrap_model(cfg: TrainConfig, model, ctx, device):
    import torch

    if cfg.compile:
        # token-budget batches vary (B, S, T) every step: compile once for symbolic shapes
        model = torch.compile(model, dynamic=True, backend=cfg.compile_backend)
    if ctx.is_distributed:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    return model


def autocast_factory(cfg: TrainConfig, device):
    """The autocast context of forward passes: bf16 where asked (`dtype = "bf16"`, on CUDA or CPU;
    `auto` = bf16 on CUDA only, since bf16 matmuls on CPUs without AMX are slower than fp32)."""
    import torch

    if cfg.dtype not in ("auto", "bf16", "fp32"):
        raise ValueError(f"dtype={cfg.dtype!r}: choose auto, bf16 or fp32 (fp16 would need loss scaling, which this "
                         "loop does not do)")
    bf16 = cfg.dtype == "bf16" or (cfg.dtype == "auto" and device.type == "cuda")
    return (lambda: torch.autocast(device.type, dtype=torch.bfloat16)) if bf16 else nullcontext


def to_device(batch: dict[str, Any], device) -> dict[str, Any]:
    return {k: v.to(device, non_blocking=True) if hasattr(v, "to") else v for k, v in batch.items()}


# ---------------------------------------------------------------------------------------------
# dev evaluation


class DevEvaluator:
    """Dev loss on a fixed plan of dev batches (built once) + the task's own dev metrics."""

    def __init__(self, cfg: TrainConfig, task, device, autocast):
        self.task, self.device, self.autocast, self.cfg = task, device, autocast, cfg
        lens = task.lengths(cfg.data.dev_split) if task.has_split(cfg.data.dev_split) else None
        self.batches = epoch_batches(*lens, cfg.data.max_tokens, 0, 0, shuffle=False)[: cfg.log.dev_max_batches] \
            if lens is not None and len(lens[0]) else []

    def loss(self, model) -> float | None:
        import torch

        if not self.batches:
            return None
        model.eval()
        total, n = 0.0, 0
        with torch.no_grad():
            for idx in self.batches:
                batch = self.task.batch(self.cfg.data.dev_split, idx, epoch=0, train=False)
                with self.autocast():
                    total += self.task.loss(model, to_device(batch, self.device)).item()
                n += batch["n_targets"]
        model.train()
        return total / max(n, 1)

    def row(self, model) -> dict[str, Any]:
        import torch

        rng = torch.get_rng_state()
        out: dict[str, Any] = {}
        dl = self.loss(model)
        if dl is not None:
            out["dev_loss"] = round(dl, 6)
        model.eval()
        try:
            out.update({f"dev_{k}": v for k, v in self.task.dev_metrics(model, self.cfg.log.dev_metric_sentences).items()
                        if isinstance(v, (int, float))})
        finally:
            model.train()
        torch.set_rng_state(rng)
        return out


def setup_model(cfg: TrainConfig, task, device, resume: bool, rank0: bool):
    """-> (model, optimizer, scheduler, resolved config, Position): fresh (seeded, optionally with a
    pretrained encoder, run dir started) or restored from the latest checkpoint."""
    import torch

    torch.manual_seed(cfg.seed)  # model init + dropout; batch order uses its own generator (batching.py)
    random.seed(cfg.seed)
    mcfg = task.model_config(cfg)
    model = build_model(mcfg).to(device)
    if cfg.init_from and not resume:
        print0(checkpoint.load_encoder(model, cfg.init_from, device=device))
    optimizer, scheduler = build_optimizer(cfg, model)
    resolved = {"config": asdict(cfg), "model_config": asdict(mcfg)}
    if resume:
        pos = restore(Path(cfg.log.run_dir), model, optimizer, scheduler, asdict(mcfg), device)
    else:
        pos = Position()
        start_run_dir(cfg, task, resolved, rank0)
    return model, optimizer, scheduler, resolved, pos


def rank_batches(cfg: TrainConfig, src_lens, tgt_lens, epoch: int, ctx, device) -> list[list[int]]:
    """This rank's share of the epoch's batch plan. Every rank cuts the whole plan (a pure function of
    the data, config, seed and epoch) and takes every world_size-th batch; under DDP the ranks first
    check that their plans are identical, so no rank can silently train on other data."""
    plan = plan_batches(src_lens, tgt_lens, cfg.data.max_tokens, seed=cfg.seed, epoch=epoch).batches
    if ctx.is_distributed:
        same_on_all_ranks(plan_fingerprint(plan), f"the batch plan of epoch {epoch}", device)
    batches = shard(plan, ctx.rank, ctx.world_size)
    if len(batches) < cfg.optim.grad_accum:
        raise ValueError(f"only {len(batches)} batches per epoch (rank share) < grad_accum={cfg.optim.grad_accum}")
    return batches


# ---------------------------------------------------------------------------------------------
# the loop


def train(cfg: TrainConfig, task, resume: bool = False, stop_at: int | None = None) -> dict:
    """Train `task` per `cfg`; returns a summary (last step, final loss, run dir). Rank 0 writes the run dir.

    `stop_at` ends the run early at that step with a checkpoint, as if interrupted (the schedule still
    follows optim.max_steps), which is what the exact-resume test needs.
    """
    import torch

    ctx = compute_init(cfg.device)
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    rank0, device = ctx.rank == 0, torch.device(ctx.device)
    run_dir, o = Path(cfg.log.run_dir), cfg.optim
    autocast = autocast_factory(cfg, device)
    task.load(cfg)
    src_lens, tgt_lens = task.lengths(cfg.data.train_split)
    if cfg.data.max_train_examples:
        src_lens, tgt_lens = src_lens[: cfg.data.max_train_examples], tgt_lens[: cfg.data.max_train_examples]

    raw_model, optimizer, scheduler, resolved, pos = setup_model(cfg, task, device, resume, rank0)
    model = wrap_model(cfg, raw_model, ctx, device)
    log = RunLog(cfg, pos.step, rank0)
    dev = DevEvaluator(cfg, task, device, autocast) if rank0 else None
    guard = NanGuard(device, ctx)
    optimizer.found_inf = guard.bad.float()

    def save() -> None:
        tensors, py = _rng_state(torch)
        checkpoint.save(run_dir, pos.step, raw_model, optimizer, scheduler, tensors=tensors, extra_state={
            **resolved, "rng": py, "data": {"epoch": pos.epoch, "batch_index": pos.batch_index, "seed": cfg.seed,
                                            "world_size": ctx.world_size}})
        checkpoint.prune(run_dir, cfg.log.keep_checkpoints)

    model.train()
    last_loss, loop_start, out_of_time = None, log.started, False
    end = min(o.max_steps, stop_at) if stop_at else o.max_steps
    try:
        while pos.step < end:
            batches = rank_batches(cfg, src_lens, tgt_lens, pos.epoch, ctx, device)
            while pos.batch_index + o.grad_accum <= len(batches) and pos.step < end:
                micro = [task.batch(cfg.data.train_split, b, pos.epoch)
                         for b in batches[pos.batch_index : pos.batch_index + o.grad_accum]]
                loss_sum, gnorm = train_step(cfg, model, raw_model, task, micro, autocast, device, ctx, pos.step)
                guard.record(pos.step, loss_sum, gnorm)
                optimizer.found_inf.copy_(guard.bad)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                pos.step += 1
                pos.batch_index += o.grad_accum
                log.advance(sum(m["n_targets"] for m in micro) * ctx.world_size)
                if o.max_minutes > 0 and pos.step < end and time_up(loop_start, o.max_minutes, ctx, device, pos.step):
                    out_of_time, end = True, pos.step
                    print0(f"time budget of {o.max_minutes} min reached at step {pos.step}: evaluating and saving")
                do_log = pos.step % cfg.log.log_every == 0 or pos.step == end
                do_eval = pos.step % cfg.log.eval_every == 0 or pos.step == o.max_steps or out_of_time
                do_save = pos.step % cfg.log.save_every == 0 or pos.step == end
                if do_log or do_eval or do_save:
                    guard.check(pos.step, run_dir)  # the only host-device syncs of the loop (besides DDP's time check)
                if do_log and ctx.is_distributed:
                    loss_sum = ranks_mean(loss_sum)  # each rank holds its share: log the global batch's loss
                last_loss = loss_sum
                if rank0:
                    train_row = log.train_row(pos, loss_sum, gnorm, scheduler.get_last_lr()[0]) if do_log else None
                    log.write(pos, train_row, dev.row(raw_model) if do_eval else None)
                    if do_save:
                        save()
                        log.plot()
                if cfg.debug.sigkill_at_step == pos.step:
                    sigkill(cfg.debug.sigkill_rank, ctx)
            if pos.batch_index + o.grad_accum > len(batches):
                pos.epoch, pos.batch_index = pos.epoch + 1, 0
        guard.check(pos.step, run_dir)
        wait_for_all_ranks(ctx)
    finally:
        log.close()
        compute_cleanup(ctx)
    return {"step": pos.step, "epoch": pos.epoch, "loss": float(last_loss) if last_loss is not None else float("nan"),
            "run_dir": str(run_dir), "num_parameters": raw_model.num_parameters(), "stopped_by_time_budget": out_of_time}


def train_step(cfg: TrainConfig, model, raw_model, task, micro: list[dict], autocast, device, ctx, step: int):
    """Forward/backward over the micro-batches of one optimizer step -> (loss per target, grad norm),
    both device tensors (no host sync). The loss is normalised by the step's target count over all
    ranks, so DDP's gradient average equals the gradient of one process over the same global batch."""
    import torch

    n_tgt = global_denominator(sum(m["n_targets"] for m in micro), ctx, device)  # host int, or a device tensor under DDP
    loss_sum = torch.zeros((), device=device)
    for j, batch in enumerate(micro):
        batch = to_device(batch, device)
        sync = ctx.is_distributed and j < len(micro) - 1
        with model.no_sync() if sync else nullcontext():
            with autocast():
                loss = task.loss(model, batch, cfg.optim.label_smoothing) / n_tgt
            if cfg.debug.inject_nan_at_step and step + 1 == cfg.debug.inject_nan_at_step:
                loss = loss * float("nan")
            loss.backward()
        loss_sum += loss.detach()
    clip = cfg.optim.grad_clip if cfg.optim.grad_clip > 0 else 1e30
    return loss_sum, torch.nn.utils.clip_grad_norm_(raw_model.parameters(), clip)


__all__ = ["TrainConfig", "TrainingDiverged", "lr_factor", "train"]

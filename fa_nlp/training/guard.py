"""The divergence guard of the training loop: NaN/inf losses or gradients stop the run without a
host-device sync per step (the loop stays asynchronous on a GPU) and before any checkpoint holds them."""

from __future__ import annotations

from pathlib import Path

from fa_nlp.training import checkpoint


class TrainingDiverged(RuntimeError):
    """Loss or gradient became NaN/inf; the last checkpoint on disk is from before it."""


class NanGuard:
    """Divergence guard without a host-device sync per step.

    The finiteness of every step's loss and grad norm is folded into device tensors; the fused AdamW
    reads `found_inf` (the contract GradScaler uses) and skips the update on device once anything was
    non-finite, so weights and optimizer state stay those of the last good step. The host looks at
    the flag only at log, eval and save steps (and at the end), before any checkpoint could hold a
    bad update. Under DDP every rank stops together (a rank's own loss may be the bad one).
    """

    def __init__(self, device, ctx):
        import torch

        self.ctx = ctx
        self.bad = torch.zeros((), dtype=torch.bool, device=device)
        self.first_bad = torch.zeros(3, dtype=torch.float64, device=device)  # step, loss, grad norm

    def record(self, step: int, loss, gnorm) -> None:
        import torch

        step_bad = ~(torch.isfinite(loss) & torch.isfinite(gnorm))
        dev = loss.device
        self.first_bad.copy_(torch.where(step_bad & ~self.bad, torch.stack(
            [torch.full((), step + 1.0, device=dev), loss.double(), gnorm.double()]), self.first_bad))
        self.bad |= step_bad

    def check(self, step: int, run_dir: Path) -> None:
        import torch

        flag = self.bad
        if self.ctx.is_distributed:
            import torch.distributed as dist

            flag = self.bad.to(torch.int32)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        if not bool(flag):
            return
        at, lv, gv = (self.first_bad.tolist() if bool(self.bad) else (float("nan"),) * 3)
        raise TrainingDiverged(
            f"loss became {lv} (grad norm {gv}) at step {int(at) if at == at else '?'} (noticed at step {step}); "
            f"no update was applied from that step on and no checkpoint was written after it. Last good "
            f"checkpoint: {checkpoint.latest(run_dir) or 'none'}. Try a lower optim.lr, more optim.warmup_steps, "
            "or dtype=fp32.")

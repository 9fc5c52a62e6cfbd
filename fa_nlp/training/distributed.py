"""Tiny distributed helper (nanochat style): one call sets up CPU / one GPU / torchrun DDP alike.

    ctx = compute_init()            # reads RANK / WORLD_SIZE / LOCAL_RANK set by torchrun
    print0("only rank 0 prints")
    ...
    compute_cleanup()

Also the few collectives the loop needs (global target count, mean loss, a plan check, the time
budget decided together). Collectives time out after FA_NLP_DIST_TIMEOUT_S seconds (default 600)
instead of torch's 30 minutes, so a rank that died where torchrun cannot see it (another node)
ends the job in bounded time.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from datetime import timedelta


@dataclass
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: str = "cpu"
    owns_group: bool = False  # this context joined the process group, so its cleanup leaves it

    @property
    def is_distributed(self) -> bool:
        return self.world_size > 1


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def resolve_device(device: str = "auto") -> str:
    """The device name for `device`: auto means cuda if available, else cpu; other names pass through."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def compute_init(device: str = "auto") -> DistContext:
    """Pick the device (auto: cuda if available) and join the process group when under torchrun."""
    import torch

    rank, world, local = _env_int("RANK", 0), _env_int("WORLD_SIZE", 1), _env_int("LOCAL_RANK", 0)
    device = resolve_device(device)
    if device.startswith("cuda"):
        device = f"cuda:{local}" if world > 1 or device == "cuda" else device
        torch.cuda.set_device(device)
    owns = world > 1 and not torch.distributed.is_initialized()
    if owns:  # a caller that set up the group itself (several runs in one job) keeps it
        backend = "nccl" if device.startswith("cuda") else "gloo"
        torch.distributed.init_process_group(backend=backend, rank=rank, world_size=world, timeout=dist_timeout())
    return DistContext(rank=rank, world_size=world, local_rank=local, device=device, owns_group=owns)


def dist_timeout() -> timedelta:
    return timedelta(seconds=float(os.environ.get("FA_NLP_DIST_TIMEOUT_S", 600)))


def compute_cleanup(ctx: DistContext | None = None) -> None:
    """Leave the process group if `ctx` joined it (None: whatever group there is)."""
    import torch

    if ctx is not None and not ctx.owns_group:
        return
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def wait_for_all_ranks(ctx: DistContext) -> None:
    """A barrier at the end of a run that went well: every rank is past rank 0's last save before any
    leaves the group. A rank that destroys the gloo group while another still talks to it can abort
    that process ("terminate called without an active exception"). Not on the error path: a rank that
    failed never reaches the barrier, and the others would wait for it until the timeout."""
    if not ctx.is_distributed:
        return
    import torch

    torch.distributed.barrier()


def is_rank0() -> bool:
    return _env_int("RANK", 0) == 0


def print0(*args, **kwargs) -> None:
    if is_rank0():
        print(*args, **kwargs, flush=True)


def global_denominator(n_local: int, ctx: DistContext, device):
    """What each rank divides its summed loss by, so that DDP's gradient *average* over ranks equals
    the gradient of one process over the global batch: (targets over all ranks) / world size.

    Ranks' batches hold different numbers of targets, so dividing by the local count would weight a
    target on a small batch more than one on a big batch. Single process: the host int itself (no
    collective). Under DDP a device tensor (all-reduced asynchronously on NCCL: no host sync)."""
    if not ctx.is_distributed:
        return n_local
    import torch
    import torch.distributed as dist

    n = torch.tensor(float(n_local), dtype=torch.float32).to(device, non_blocking=True)
    dist.all_reduce(n)
    return n / ctx.world_size


def ranks_mean(x):
    """Mean of a device scalar over the ranks (gloo has no AVG op: SUM / world)."""
    import torch.distributed as dist

    x = x.detach().clone()
    dist.all_reduce(x)
    return x / dist.get_world_size()


def same_on_all_ranks(value: int, what: str, device) -> None:
    """Raise on every rank unless all ranks hold the same `value` (a fingerprint of `what`).

    Why: torchrun on several nodes reads each node's own copy of the data; a stale copy would let
    ranks train on different batch plans without any error."""
    import torch
    import torch.distributed as dist

    lo = torch.tensor([value], dtype=torch.int64, device=device)
    hi = lo.clone()
    dist.all_reduce(lo, op=dist.ReduceOp.MIN)
    dist.all_reduce(hi, op=dist.ReduceOp.MAX)
    if int(lo.item()) != int(hi.item()):
        raise RuntimeError(f"rank {dist.get_rank()}: ranks disagree on {what} (fingerprints {int(lo)} .. {int(hi)}); "
                           "every rank must read the same data.prepared with the same config and seed")


def time_up(started: float, budget_min: float, ctx: DistContext, device, step: int) -> bool:
    """Whether the time budget is spent; under DDP all ranks decide together (every 10 steps), so no
    rank stops while another waits for it in the next collective."""
    if not ctx.is_distributed:
        return time.time() - started >= budget_min * 60
    if step % 10:
        return False
    import torch
    import torch.distributed as dist

    flag = torch.tensor([int(time.time() - started >= budget_min * 60)], device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item())


def sigkill(rank: int, ctx: DistContext) -> None:
    """Debug hook (`debug.sigkill_at_step`): SIGKILL rank `rank`, or with -1 the whole job (every rank,
    after a barrier, and rank 0 first its launcher: torchrun is its parent), at a known point, so tests
    of a crash and of `--resume` after it need no timing race."""
    if rank == -1:
        if ctx.is_distributed:
            import torch.distributed as dist

            dist.barrier()
            if ctx.rank == 0 and os.environ.get("TORCHELASTIC_RUN_ID"):
                print(f"debug: SIGKILL to torchrun (pid {os.getppid()}) and every rank", flush=True)
                os.kill(os.getppid(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
    elif rank == ctx.rank:
        print(f"debug: SIGKILL to rank {rank} (pid {os.getpid()})", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

"""Tiny distributed helper (nanochat style): one call sets up CPU / one GPU / torchrun DDP alike.

    ctx = compute_init()            # reads RANK / WORLD_SIZE / LOCAL_RANK set by torchrun
    print0("only rank 0 prints")
    ...
    compute_cleanup()
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: str = "cpu"

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
    if world > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if device.startswith("cuda") else "gloo"
        torch.distributed.init_process_group(backend=backend, rank=rank, world_size=world)
    return DistContext(rank=rank, world_size=world, local_rank=local, device=device)


def compute_cleanup() -> None:
    import torch

    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def is_rank0() -> bool:
    return _env_int("RANK", 0) == 0


def print0(*args, **kwargs) -> None:
    if is_rank0():
        print(*args, **kwargs, flush=True)

"""The Task interface: everything the one training loop and `fa-nlp evaluate` need from a task.

    from fa_nlp.tasks.base import make_task
    task = make_task("wordorder")          # the class named in TASKS, not yet loaded
    train(cfg, task)                       # fa_nlp.training.loop

A task folder (`tasks/wordorder/`, `tasks/qa/`, ...) holds its dataset build, its prepare step, a
`Task` subclass and its evaluation report. The loop only ever sees this base class.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

TASKS = {
    "wordorder": "fa_nlp.tasks.wordorder.task:WordOrderTask",
    "qa": "fa_nlp.tasks.qa.task:QATask",
    "mlm": "fa_nlp.tasks.mlm.task:MLMTask",
}


class Task(ABC):
    """One task's data, batches, loss and metrics. Batches are dicts of CPU tensors plus
    `n_targets` (a Python int: what the loss is a sum over, counted without a device sync)."""

    name = "task"

    @abstractmethod
    def load(self, cfg) -> None:
        """Open the prepared arrays named by `cfg.data` (called once, before anything else)."""

    @abstractmethod
    def model_config(self, cfg):
        """The ModelConfig of a run from `cfg.model` and the prepared data (vocab size, ids, lengths)."""

    @abstractmethod
    def has_split(self, split: str) -> bool: ...

    @abstractmethod
    def lengths(self, split: str) -> tuple[Any, Any]:
        """(source lengths, target lengths) per example: what token-budget batching packs."""

    @abstractmethod
    def batch(self, split: str, indices: list[int], epoch: int, train: bool = True) -> dict[str, Any]:
        """Collate examples `indices` of `split` (seeded by epoch where the task shuffles anything)."""

    @abstractmethod
    def loss(self, model, batch: dict[str, Any], label_smoothing: float = 0.0):
        """Summed loss over the batch's targets (a device scalar)."""

    def dev_metrics(self, model, max_examples: int) -> dict[str, float]:
        """Task metrics on a few dev examples during training (decoding, EM...); {} = none."""
        return {}

    def write_run_files(self, run_dir: Path) -> None:
        """Copy what evaluation will need beside the checkpoints (e.g. the tokenizer); default: nothing."""
        return None


def task_class(name: str) -> type[Task]:
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose one of {', '.join(TASKS)}")
    module, cls = TASKS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def make_task(name: str) -> Task:
    return task_class(name)()


def run_task(run_dir: str | Path) -> str:
    """The task a run dir (or a checkpoint dir in it) was trained for ("wordorder" when not recorded)."""
    import json

    run_dir = Path(run_dir)
    for cand in (run_dir / "config.json", run_dir.parent.parent / "config.json", run_dir / "state.json"):
        if cand.is_file():
            return json.loads(cand.read_text(encoding="utf-8")).get("config", {}).get("task", "wordorder")
    return "wordorder"


def train_task(cfg, resume: bool = False, stop_at: int | None = None) -> dict:
    """`fa-nlp train`: the task named by `cfg.task` through the one training loop."""
    from fa_nlp.training.loop import train

    return train(cfg, make_task(cfg.task), resume=resume, stop_at=stop_at)

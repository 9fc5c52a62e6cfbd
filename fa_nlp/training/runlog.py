"""A run's record, written by rank 0: the progress bar, metrics.jsonl rows (train and dev), curves.png,
throughput (targets/s and CPU cores busy) and, on resume, the log cut back to the checkpoint."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from fa_nlp.io import write_text
from fa_nlp.plots import plot_curves
from fa_nlp.report import InputError
from fa_nlp.training.config import TrainConfig
from fa_nlp.training.distributed import print0


class Throughput:
    """Targets per second and CPU cores busy (process CPU time / wall time) since the last reading."""

    def __init__(self):
        self.t0, self.cpu0, self.tokens = time.time(), time.process_time(), 0

    def add(self, n: int) -> None:
        self.tokens += n

    def read(self) -> dict[str, float]:
        dt = max(time.time() - self.t0, 1e-9)
        out = {"tokens_per_s": round(self.tokens / dt, 1), "cpu_cores_busy": round((time.process_time() - self.cpu0) / dt, 2)}
        self.t0, self.cpu0, self.tokens = time.time(), time.process_time(), 0
        return out


class RunLog:
    """Rank 0's record of a run: the tqdm bar, metrics.jsonl rows (+ optional tensorboard) and curves.png."""

    _plot_note_shown = False

    def __init__(self, cfg: TrainConfig, step: int, rank0: bool):
        self.run_dir = Path(cfg.log.run_dir)
        self.path = self.run_dir / "metrics.jsonl"
        self.meter, self.started = Throughput(), time.time()
        if rank0:
            truncate_metrics(self.path, step)
        self.tb = _tensorboard(self.run_dir) if rank0 and cfg.log.tensorboard else None
        self.bar = None
        if rank0 and cfg.log.progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=cfg.optim.max_steps, initial=step, desc="train", dynamic_ncols=True)

    def advance(self, n_targets: int) -> None:
        """One optimizer step done, over `n_targets` targets (all ranks)."""
        self.meter.add(n_targets)
        if self.bar is not None:
            self.bar.update(1)

    def train_row(self, pos, loss, gnorm, lr: float) -> dict[str, Any]:
        row = {"step": pos.step, "epoch": pos.epoch, "loss": round(float(loss), 6), "lr": lr,
               "grad_norm": round(float(gnorm), 4), **self.meter.read(), "elapsed_s": round(time.time() - self.started, 1)}
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{row['loss']:.3f}", lr=f"{lr:.2e}")
        return row

    def write(self, pos, train_row: dict | None, dev_row: dict | None) -> None:
        """One metrics.jsonl row per logged step: the training figures and/or the dev evaluation."""
        if train_row is None and dev_row is None:
            return
        row = {**(train_row or {"step": pos.step, "epoch": pos.epoch}), **(dev_row or {})}
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        if self.tb is not None:
            for k, v in row.items():
                if k != "step" and isinstance(v, (int, float)):
                    self.tb.add_scalar(k, v, row["step"])

    def plot(self) -> None:
        out = self.run_dir / "curves.png"
        try:
            plot_curves(self.path, out)
        except ImportError as e:  # matplotlib missing (e.g. a bare GPU box): metrics.jsonl has every number
            if not RunLog._plot_note_shown:
                RunLog._plot_note_shown = True
                print0(f"note: {out.name} not drawn ({e}); draw it later where matplotlib is installed: python -c "
                       f"\"from fa_nlp.plots import plot_curves; plot_curves('{self.path}', '{out}')\"")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.tb is not None:
            self.tb.close()


def truncate_metrics(path: Path, step: int) -> None:
    """On resume, drop rows logged after the checkpoint so the log matches an uninterrupted run; a
    half-written last line (killed mid-write) is dropped with a note, damage elsewhere is an error."""
    if not path.is_file():
        return
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


def _tensorboard(run_dir: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        print0("note: tensorboard not installed; log.tensorboard ignored")
        return None
    return SummaryWriter(str(run_dir / "tb"))

"""Step-numbered, atomic, full-state checkpoints; loading never unpickles code.

    run_dir/checkpoints/step-000123/
        model.safetensors   weights (tied embedding stored once)
        optim.pt            torch.save of plain state dicts: optimizer, scheduler, torch/cuda RNG states
        state.json          step, data position (epoch, batch index, seed), python RNG, resolved config

Each checkpoint is built in a temp dir and renamed into place, so a crash (or a NaN stop) never
leaves a half-written one; `latest()` ignores anything that is not complete. A checkpoint damaged
afterwards (a truncated copy, a full disk, bit rot) raises `CheckpointError` naming the step and the
file; `latest_intact()` skips such checkpoints, saying so, which is what `--resume` uses.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path
from typing import Any

from fa_nlp.io import atomic_dir, current_umask, write_json
from fa_nlp.models import ModelConfig, build_model

CKPT_DIR = "checkpoints"
_STEP_RE = re.compile(r"^step-(\d+)$")
FILES = ("model.safetensors", "optim.pt", "state.json")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read: `checkpoint step-000040: model.safetensors is damaged (...)`."""

    def __init__(self, ckpt: str | Path, file: str, why: str):
        self.ckpt, self.file, self.why = Path(ckpt), file, why
        super().__init__(f"checkpoint {self.ckpt.name}: {file} is damaged ({why}) [{self.ckpt / file}]")


# torch's weights-only refusal wraps the cause in advice to load with `weights_only=False`, which
# would run code from the file: keep the cause, drop the advice.
_WEIGHTS_ONLY = re.compile(r"WeightsUnpickler error:\s*(.*?)\s*(?:Check the documentation of torch\.load.*)?$")


def _why(e: BaseException) -> str:
    """The library's own words for why a file does not load, in full, on one line."""
    msg = " ".join(str(e).split())
    m = _WEIGHTS_ONLY.search(msg)
    if m:
        cause = m.group(1).split(" Please use `torch.serialization")[0].rstrip(".") or "unknown content"
        msg = f"not the plain tensors and dicts a checkpoint holds ({cause}); it is never loaded as code"
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


def step_dir(run_dir: str | Path, step: int) -> Path:
    return Path(run_dir) / CKPT_DIR / f"step-{step:06d}"


def save(run_dir: str | Path, step: int, model, optimizer=None, scheduler=None, extra_state: dict | None = None,
         tensors: dict | None = None) -> Path:
    """Write checkpoint `step` atomically; `tensors` (e.g. RNG states) go into optim.pt beside the state dicts."""
    import torch
    from safetensors.torch import save_model

    model = getattr(model, "module", model)  # DDP
    model = getattr(model, "_orig_mod", model)  # torch.compile
    out = step_dir(run_dir, step)

    with atomic_dir(out) as tmp:
        save_model(model, str(tmp / "model.safetensors"))
        (tmp / "model.safetensors").chmod(0o666 & ~current_umask())  # safetensors writes 0600: follow the umask
        torch.save({"optimizer": optimizer.state_dict() if optimizer is not None else None,
                    "scheduler": scheduler.state_dict() if scheduler is not None else None,
                    "tensors": tensors or {}}, tmp / "optim.pt")
        write_json(tmp / "state.json", {"step": step, **(extra_state or {})})
    return out


def list_steps(run_dir: str | Path) -> list[int]:
    d = Path(run_dir) / CKPT_DIR
    if not d.is_dir():
        return []
    steps = []
    for p in d.iterdir():
        m = _STEP_RE.match(p.name)
        if m and all((p / f).is_file() for f in FILES):
            steps.append(int(m.group(1)))
    return sorted(steps)


def latest(run_dir: str | Path) -> Path | None:
    steps = list_steps(run_dir)
    return step_dir(run_dir, steps[-1]) if steps else None


def missing_files(ckpt: str | Path) -> list[str]:
    return [f for f in FILES if not (Path(ckpt) / f).is_file()]


_SAID: set = set()


def _report_incomplete(run_dir: str | Path, after: int, log) -> None:
    """Say which step dirs newer than step `after` are skipped for missing files (atomic saves never
    leave one: a file was deleted or a copy was cut short)."""
    d = Path(run_dir) / CKPT_DIR
    if not d.is_dir():
        return
    for p in sorted(d.iterdir()):
        m = _STEP_RE.match(p.name)
        if m and p.is_dir() and int(m.group(1)) > after and (gone := missing_files(p)):
            msg = f"warning: checkpoint {p.name} is missing {', '.join(gone)} [{p}]; skipped"
            if (msg, log) not in _SAID:  # callers resolve the same run more than once: say it once
                _SAID.add((msg, log))
                log(msg)


def resolve(run_dir: str | Path, step: int | None = None, log=_stderr) -> Path:
    """The checkpoint dir for `step` (None: latest complete one, saying which newer ones are skipped
    for missing files); `run_dir` may also be a checkpoint dir itself."""
    run_dir = Path(run_dir)
    if (run_dir / "state.json").is_file() and (run_dir / "model.safetensors").is_file():
        return run_dir
    ck = latest(run_dir) if step is None else step_dir(run_dir, step)
    if step is None:
        _report_incomplete(run_dir, int(ck.name.split("-")[1]) if ck is not None else -1, log)
    elif ck.is_dir() and (gone := missing_files(ck)) and len(gone) < len(FILES):
        raise FileNotFoundError(f"checkpoint {ck.name} is missing {', '.join(gone)} [{ck}]")
    if ck is None or not (ck / "state.json").is_file():
        raise FileNotFoundError(f"{run_dir}: no checkpoint{'' if step is None else f' for step {step}'}")
    return ck


def read_state(ckpt: str | Path) -> dict[str, Any]:
    try:
        state = json.loads((Path(ckpt) / "state.json").read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(ckpt, "state.json", _why(e)) from None
    if not isinstance(state, dict) or not isinstance(state.get("step"), int):
        raise CheckpointError(ckpt, "state.json", "not an object with an integer 'step'")
    return state


def _check_weights_file(ckpt: str | Path) -> None:
    """Parse the safetensors header (it also checks that the file is as long as the header says)."""
    from safetensors import safe_open

    path = Path(ckpt) / "model.safetensors"
    try:
        with safe_open(str(path), framework="pt") as f:
            f.keys()
    except FileNotFoundError:
        raise
    except Exception as e:  # SafetensorError (a Rust error type), OSError
        raise CheckpointError(ckpt, "model.safetensors", _why(e)) from None


def load_weights(model, ckpt: str | Path, device="cpu") -> None:
    from safetensors.torch import load_model as st_load

    _check_weights_file(ckpt)  # a damaged file names itself; a model/config mismatch stays a RuntimeError
    st_load(model, str(Path(ckpt) / "model.safetensors"), strict=True, device=str(device))


def load_optim(ckpt: str | Path) -> dict:
    import torch

    try:
        with warnings.catch_warnings():  # "Detected pickle protocol 4": noise before the real error
            warnings.simplefilter("ignore", UserWarning)
            blobs = torch.load(Path(ckpt) / "optim.pt", map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as e:  # PytorchStreamReader RuntimeError, UnpicklingError, EOFError
        raise CheckpointError(ckpt, "optim.pt", _why(e)) from None
    if not isinstance(blobs, dict) or not {"optimizer", "scheduler", "tensors"} <= set(blobs):
        raise CheckpointError(ckpt, "optim.pt", "not the dict of optimizer/scheduler/tensors this toolkit writes")
    return blobs


def verify(ckpt: str | Path) -> None:
    """Raise `CheckpointError` unless all three files of `ckpt` load (weights: header and length)."""
    read_state(ckpt)
    _check_weights_file(ckpt)
    load_optim(ckpt)


def latest_intact(run_dir: str | Path, log=print) -> Path | None:
    """The newest checkpoint whose three files load; each damaged newer one is reported through `log`
    and skipped (it stays on disk for inspection; a later save of the same step replaces it).

    None when there is no checkpoint at all; `CheckpointError` when every one is damaged.
    """
    steps = list_steps(run_dir)
    _report_incomplete(run_dir, steps[-1] if steps else -1, log)
    first_error: CheckpointError | None = None
    for step in reversed(steps):
        ck = step_dir(run_dir, step)
        try:
            verify(ck)
        except CheckpointError as e:
            first_error = first_error or e
            log(f"warning: {e}; falling back to the previous checkpoint")
            continue
        if first_error is not None:
            log(f"note: using {ck.name}, the newest intact checkpoint")
        return ck
    if first_error is not None:
        raise CheckpointError(first_error.ckpt, first_error.file, f"{first_error.why}; and none of the "
                              f"{len(steps)} checkpoints under {Path(run_dir) / CKPT_DIR} is intact")
    return None


def load_model(run_dir: str | Path, step: int | None = None, device="cpu"):
    """-> (model in eval mode on `device`, train config dict) from a run dir (latest or given step);
    the model kind comes from the checkpoint's own config."""
    ck = resolve(run_dir, step)
    state = read_state(ck)
    model = build_model(ModelConfig(**state["model_config"]))
    load_weights(model, ck, device="cpu")
    _note_optim(ck)
    return model.to(device).eval(), state.get("config", {})


def _note_optim(ck: Path, log=_stderr) -> None:
    """A damaged optim.pt does not stop evaluation (it needs weights and state only), but it is said:
    resuming from this checkpoint would fall back to an older one. Checked cheaply (the zip directory
    torch.save writes), not by loading optimizer state that can be twice the model's size."""
    import zipfile

    try:
        with zipfile.ZipFile(ck / "optim.pt") as z:
            z.namelist()
    except (OSError, zipfile.BadZipFile) as e:
        log(f"note: checkpoint {ck.name}: optim.pt is damaged ({_why(e)}); that is fine for evaluation "
            "and prediction, which read only model.safetensors and state.json (resuming training would fall back to an "
            "older checkpoint)")


ENCODER_PREFIX = "encoder."


def load_encoder(model, source: str | Path, device="cpu") -> str:
    """Copy the `encoder.*` weights of a checkpoint (run dir or checkpoint dir) into `model.encoder`,
    whatever the two model kinds are (pretraining -> fine-tuning). Shapes must match; returns a note.
    When the checkpoint is of the model's own kind (a span run continuing another span run), its
    head and input features are copied as well: the whole model continues."""
    from safetensors.torch import load_file

    ck = resolve(source)
    tensors = load_file(str(Path(ck) / "model.safetensors"), device=str(device))
    enc = {k[len(ENCODER_PREFIX):]: v for k, v in tensors.items() if k.startswith(ENCODER_PREFIX)}
    if not enc:
        raise ValueError(f"{ck}: the checkpoint has no encoder weights (no '{ENCODER_PREFIX}*' tensors)")
    missing, unexpected = model.encoder.load_state_dict(enc, strict=False)
    if unexpected:
        raise ValueError(f"{ck}: encoder tensors not in this model: {', '.join(sorted(unexpected)[:5])}")
    note = f"encoder initialised from {ck} ({len(enc)} tensors"
    kind = read_state(ck).get("model_config", {}).get("kind")
    if kind is not None and kind == getattr(model.cfg, "kind", None):
        rest = {k: v for k, v in tensors.items() if not k.startswith(ENCODER_PREFIX)}
        model.load_state_dict({**model.state_dict(), **rest}, strict=True)
        note += f"; same kind {kind!r}: its {len(rest)} other tensors too"
    return note + (f"; not in the checkpoint, left as initialised: {', '.join(sorted(missing))})" if missing else ")")


def prune(run_dir: str | Path, keep: int) -> None:
    """Delete all but the newest `keep` checkpoints (0 = keep all)."""
    import shutil

    if keep <= 0:
        return
    for s in list_steps(run_dir)[:-keep]:
        shutil.rmtree(step_dir(run_dir, s), ignore_errors=True)

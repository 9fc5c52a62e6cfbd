"""Training configuration: one dataclass per TOML section, shared by every task.

    from fa_nlp.config import load_config
    cfg = load_config(TrainConfig, "fa_nlp/configs/wordorder-tiny-cpu.toml", ["optim.lr=3e-4"])

Task-neutral: `task` names the task (required), the task fills in the default `model.kind` and adds
its own section (`[wordorder]`), see `fa_nlp.tasks.base.resolve_train_config`: it is registered with
`fa_nlp.config` when `fa_nlp.tasks.base` is imported (as `fa-nlp train` and every task module do), so
import that first when loading a config with a task section yourself.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import asdict, dataclass, field

from fa_nlp.models import model_config
from fa_nlp.models.config import ModelConfig

# the model keys a run may set: every ModelConfig field (None = the preset's value) except the ids that
# come from the prepared data, plus `preset`. Derived, so a field added to ModelConfig is settable at once.
_DATA_FIELDS = ("vocab_size", "pad_id", "bos_id", "eos_id")
_MODEL_HINTS = typing.get_type_hints(ModelConfig)
ModelSection = dataclasses.make_dataclass("ModelSection", [
    ("preset", str, dataclasses.field(default="tiny")),  # tiny | small | base (fa_nlp.models.PRESETS)
    *[(f.name, _MODEL_HINTS[f.name] | None, dataclasses.field(default=None))
      for f in dataclasses.fields(ModelConfig) if f.name not in _DATA_FIELDS],
])
ModelSection.__module__ = __name__
ModelSection.__doc__ = ("`[model]`: preset + any ModelConfig field (None = the preset's; `kind` unset = the task's "
                        "default kind, filled in by the task when the config is loaded).")


@dataclass
class DataSection:
    prepared: str = ""  # directory written by `fa-nlp prepare TASK`
    train_split: str = "train"
    dev_split: str = "validation"
    max_tokens: int = 4096  # per micro-batch, per rank: padded source + target tokens
    max_train_examples: int = 0  # 0 = all (else the first N, for quick experiments)


@dataclass
class OptimSection:
    lr: float = 1e-3  # peak learning rate
    min_lr_ratio: float = 0.1  # cosine decays to lr * min_lr_ratio
    warmup_steps: int = 100
    max_steps: int = 1000  # optimizer steps
    max_minutes: float = 0.0  # wall-clock budget of this invocation's loop (0 = none): stop, evaluate, save
    weight_decay: float = 0.01  # on matrices only (not norms, not the embeddings)
    beta1: float = 0.9
    beta2: float = 0.98
    grad_clip: float = 1.0  # 0 = off
    grad_accum: int = 1  # micro-batches per optimizer step
    label_smoothing: float = 0.1


@dataclass
class LogSection:
    run_dir: str = "runs/smoke"
    log_every: int = 10  # steps between metrics.jsonl rows
    eval_every: int = 200  # steps between dev loss + the task's dev metrics
    save_every: int = 200  # steps between checkpoints (one is always written at the end)
    keep_checkpoints: int = 3  # newest N kept (0 = all)
    dev_max_batches: int = 50
    dev_metric_sentences: int = 100  # examples decoded for the task's dev metrics
    progress: bool = True  # tqdm bar
    tensorboard: bool = False  # only if tensorboard is installed


@dataclass
class DebugSection:
    inject_nan_at_step: int = 0  # > 0: make that step's loss NaN (tests the divergence stop)
    sigkill_at_step: int = 0  # > 0: SIGKILL after that step (and its checkpoint): tests crash handling and --resume
    sigkill_rank: int = -1  # which rank sigkill_at_step kills; -1 = the whole job (every rank and torchrun)


@dataclass
class TrainConfig:
    task: str = ""  # required: the registered task (fa_nlp.tasks.base) that supplies data, batches, loss, metrics
    seed: int = 1234
    device: str = "auto"  # auto | cpu | cuda
    dtype: str = "auto"  # autocast: auto (bf16 on GPU, fp32 on CPU) | bf16 (on any device) | fp32. No fp16: it needs loss scaling
    compile: bool = False  # torch.compile the model (dynamic shapes: token-budget batches change shape every step)
    compile_backend: str = "inductor"  # torch.compile backend: inductor | aot_eager (no codegen: what CPU tests use)
    threads: int = 0  # CPU threads for torch (0 = torch's default)
    init_from: str = ""  # run dir or checkpoint dir whose encoder initialises this model (pretraining -> task)
    model: ModelSection = field(default_factory=ModelSection)
    data: DataSection = field(default_factory=DataSection)
    optim: OptimSection = field(default_factory=OptimSection)
    log: LogSection = field(default_factory=LogSection)
    debug: DebugSection = field(default_factory=DebugSection)


def resolve_model_config(section: ModelSection, meta: dict, **fixed):
    """The ModelConfig of a run: preset + section overrides + the prepared data's ids (`meta`)."""
    over = {k: v for k, v in asdict(section).items() if k != "preset" and v is not None}
    over.setdefault("max_len", int(meta.get("max_len", 256)))
    ids = {k: int(meta[k]) for k in ("vocab_size", "pad_id", "bos_id", "eos_id") if k in meta}
    return model_config(section.preset, **{**ids, **over, **fixed})

"""Training configuration: one dataclass per TOML section, shared by every task.

    from fa_nlp.config import load_config
    cfg = load_config(TrainConfig, "fa_nlp/configs/wordorder-tiny-cpu.toml", ["optim.lr=3e-4"])
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class ModelSection:
    preset: str = "tiny"  # tiny | small | base (fa_nlp.models.PRESETS); fields below override it
    kind: str = "seq2seq"  # seq2seq (vocabulary decoder) | pointer (picks source words) | encoder
    d_model: int | None = None
    n_heads: int | None = None
    n_encoder_layers: int | None = None
    n_decoder_layers: int | None = None
    d_ff: int | None = None
    dropout: float | None = None
    max_len: int | None = None  # default: the prepared data's max_len
    positional: str | None = None  # rope | learned | sinusoidal
    tie_embeddings: bool | None = None
    pooling: str | None = None  # pointer: pieces -> word slot (mean | attention)
    n_segments: int | None = None  # encoder: segment embeddings (2 for question/context)
    match_feature: bool | None = None  # span: exact-match input feature (token id also in the other segment)


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


@dataclass
class TrainConfig:
    task: str = "wordorder"  # which fa_nlp.tasks.* folder supplies data, batches, loss and dev metrics
    seed: int = 1234
    device: str = "auto"  # auto | cpu | cuda
    dtype: str = "bf16"  # autocast dtype on GPU (bf16 | fp32); CPU always runs fp32. No fp16: it needs loss scaling
    compile: bool = False  # torch.compile the model
    threads: int = 0  # CPU threads for torch (0 = torch's default)
    init_from: str = ""  # run dir or checkpoint dir whose encoder initialises this model (pretraining -> task)
    model: ModelSection = field(default_factory=ModelSection)
    data: DataSection = field(default_factory=DataSection)
    optim: OptimSection = field(default_factory=OptimSection)
    log: LogSection = field(default_factory=LogSection)
    debug: DebugSection = field(default_factory=DebugSection)


def resolve_model_config(section: ModelSection, meta: dict, **fixed):
    """The ModelConfig of a run: preset + section overrides + the prepared data's ids (`meta`)."""
    from fa_nlp.models import model_config

    over = {k: v for k, v in asdict(section).items() if k != "preset" and v is not None}
    over.setdefault("max_len", int(meta.get("max_len", 256)))
    ids = {k: int(meta[k]) for k in ("vocab_size", "pad_id", "bos_id", "eos_id") if k in meta}
    return model_config(section.preset, **{**ids, **over, **fixed})

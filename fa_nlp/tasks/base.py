"""The Task contract: everything `fa-nlp` does for a task, from building its data to answering inputs.

    from fa_nlp.tasks.base import make_task, register_task
    task = make_task("wordorder")              # the class named in the registry, loaded on first use
    train(cfg, task)                           # fa_nlp.training.loop
    register_task("digits", "my_pkg.digits:DigitsTask")   # a third-party task (or a `fa_nlp.tasks` entry point)

A task folder (`tasks/wordorder/`, `tasks/qa/`, ...) holds its dataset build, its prepare step, a
`Task` subclass, its evaluation report and its predictor. The CLI verbs are generated from the
registry (`fa_nlp.commands.tasks`): `fa-nlp build TASK`, `prepare TASK`, `train`, `evaluate RUN`,
`predict RUN`, `export RUN`; the loop only ever sees this base class. Why one class: adding a task
is then a new folder and one registry line (or none, for a package that registers itself), never
edits in the shared CLI, config or evaluation code.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
from abc import ABC, abstractmethod
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from fa_nlp.config import ConfigError, register_config_resolver
from fa_nlp.training.loop import train

# the built-in tasks; `register_task` and the `fa_nlp.tasks` entry-point group add more
TASKS: dict[str, str | type] = {
    "wordorder": "fa_nlp.tasks.wordorder.task:WordOrderTask",
    "qa": "fa_nlp.tasks.qa.task:QATask",
    "mlm": "fa_nlp.tasks.mlm.task:MLMTask",
}
ENTRY_POINT_GROUP = "fa_nlp.tasks"


class Task(ABC):
    """One task's data, batches, loss and metrics. Batches are dicts of CPU tensors plus
    `n_targets` (a Python int: what the loss is a sum over, counted without a device sync)."""

    name = "task"
    help = ""  # one line for `fa-nlp build|prepare --help`
    # the model kinds (fa_nlp.models.MODEL_KINDS) this task trains; `model.kind` left unset = the first
    model_kinds: tuple[str, ...] = ("seq2seq",)
    # dataclass of the task's own training keys, read from the TOML section named after the task
    # (`[wordorder] reshuffle_source_words = true`), so the generic sections stay task-neutral
    config_section: type | None = None
    # old dotted key -> its new place; old configs keep loading, with a note (one release)
    legacy_config_keys: dict[str, str] = {}
    # dataclass that `fa-nlp build TASK --config FILE` loads (None: the task has no build config file)
    build_config: type | None = None

    @property
    def default_model_kind(self) -> str:
        return self.model_kinds[0]

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

    # ---------------------------------------------------------------- the verbs around training
    # Each verb is optional: a task that does not implement one makes `fa-nlp VERB` say so for it.
    # `add_*_arguments` adds the task's own flags to its sub-parser; a flag a task does not take is
    # an argparse error, never silently ignored. The `*_main` methods return the process exit code.
    # A task implements a verb by overriding its method, or by naming where it lives (imported on
    # first use, so this base never imports a task, and a task module stays light until a verb runs):
    #   verbs_module: functions add_build_arguments/build_main (+ BUILD_DESCRIPTION),
    #       add_prepare_arguments/prepare_main, add_eval_arguments/evaluate_main, each where present;
    #   predictor_class: "module:Class"; the module's add_predict_arguments/predict_main give `predict`;
    #   export_function: "module:function" (run_dir, out_dir, step=..., **options) -> the folder written.
    verbs_module: str | None = None
    predictor_class: str | None = None
    export_function: str | None = None

    def supports(self, verb: str) -> bool:
        """Whether this task implements `fa-nlp VERB` (overrides its method or names a module that has it)."""
        method, source, name = _VERB_METHODS[verb]
        if getattr(type(self), method) is not getattr(Task, method):
            return True
        return _load(getattr(self, source), name) is not None

    def _part(self, source: str, name: str, verb: str):
        """The function `name` of the module the class attribute `source` names; its absence is the error."""
        fn = _load(getattr(self, source), name)
        if fn is None:
            raise NotImplementedError(f"task {self.name!r} has no {verb}")
        return fn

    def add_build_arguments(self, parser) -> None:
        """Flags of `fa-nlp build TASK` (corpus -> dataset + manifest + card)."""
        parser.description = _load(self.verbs_module, "BUILD_DESCRIPTION") or parser.description
        _call_if_present(_load(self.verbs_module, "add_build_arguments"), parser)

    def build_main(self, args) -> int:
        """`fa-nlp build TASK`: write the task's dataset from the parsed `args`."""
        return self._part("verbs_module", "build_main", "build")(args)

    def add_prepare_arguments(self, parser) -> None:
        """Flags of `fa-nlp prepare TASK` (dataset -> the arrays `fa-nlp train` reads)."""
        _call_if_present(_load(self.verbs_module, "add_prepare_arguments"), parser)

    def prepare_main(self, args) -> int:
        """`fa-nlp prepare TASK`: write the prepared folder that `data.prepared` names."""
        return self._part("verbs_module", "prepare_main", "prepare")(args)

    def add_eval_arguments(self, parser) -> None:
        """Flags of `fa-nlp evaluate RUN` for runs of this task (split, decoding, baselines...)."""
        _call_if_present(_load(self.verbs_module, "add_eval_arguments"), parser)

    def evaluate_main(self, run_dir: str | Path, args) -> int:
        """`fa-nlp evaluate RUN`: score the run on a split, write RUN/eval-<split>/ (metrics.json, report.md)."""
        return self._part("verbs_module", "evaluate_main", "evaluate")(run_dir, args)

    def add_predict_arguments(self, parser) -> None:
        """Flags of `fa-nlp predict RUN` for this task (inputs, decoding options)."""
        self._part("predictor_class", "add_predict_arguments", "predict")(parser)

    def predictor(self, run_dir: str | Path, device: str = "auto", **options) -> Predictor:
        """A loaded model of a finished run that answers a user's own inputs (`fa_nlp.load(RUN)`)."""
        return self._part("predictor_class", "", "predictor")(run_dir, device=device, **options)

    def predict_main(self, run_dir: str | Path, args) -> int:
        """`fa-nlp predict RUN` for this task: read inputs named by `args`, write results to stdout."""
        return self._part("predictor_class", "predict_main", "predict")(run_dir, args)

    def add_export_arguments(self, parser) -> None:
        """Flags of `fa-nlp export RUN --out DIR` for this task (beyond --out/--step)."""
        return None

    def export(self, run_dir: str | Path, out_dir: str | Path, **options) -> Path:
        """Write a Hugging Face `save_pretrained` folder (config, weights, tokenizer, model card)."""
        return self._part("export_function", "", "export")(run_dir, out_dir, **options)


class Predictor(ABC):
    """A trained run ready to answer inputs: `fa_nlp.load(RUN).predict(...)`.

    `predict` takes one input or a list (the task says what an input is: a string of shuffled
    words, a {"question", "context"} dict, a text with [MASK]) and returns one result dict per
    input (a single dict for a single input), batched internally."""

    task: str = "task"

    @abstractmethod
    def predict(self, inputs, **options): ...


# verb -> (the Task method running it, the class attribute naming where it may live, the name there)
_VERB_METHODS = {"build": ("build_main", "verbs_module", "build_main"),
                 "prepare": ("prepare_main", "verbs_module", "prepare_main"),
                 "evaluate": ("evaluate_main", "verbs_module", "evaluate_main"),
                 "predict": ("predict_main", "predictor_class", "predict_main"),
                 "export": ("export", "export_function", "")}
_entry_points_read = False


def _load(target: str | None, name: str = ""):
    """`name` (or, `name` empty, the part after ":") of the module `target` names, imported on first use;
    None where `target` is None or the module has no such name."""
    if not target:
        return None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), name or attr, None) if (name or attr) else None


def _call_if_present(fn, *args) -> None:
    if fn is not None:
        fn(*args)


def register_task(name: str, target: str | type[Task]) -> None:
    """Add a task to the registry: `target` is a Task subclass or "module:Class" (imported on first use).

    Why a hook: a package outside fa_nlp adds its task with this call (or, without any call, with an
    entry point in the `fa_nlp.tasks` group), and every verb, `task = NAME` in a config included,
    then knows it. The name becomes the TOML section of the task's own keys, so it must be an
    identifier that is not a generic section or key."""
    if not name.isidentifier():
        raise ValueError(f"task name {name!r}: needs a Python identifier (it names the task's config section)")
    if isinstance(target, str) and target.count(":") != 1:
        raise ValueError(f"task {name!r}: target {target!r} is not 'module:Class'")
    if not isinstance(target, str) and not (isinstance(target, type) and issubclass(target, Task)):
        raise TypeError(f"task {name!r}: {target!r} is not a Task subclass")
    TASKS[name] = target


def task_names() -> list[str]:
    """Every registered task: the built-in ones, `register_task` calls and `fa_nlp.tasks` entry points."""
    global _entry_points_read
    if not _entry_points_read:
        _entry_points_read = True
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            TASKS.setdefault(ep.name, ep.value)
    return list(TASKS)


def task_class(name: str) -> type[Task]:
    if name not in task_names():
        raise ValueError(f"unknown task {name!r}; choose one of {', '.join(TASKS)}")
    target = TASKS[name]
    if isinstance(target, str):
        module, cls = target.split(":")
        target = getattr(importlib.import_module(module), cls)
    if not (isinstance(target, type) and issubclass(target, Task)):
        raise TypeError(f"task {name!r}: {TASKS[name]!r} is not a Task subclass")
    return target


def make_task(name: str) -> Task:
    return task_class(name)()


def run_task(run_dir: str | Path) -> str:
    """The task a run dir (or a checkpoint dir in it) was trained for, read from its recorded config.

    Runs written before the task was recorded are word-order runs: they are read as such, with a note."""
    run_dir = Path(run_dir)
    for cand in (run_dir / "config.json", run_dir.parent.parent / "config.json", run_dir / "state.json"):
        if cand.is_file():
            task = json.loads(cand.read_text(encoding="utf-8")).get("config", {}).get("task")
            if task:
                return task
            print(f"note: {cand} records no task (a run from before tasks were recorded): reading it as wordorder",
                  file=sys.stderr)
            return "wordorder"
    if not run_dir.exists():
        raise FileNotFoundError(f"{run_dir}: no such run directory")
    raise FileNotFoundError(f"{run_dir}: not a run directory of `fa-nlp train` (no config.json)")


def load_predictor(run_dir: str | Path, device: str = "auto", **options) -> Predictor:
    """`fa_nlp.load`: the predictor of a finished run, for the task its config records."""
    if not Path(run_dir).is_dir():
        raise FileNotFoundError(f"{run_dir}: no such run directory")
    return make_task(run_task(run_dir)).predictor(run_dir, device=device, **options)


def train_task(cfg, resume: bool = False, stop_at: int | None = None) -> dict:
    """`fa-nlp train`: the task named by `cfg.task` through the one training loop."""
    if not cfg.task:
        raise ConfigError(f"no task: set task = \"NAME\" in the config or --task=NAME ({', '.join(task_names())})")
    return train(cfg, make_task(cfg.task), resume=resume, stop_at=stop_at)


# ---------------------------------------------------------------- the task's part of a training config


def resolve_train_config(cls: type, data: dict[str, Any]) -> tuple[type, dict[str, Any]]:
    """Fill in what the task decides in a TrainConfig about to be built from `data` (defaults + TOML + overrides).

    - `model.kind` left unset becomes the task's default kind; a kind the task cannot train is an error;
    - the task's own section (`Task.config_section`, TOML `[<task>]`) is added as a field named after it;
    - old keys (`Task.legacy_config_keys`, e.g. `data.reshuffle_source_words`) move to their new place.
    Called by `fa_nlp.config.load_config` for TrainConfig (registered below), so `load_config(TrainConfig,
    ...)` in any caller gives the same config as `fa-nlp train`."""
    name = data.get("task") or ""
    if not name:
        return cls, data
    try:
        tcls = task_class(name)
    except ValueError as e:
        raise ConfigError(f"task: {e}") from None
    model = data.setdefault("model", {})
    if model.get("kind") in (None, "", "none", "None"):
        model["kind"] = tcls.model_kinds[0]
    elif model["kind"] not in tcls.model_kinds:
        raise ConfigError(f"model.kind: task {name} trains {' | '.join(tcls.model_kinds)}, not {model['kind']!r}")
    for old, new in tcls.legacy_config_keys.items():
        value = _pop_dotted(data, old)
        if value is not _MISSING:
            print(f"note: config key {old} is now {new}; the old name is read for one more release", file=sys.stderr)
            _set_dotted(data, new, value)
    for old in _RETIRED_DEFAULTS:  # written with its default into every run's config.json before it moved
        if _pop_dotted(data, old) not in (_MISSING, False, "false", "False"):
            raise ConfigError(f"{old}: not a key of task {name} (it belongs to the task that reads it)")
    if tcls.config_section is not None:
        section = tcls.config_section
        if name in {f.name for f in dataclasses.fields(cls)}:
            raise ConfigError(f"task {name!r} has a config section but its name is a key of {cls.__name__}")
        cls = dataclasses.make_dataclass(f"{cls.__name__}_{name}", [(name, section, dataclasses.field(
            default_factory=section))], bases=(cls,))
    return cls, data


_MISSING = object()
# generic keys that moved into a task's section: old run configs of every task carry them at their default
_RETIRED_DEFAULTS = ("data.reshuffle_source_words",)


def _pop_dotted(data: dict, key: str):
    *parents, leaf = key.split(".")
    for p in parents:
        data = data.get(p)
        if not isinstance(data, dict):
            return _MISSING
    return data.pop(leaf, _MISSING)


def _set_dotted(data: dict, key: str, value) -> None:
    *parents, leaf = key.split(".")
    for p in parents:
        data = data.setdefault(p, {})
    data[leaf] = value


register_config_resolver("fa_nlp.training.config:TrainConfig", resolve_train_config)

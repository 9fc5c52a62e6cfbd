"""Every TOML in fa_nlp/configs names the command that runs it and loads into that command's config class.

The class comes from the task registry (`fa-nlp build TASK` → the task's `build_config`, `fa-nlp train`
→ TrainConfig completed by its task), so a config for a new task is checked with no edit here, and a
command without a config class fails instead of being skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import fa_nlp
from fa_nlp.config import load_config
from fa_nlp.tasks.base import task_class
from fa_nlp.training.config import TrainConfig

CONFIG_DIR = Path(fa_nlp.__file__).parent / "configs"


def config_class(command: str) -> type:
    """The config dataclass of `command` as written in a TOML's header (`train`, `build wordorder`, ...)."""
    if command == "train":
        return TrainConfig
    verb, _, task = command.partition(" ")
    assert verb == "build" and task, f"{command!r}: no command of fa-nlp runs from a --config file this way"
    cls = task_class(task).build_config
    assert cls is not None, f"task {task!r} has no build config class (Task.build_config)"
    return cls


_COMMAND = re.compile(r"^#\s+(?:torchrun .*?-m fa_nlp|fa-nlp) ((?:[a-z-]+ )*?)--config (\S+)", re.M)


def _command(path: Path) -> tuple[str, str]:
    """(command, config path) of the first command line in the file's header comment."""
    header = "".join(line for line in path.read_text(encoding="utf-8").splitlines(True) if line.startswith("#"))
    m = _COMMAND.search(header)
    assert m, f"{path.name}: no `fa-nlp COMMAND --config ...` line in its header comment"
    return m.group(1).strip(), m.group(2)


@pytest.mark.parametrize("path", sorted(CONFIG_DIR.glob("*.toml")), ids=lambda p: p.name)
def test_shipped_config_loads(path):
    command, named = _command(path)
    assert named == f"fa_nlp/configs/{path.name}", f"{path.name}: its header runs {named}"
    cfg = load_config(config_class(command), path)  # unknown keys and bad types raise
    if command == "train":
        assert cfg.task, f"{path.name}: no task (every training config names its task)"
        assert cfg.model.kind in task_class(cfg.task).model_kinds

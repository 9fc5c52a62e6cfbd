"""Every TOML in fa_nlp/configs names the command that runs it and loads into that command's config class.

The class is looked up by command in CONFIG_CLASSES and imported lazily, so a config for a command
whose module moves fails here, not in a user's terminal.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import fa_nlp
from fa_nlp.config import load_config

CONFIG_DIR = Path(fa_nlp.__file__).parent / "configs"
# command (as written in the TOML's header) → "module:Class" of its config
CONFIG_CLASSES = {
    "build wordorder": "fa_nlp.tasks.wordorder.build_config:WordOrderConfig",
    "build qa": "fa_nlp.tasks.qa.build:QABuildConfig",
    "train": "fa_nlp.training.config:TrainConfig",
}
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
    if command not in CONFIG_CLASSES:
        pytest.skip(f"{command}: config class not registered here yet (see CONFIG_CLASSES)")
    module, cls = CONFIG_CLASSES[command].split(":")
    load_config(getattr(importlib.import_module(module), cls), path)  # unknown keys and bad types raise

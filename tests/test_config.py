"""Config: dataclass defaults, TOML, strict dotted overrides."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from fa_nlp.config import ConfigError, load_config, to_dict


@dataclass
class Optim:
    lr: float = 1e-3
    warmup: int = 100


@dataclass
class Cfg:
    name: str = "x"
    steps: int = 10
    compile: bool = False
    splits: tuple[float, ...] = (0.9, 0.05, 0.05)
    tag: str | None = None
    optim: Optim = field(default_factory=Optim)


def test_defaults_file_then_overrides(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('steps = 20\n[optim]\nlr = 0.01\n', encoding="utf-8")
    cfg = load_config(Cfg, path, ["optim.warmup=5", "--compile=true", "splits=0.8,0.1,0.1", "tag=none"])
    assert cfg.steps == 20 and cfg.optim.lr == 0.01 and cfg.optim.warmup == 5
    assert cfg.compile is True and cfg.splits == (0.8, 0.1, 0.1) and cfg.tag is None
    assert to_dict(cfg)["optim"] == {"lr": 0.01, "warmup": 5}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("optim.lrr=1", "optim.lrr"),  # typo in a nested key is rejected, not ignored
        ("stepz=3", "stepz"),  # unknown top-level key
        ("steps=ten", "steps: expected int"),  # wrong type names the key
        ("compile=maybe", "compile: expected a boolean"),
        ("steps", "not KEY=VALUE"),
    ],
)
def test_bad_overrides_are_errors(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(Cfg, None, [override])


def test_bad_toml_names_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("steps = = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml"):
        load_config(Cfg, path)

"""Config: dataclass defaults, TOML, strict dotted overrides."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from fa_nlp.config import ConfigError, load_config, to_dict
from fa_nlp.models.config import ModelConfig
from fa_nlp.tasks import base  # noqa: F401 - registers the task's part of TrainConfig
from fa_nlp.training.config import ModelSection, TrainConfig


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


# ---------------------------------------------------------------- the CLI settings style


def _parser():
    import argparse

    from fa_nlp.config import add_config_arguments

    p = argparse.ArgumentParser(allow_abbrev=False)
    add_config_arguments(p)
    p.add_argument("--steps-alias")
    p.add_argument("--fast", action="store_true")
    return p


def _args(argv):
    from fa_nlp.config import take_overrides

    args, extra = _parser().parse_known_args(argv)
    assert take_overrides(args, extra) == []
    return args


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {"steps": 10, "compile": False}),  # dataclass defaults
        (["--steps-alias", "7"], {"steps": 7}),  # alias flag → config key
        (["--steps-alias", "7", "--steps=8"], {"steps": 8}),  # --key=value wins over the alias
        (["--fast"], {"compile": True}),  # a switch is a fixed key=value
        (["--optim.lr=0.5", "--optim.warmup=3"], {"optim": {"lr": 0.5, "warmup": 3}}),  # dotted sections
        (["--tag=x-y"], {"tag": "x-y"}),  # values keep their dashes
    ],
)
def test_config_from_args(tmp_path, argv, expected):
    from fa_nlp.config import config_from_args

    cfg = config_from_args(Cfg, _args(argv), aliases={"steps_alias": "steps", "fast": "compile=true"})
    got = to_dict(cfg)
    for key, value in expected.items():
        assert got[key] == value, key


def test_config_file_then_overrides_and_unknown_keys(tmp_path):
    from fa_nlp.config import config_from_args

    path = tmp_path / "c.toml"
    path.write_text("steps = 20\n[optim]\nwarmup = 1\n", encoding="utf-8")
    cfg = config_from_args(Cfg, _args(["--config", str(path), "--optim.warmup=2"]))
    assert (cfg.steps, cfg.optim.warmup) == (20, 2)
    with pytest.raises(ConfigError, match=r"optim\.warmpu \(did you mean optim\.warmup\?\)"):
        config_from_args(Cfg, _args(["--optim.warmpu=2"]))


def test_overrides_only_for_commands_that_take_them():
    import argparse

    from fa_nlp.config import take_overrides

    plain = argparse.ArgumentParser().parse_known_args([])[0]  # no add_config_arguments: stays an error
    assert take_overrides(plain, ["--steps=3"]) == ["--steps=3"]
    args = _parser().parse_known_args([])[0]
    assert take_overrides(args, ["--steps", "3"]) == ["--steps", "3"]  # must be written --key=value
    assert take_overrides(args, ["--max-steps=3"]) == [] and args.config_overrides == ["max_steps=3"]


def test_cli_rejects_settings_for_commands_without_a_config(capsys):
    from fa_nlp.cli import main

    with pytest.raises(SystemExit):
        main(["corpus", "list", "--seed=3"])
    assert "unrecognized arguments: --seed=3" in capsys.readouterr().err


def test_train_config_is_completed_by_its_task(capsys):
    qa = load_config(TrainConfig, None, ["task=qa"])
    assert qa.model.kind == "span" and not hasattr(qa, "wordorder")  # the task's default kind, no other section
    wo = load_config(TrainConfig, None, ["task=wordorder", "wordorder.reshuffle_source_words=true"])
    assert wo.model.kind == "seq2seq" and wo.wordorder.reshuffle_source_words is True
    old = load_config(TrainConfig, None, ["task=wordorder", "data.reshuffle_source_words=true"])  # old key
    assert old.wordorder.reshuffle_source_words is True and "is now wordorder.reshuffle_source_words" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="wordorder"):  # another task's section
        load_config(TrainConfig, None, ["task=qa", "wordorder.reshuffle_source_words=true"])
    with pytest.raises(ConfigError, match="trains span"):
        load_config(TrainConfig, None, ["task=qa", "model.kind=pointer"])
    # every ModelConfig field a run may set is a [model] key, without a hand-kept copy
    settable = {f.name for f in dataclasses.fields(ModelConfig)} - {"vocab_size", "pad_id", "bos_id", "eos_id"}
    assert {f.name for f in dataclasses.fields(ModelSection)} == settable | {"preset"}

"""Configuration as dataclasses: TOML files for named experiments, strict dotted CLI overrides.

    cfg = load_config(TrainConfig, "fa_nlp/configs/smoke.toml", ["train.lr=3e-4", "model.n_layers=2"])

Unknown keys (in TOML or overrides) are errors, never silently ignored. Commands get the same
style on the command line (`--config FILE --section.key=value`) from `add_config_arguments` and
`config_from_args` below.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import difflib
import tomllib
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    pass


def _coerce(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or (isinstance(value, str) and value.lower() in {"none", "null"}):
            return None
        return _coerce(value, args[0], key)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a table, got {value!r}")
        return from_dict(tp, value, prefix=f"{key}.")
    if origin in (list, tuple):
        (inner, *_) = typing.get_args(tp) or (str,)
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        items = [_coerce(v, inner, key) for v in value]
        return tuple(items) if origin is tuple else items
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"1", "true", "yes", "on"}:
            return True
        if isinstance(value, str) and value.lower() in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{key}: expected a boolean, got {value!r}")
    if tp in (int, float, str):
        try:
            if tp is int and isinstance(value, float) and not value.is_integer():
                raise ValueError
            return tp(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key}: expected {tp.__name__}, got {value!r}") from None
    return value


# "module:Class" of a config class -> fn(cls, data) -> (cls, data): lets an upper layer complete a
# lower layer's config before validation (the task named in a TrainConfig adds its own section and
# default model kind) without the lower layer importing it
_RESOLVERS: dict[str, Callable[[type, dict[str, Any]], tuple[type, dict[str, Any]]]] = {}


def register_config_resolver(class_path: str, fn: Callable[[type, dict[str, Any]], tuple[type, dict[str, Any]]]) -> None:
    """Have `load_config(<class_path>, ...)` pass the merged settings through `fn` before validating them."""
    _RESOLVERS[class_path] = fn


def from_dict(cls: type[T], data: dict[str, Any], prefix: str = "") -> T:
    """Build dataclass `cls` from a (nested) dict, rejecting unknown keys (after `cls`'s resolver, if one is
    registered: a saved run's config dict reads back as the same config class as the TOML it came from)."""
    resolver = _RESOLVERS.get(f"{cls.__module__}:{cls.__qualname__}") if not prefix else None
    if resolver is not None:
        cls, data = resolver(cls, copy.deepcopy(data))
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        close = {m for k in unknown for m in difflib.get_close_matches(k, names, n=1)}
        hint = f" (did you mean {', '.join(prefix + m for m in sorted(close))}?)" if close else ""
        raise ConfigError(f"unknown config key(s): {', '.join(prefix + k for k in sorted(unknown))}{hint}")
    kwargs = {k: _coerce(v, hints[k], prefix + k) for k, v in data.items()}
    return cls(**kwargs)


def to_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply `a.b=value` strings to a nested dict (values are coerced later by field type)."""
    for item in overrides:
        item = item.removeprefix("--")
        if "=" not in item:
            raise ConfigError(f"override {item!r} is not KEY=VALUE")
        key, value = item.split("=", 1)
        node = data
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {key}: {p} is not a table")
        node[leaf] = value
    return data


def load_config(cls: type[T], path: str | Path | None = None, overrides: list[str] | None = None) -> T:
    """Defaults of `cls`, then the TOML file, then overrides; validated against the schema."""
    base = to_dict(cls())
    if path is not None:
        with open(path, "rb") as fh:
            try:
                file_data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as e:
                raise ConfigError(f"{path}: {e}") from None
        _deep_update(base, file_data)
    apply_overrides(base, overrides or [])
    return from_dict(cls, base)


def _deep_update(base: dict[str, Any], new: dict[str, Any]) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _deep_update(base[k], v)
        else:
            base[k] = v


# ---------------------------------------------------------------- the one settings style of the CLI


def add_config_arguments(parser: argparse.ArgumentParser, what: str = "settings") -> None:
    """Give a command the one settings style: `--config FILE` plus `--section.key=value` overrides.

    A command that runs from a config dataclass registers like this (only argparse at import time;
    the dataclass is imported in the handler, so `--help` stays fast):

        from fa_nlp.config import add_config_arguments, config_from_args

        def register(sub):
            t = sub.add_parser("train", help="...")
            add_config_arguments(t)
            t.add_argument("--max-steps", help="alias of --optim.max_steps")  # optional convenience flags
            t.add_argument("--no-compile", action="store_true")
            t.set_defaults(func=_train)

        def _train(args):
            from fa_nlp.training.loop import TrainConfig
            cfg = config_from_args(TrainConfig, args,
                                   aliases={"max_steps": "optim.max_steps", "no_compile": "compile=false"})

    and is run as `fa-nlp train --config fa_nlp/configs/smoke.toml --optim.lr=3e-4 --max-steps 50`.
    Precedence: dataclass defaults < TOML file < alias flags < `--key=value` overrides. Overrides must
    be written `--key=value` (dashes in a key count as underscores); unknown keys are errors
    (`ConfigError`, with close matches). `fa_nlp.cli.main` hands each command the `--key=value`
    arguments argparse did not know, and only to commands registered with this helper.
    """
    parser.add_argument("--config", default=None, metavar="TOML",
                        help=f"{what} file (e.g. fa_nlp/configs/*.toml); then any --KEY=VALUE overrides")
    parser.set_defaults(config_overrides=[])


def take_overrides(args: argparse.Namespace, extra: list[str]) -> list[str]:
    """Move `--key=value` arguments argparse did not recognise into `args.config_overrides`.

    Returns what is left (the caller reports it as unrecognised). Commands without
    `add_config_arguments` take none, so a typo there stays an argparse error."""
    if getattr(args, "config_overrides", None) is None:
        return extra
    rest = []
    for item in extra:
        key, sep, value = item.partition("=")
        if item.startswith("--") and sep and len(key) > 2:
            args.config_overrides.append(f"{key[2:].replace('-', '_')}={value}")
        else:
            rest.append(item)
    return rest


def overrides_from_args(args: argparse.Namespace, aliases: dict[str, str] | None = None) -> list[str]:
    """The override strings a command's arguments stand for, in precedence order (see `add_config_arguments`).

    `aliases` maps an argparse dest to a config key (`{"corpus": "corpora"}`: its value is passed on;
    lists are joined with commas) or to a fixed `key=value` applied when the flag is set
    (`{"no_dedup": "dedup=false"}`); dests left at None/False are skipped.
    """
    out = []
    for dest, target in (aliases or {}).items():
        value = getattr(args, dest, None)
        if value is None or value is False:
            continue
        if "=" in target:
            out.append(target)
        else:
            value = ",".join(map(str, value)) if isinstance(value, list | tuple) else value
            out.append(f"{target}={value}")
    return out + list(getattr(args, "config_overrides", None) or [])


def config_from_args(cls: type[T], args: argparse.Namespace, aliases: dict[str, str] | None = None,
                     extra: list[str] | None = None) -> T:
    """`cls` from `--config`, alias flags and `--key=value` overrides (then `extra`, e.g. deprecated `--set`)."""
    return load_config(cls, getattr(args, "config", None), overrides_from_args(args, aliases) + list(extra or []))

"""What a word-order build is asked for: `WordOrderConfig`, its validation, and the CLI line that rebuilds it.

    fa-nlp build wordorder --config fa_nlp/configs/wordorder-fa_text.toml --test_max_words=15

Light on purpose (no pyarrow, datasets or hazm): commands and the shipped-config test load it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fa_nlp.config import to_dict
from fa_nlp.data.engine import ENGINES
from fa_nlp.data.sources import Source, resolve
from fa_nlp.text.words import PUNCTUATION_MODES

SPLITS = ("train", "validation", "test")
DEDUP_ORDER = ("test", "validation", "train")  # held-out sets win duplicates against train
PUNCTUATION_POLICIES = PUNCTUATION_MODES  # the policies are words()'s modes
# Fields that change how fast a build runs, never what it writes: kept out of the build key.
RUNTIME_FIELDS = ("num_proc", "shard_size", "engine", "address")


@dataclass
class WordOrderConfig:
    """What to build. Everything except RUNTIME_FIELDS is part of the build key."""

    corpora: list[str] = field(default_factory=lambda: ["sample"])  # catalog names, files, directories or globs
    seed: int = 0  # shuffles
    split_seed: int | None = None  # document → split hash; None = `seed` (set it to vary shuffles, fix splits)
    split: list[float] = field(default_factory=lambda: [0.9, 0.05, 0.05])  # train, validation, test
    test_sources: list[str] = field(default_factory=list)  # sources (catalog names) held out whole as test
    shuffles_per_sentence: int = 1  # K shuffled copies of each training sentence
    eval_shuffles_per_sentence: int = 1  # K for validation and test
    min_words: int = 3  # word tokens, punctuation excluded
    max_words: int = 30
    validation_min_words: int | None = None  # None = min_words
    validation_max_words: int | None = None
    test_min_words: int | None = None  # e.g. 5 for the 5–15 GPU evaluation split
    test_max_words: int | None = None
    punctuation: str = "detach"  # detach | keep | drop (see module docstring)
    min_persian_ratio: float = 0.5  # share of Persian letters among all letters
    drop_urls: bool = True  # sentences containing URLs or e-mail addresses
    dedup: bool = True  # exact duplicates of `ordered` across all splits
    lenient: bool = False  # malformed input lines: skip and count (True) or stop with file:line (False)
    num_proc: int = 1  # workers: local processes, or the local Dask cluster's worker processes (runtime only)
    shard_size: int = 1024  # documents per work unit (runtime only; fewer shards, less per-shard overhead)
    engine: str = "local"  # local (this machine, no extra dependency) | dask (fa-nlp[dask]) (runtime only)
    address: str = ""  # Dask scheduler (tcp://HOST:8786) of a running cluster; "" = start a local one (runtime only)

    def __post_init__(self) -> None:
        if self.punctuation not in PUNCTUATION_POLICIES:
            raise ValueError(f"punctuation must be one of {PUNCTUATION_POLICIES}, not {self.punctuation!r}")
        if len(self.split) != 3 or any(r < 0 for r in self.split) or abs(sum(self.split) - 1) > 1e-6:
            raise ValueError(f"split must be three non-negative ratios summing to 1 (train,validation,test), "
                             f"got {self.split}")
        if not self.corpora:
            raise ValueError("no corpora given")
        if self.shuffles_per_sentence < 1 or self.eval_shuffles_per_sentence < 1:
            raise ValueError("shuffles per sentence must be >= 1")
        for name in SPLITS:
            lo, hi = self.bounds(name)
            if lo < 1 or hi < lo:
                raise ValueError(f"{name}: word bounds {lo}..{hi} are empty or start below 1")
        if self.test_sources:  # checked only when used: resolving catalog names reads the catalog
            known = self.sources()
            unknown = sorted(set(self.test_sources) - set(known))
            if unknown:
                raise ValueError(f"test_sources {unknown} are not among the sources {known}")
        if self.num_proc < 1 or self.shard_size < 1:
            raise ValueError("num_proc and shard_size must be >= 1")
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, not {self.engine!r}")
        if self.address and self.engine != "dask":
            raise ValueError(f"address {self.address!r} needs engine = \"dask\"")

    def sources(self) -> list[str]:
        """Source labels of the inputs (the `source` column): catalog entry names, or file names for paths."""
        return [label for spec in self.corpora for label in resolve(spec).labels]

    def bounds(self, split: str) -> tuple[int, int]:
        lo = getattr(self, f"{split}_min_words", None) if split != "train" else None
        hi = getattr(self, f"{split}_max_words", None) if split != "train" else None
        return (self.min_words if lo is None else lo, self.max_words if hi is None else hi)

    def shuffles(self, split: str) -> int:
        return self.shuffles_per_sentence if split == "train" else self.eval_shuffles_per_sentence

    def key_dict(self) -> dict[str, Any]:
        """The resolved config as it enters the build key (runtime fields removed, split_seed filled)."""
        d = {k: v for k, v in to_dict(self).items() if k not in RUNTIME_FIELDS}
        d["split_seed"] = self.seed if self.split_seed is None else self.split_seed
        return d


def rebuild_command(cfg: WordOrderConfig, out: str = "DIR") -> str:
    """The CLI line that rebuilds this config (fields that differ from the defaults, as --KEY=VALUE)."""
    default = to_dict(WordOrderConfig(corpora=cfg.corpora))
    parts = ["fa-nlp build wordorder", *(f"--corpus {c}" for c in cfg.corpora), f"--out {out}"]
    for k, v in to_dict(cfg).items():
        if k not in ("corpora", *RUNTIME_FIELDS) and v != default[k]:
            v = ",".join(map(str, v)) if isinstance(v, list) else v
            parts.append(f"--{k}={v}")
    return " ".join(parts)


def default_out_dir(cfg: WordOrderConfig) -> Path:
    """build/wordorder/<corpora> under the current directory (`fa_text_A+B`, `mini.txt`)."""
    label = "-".join(_label(c, resolve(c)) for c in cfg.corpora)
    return Path("build") / "wordorder" / re.sub(r"[^\w.+-]+", "_", label)[:80]




def _label(spec: str, src: Source) -> str:
    return src.labels[0] if src.local else spec

"""Input errors and skip accounting, so that `read = kept + skipped` holds for every reader and builder."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class InputError(ValueError):
    """Bad input, located: `file:line: what is wrong`. `line` may be a record number or key path."""

    def __init__(self, path: str | Path | None, where: int | str | None, message: str):
        self.path, self.where, self.message = (str(path) if path is not None else None), where, message
        loc = self.path or "<input>"
        if where is not None:
            loc += f":{where}"
        super().__init__(f"{loc}: {message}")


@dataclass
class SkipReport:
    """Counts what a job read, kept and skipped (by reason, with a few examples of each), and the
    repairs made to kept or skipped records (`fixed`, by reason: e.g. `control_chars` removed)."""

    read: int = 0
    kept: int = 0
    skipped: Counter = field(default_factory=Counter)
    examples: dict[str, list[Any]] = field(default_factory=dict)
    max_examples: int = 3
    fixed: Counter = field(default_factory=Counter)
    fix_examples: dict[str, list[Any]] = field(default_factory=dict)

    def keep(self, n: int = 1) -> None:
        self.read += n
        self.kept += n

    def skip(self, reason: str, example: Any = None) -> None:
        self.read += 1
        self.skipped[reason] += 1
        if example is not None:
            bucket = self.examples.setdefault(reason, [])
            if len(bucket) < self.max_examples:
                bucket.append(example)

    def fix(self, reason: str, example: Any = None) -> None:
        """Count a repair (the record is still read, kept or skipped as usual: `read` is unchanged)."""
        self.fixed[reason] += 1
        if example is not None:
            bucket = self.fix_examples.setdefault(reason, [])
            if len(bucket) < self.max_examples:
                bucket.append(example)

    @property
    def n_fixed(self) -> int:
        return sum(self.fixed.values())

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    def merge(self, other: SkipReport) -> SkipReport:
        self.read += other.read - other.n_skipped  # merge_skips adds the rest: `read` is copied, not derived
        self.kept += other.kept
        return self.merge_skips(other)

    def merge_skips(self, other: SkipReport) -> SkipReport:
        """Add only `other`'s skips (with examples): for a stage whose kept records are counted again
        downstream, e.g. records lost to parse errors before validation."""
        self.read += other.n_skipped
        self.skipped.update(other.skipped)
        for reason, ex in other.examples.items():
            bucket = self.examples.setdefault(reason, [])
            bucket.extend(ex[: max(0, self.max_examples - len(bucket))])
        self.fixed.update(other.fixed)
        for reason, ex in other.fix_examples.items():
            bucket = self.fix_examples.setdefault(reason, [])
            bucket.extend(ex[: max(0, self.max_examples - len(bucket))])
        return self

    def check(self) -> None:
        if self.read != self.kept + self.n_skipped:
            raise AssertionError(f"accounting broken: read={self.read} kept={self.kept} skipped={self.n_skipped}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "kept": self.kept,
            "skipped": self.n_skipped,
            "skipped_by_reason": dict(sorted(self.skipped.items())),
            "examples": {k: v for k, v in sorted(self.examples.items())},
            "fixed_by_reason": dict(sorted(self.fixed.items())),
            "fix_examples": {k: v for k, v in sorted(self.fix_examples.items())},
        }

    def summary(self) -> str:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(self.skipped.items())) or "none"
        out = f"read {self.read}, kept {self.kept}, skipped {self.n_skipped} ({reasons})"
        if self.fixed:
            out += ", fixed " + ", ".join(f"{k}={v}" for k, v in sorted(self.fixed.items()))
        return out

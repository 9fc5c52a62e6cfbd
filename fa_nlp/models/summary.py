"""One per-module parameter table for every model kind (`fa-nlp model summary`, tests, model cards).

    rows = parameter_table(model)          # [(label, #params)], summing to model.num_parameters()
    print("\\n".join(format_table(rows)))

Why one: each model class used to walk its own modules by hand, so a module added to one kind (a
segment embedding on the vocabulary decoder, say) silently fell out of its table and the rows no
longer summed to the total. Now a model only declares its row layout (`table_layout()`: labels and
the parameter-name prefixes they cover, in print order); the counting, the per-layer expansion
(a trailing `{i}`), and the rule "every parameter lands in exactly one row" live here. A parameter that no row
claims gets a row named after its module instead of disappearing; tied weights count once, under
the first name PyTorch reports them by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: a parameter table needs no torch import of its own
    from torch import nn

Layout = list[tuple[str, str | tuple[str, ...]]]


def encoder_layout(at: str = "encoder.", extras: Layout | None = None) -> Layout:
    """Rows of an `Encoder` found at `at` (embeddings, `extras` such as a match feature, layers, norm)."""
    return [("segment_embed", f"{at}segment_embed"), ("pos_embed", f"{at}pos_embed"),
            ("embed_norm", f"{at}emb_norm"), *(extras or []),
            ("encoder.{i}", f"{at}layers.{{i}}"), ("encoder_norm", f"{at}norm")]


def _match(path: str, name: str) -> int | None:
    """None if parameter `name` is not under `path`, else the layer index a trailing `{i}` stands for (else 0)."""
    if not path.endswith("{i}"):
        return 0 if name == path or name.startswith(path + ".") else None
    head = path.removesuffix("{i}")
    index = name.removeprefix(head).partition(".")[0] if name.startswith(head) else ""
    return int(index) if index.isdigit() else None


def parameter_table(model: nn.Module) -> list[tuple[str, int]]:
    """(label, #params) rows in the model's `table_layout()` order, rows of absent modules left out; they
    sum to the model's parameter count. A module without a layout gets one row per child module that has parameters."""
    layout = model.table_layout() if hasattr(model, "table_layout") else \
        [(name, name) for name, child in model.named_children() if any(True for _ in child.parameters())]
    layout = [(label, (paths,) if isinstance(paths, str) else paths) for label, paths in layout]
    rules = [(row, label, p) for row, (label, paths) in enumerate(layout) for p in paths]
    counts: dict[tuple[int, int, str], int] = {}
    for name, p in model.named_parameters():  # tied weights appear once
        key = (len(layout), 0, name.rpartition(".")[0] or name)  # unclaimed: a row named after its module
        for row, label, path in rules:
            if (index := _match(path, name)) is not None:
                key = (row, index, label.replace("{i}", str(index)))
                break
        counts[key] = counts.get(key, 0) + p.numel()
    for row, (label, paths) in enumerate(layout):  # a module without parameters (BERT's identity norm) shows 0
        if "{i}" not in label and any(_exists(model, p) for p in paths):
            counts.setdefault((row, 0, label), 0)
    return [(label, n) for (_, _, label), n in sorted(counts.items())]


def _exists(model: nn.Module, path: str) -> bool:
    """`path` names a submodule or parameter of `model` (an optional module set to None does not)."""
    for get in (model.get_submodule, model.get_parameter):
        try:
            get(path)
            return True
        except AttributeError:
            pass
    return False


def format_table(rows: list[tuple[str, int]]) -> list[str]:
    """Aligned text lines: label, count, share of the total; then the total."""
    total = sum(n for _, n in rows)
    width = max(len(n) for n, _ in rows)
    lines = [f"  {name:<{width}}  {n:>12,}  {100 * n / total:5.1f}%" for name, n in rows]
    return [*lines, f"  {'total':<{width}}  {total:>12,}"]


class ParameterTable:
    """Mixin for nn.Modules: `num_parameters()` and `parameter_table()` from this module."""

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())  # tied weights are counted once

    def parameter_table(self) -> list[tuple[str, int]]:
        """(module, #params) rows that sum to num_parameters()."""
        return parameter_table(self)

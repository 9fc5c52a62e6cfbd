"""Dataset cards: the README.md written beside every built dataset, so a reader of the output
directory learns where the data came from, under which licences, and what it looks like.

    from fa_nlp.data.card import write_card, markdown_table
    write_card(out_dir, "Persian word order", [("Sources", markdown_table(["corpus", "licence"], rows))])

Generic on purpose (word-order and QA builders share it): a title, then (heading, markdown) sections.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from fa_nlp.io import write_text
from fa_nlp.plots import pyplot, save_png

CARD = "README.md"


def render_card(title: str, sections: Iterable[tuple[str, str]]) -> str:
    parts = [f"# {title}\n"]
    for heading, body in sections:
        parts.append(f"## {heading}\n\n{body.strip()}\n")
    return "\n".join(parts)


def write_card(directory: str | Path, title: str, sections: Iterable[tuple[str, str]]) -> Path:
    """Write `directory/README.md` atomically; returns its path."""
    path = Path(directory) / CARD
    write_text(path, render_card(title, sections))
    return path


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]], align: Sequence[str] | None = None) -> str:
    """A GitHub-flavoured Markdown table; `align` items are "l" or "r" (numbers read better right-aligned)."""
    align = align or ["l"] * len(header)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def histogram_png(path: str | Path, counts: dict[str, dict[int, int]], title: str, xlabel: str,
                  share: bool = False) -> Path:
    """Bar histogram, one series per key of `counts` ({series: {value: count}}), saved as PNG.

    `share=True` plots each series as fractions of its own total, so a small test split and a big
    train split can be compared by shape.

    matplotlib is imported here (lazily, Agg backend): building a card must not need a display.
    Written to a temp name and renamed, like every other artifact.
    """

    fig, ax = pyplot().subplots(figsize=(8, 4), dpi=100)
    n = max(1, len(counts))
    width = 0.8 / n
    for i, (name, hist) in enumerate(counts.items()):
        xs = sorted(hist)
        total = sum(hist.values()) if share else 1
        ax.bar([x - 0.4 + width * (i + 0.5) for x in xs], [hist[x] / total for x in xs], width=width,
               label=f"{name} (n={sum(hist.values())})")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of the series" if share else "count")
    ax.legend()
    fig.tight_layout()
    return save_png(fig, path, dpi=100)

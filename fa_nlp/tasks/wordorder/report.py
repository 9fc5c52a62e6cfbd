"""The word-order evaluation's readable part: report.md (scores table, seeded before/after samples) and
by_length.png. Why its own module: `evaluate.py` decodes and scores; how results are shown changes for
other reasons, and re-rendering from metrics.json needs no model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fa_nlp.metrics.generation import bucket_order, exact_match
from fa_nlp.plots import pyplot, save_png


def all_systems(metrics: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Decoding systems and scored baselines (`baseline:<name>`) of `metrics`, in report order."""
    out = dict(metrics["systems"])
    for k, v in metrics.get("baselines", {}).items():
        if "em" in v:
            out[f"baseline:{k}"] = v
    return out


def render_report(metrics: dict[str, Any], rows: Sequence[dict], preds: dict[str, list[str]],
                  sample_idx: Sequence[int]) -> str:
    """Markdown: scores table, per-length table, signatures, and sample sentences."""
    systems = all_systems(metrics)
    lines = [f"# Word-order evaluation: `{metrics['split']}` split", "",
             f"- run: `{metrics['run']}` (checkpoint `{Path(metrics['checkpoint']).name}`, step {metrics['step']})",
             f"- data: `{metrics['data']}` — {metrics['n']} sentences; device: {metrics['device']}",
             f"- beam search: length penalty {metrics['length_penalty']}, alpha = {metrics['settings']['length_penalty']}",
             f"- model kind: {metrics.get('model_kind', 'seq2seq')}" + _fusion_line(metrics.get("fusion")),
             "", "## Scores", "",
             "| system | EM | BLEU | chrF | permutation % | sentences/s |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, s in systems.items():
        speed = s.get("sentences_per_s", "")
        lines.append(f"| {name} | {s['em']:.2f} | {s['bleu']:.2f} | {s['chrf']:.2f} | {s['permutation_rate']:.1f} | {speed} |")
    lines += ["", "Signatures: " + "; ".join(f"{k} `{v}`" for k, v in metrics["signatures"].items()), ""]
    buckets = [b for b in bucket_order() if any(b in s["by_length"] for s in systems.values())]
    lines += ["## EM / BLEU by reference length (words)", "",
              "| system | " + " | ".join(f"{b} (n={next(s['by_length'][b]['n'] for s in systems.values() if b in s['by_length'])})"
                                         for b in buckets) + " |",
              "|---|" + "---:|" * len(buckets)]
    for name, s in systems.items():
        cells = [f"{s['by_length'][b]['em']:.1f} / {s['by_length'][b]['bleu']:.1f}" if b in s["by_length"] else "–"
                 for b in buckets]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", f"({metrics['plot']})" if metrics.get("plot") else "![EM and BLEU by length](by_length.png)",
              "", "## Samples (seeded random)", ""]
    for i in sample_idx:
        r = rows[i]
        lines += [f"### `{r['id']}` ({r['n_words']} words)", "", f"- shuffled: {r['src']}", f"- reference: {r['tgt']}"]
        for name in preds:
            mark = "✓" if exact_match([preds[name][i]], [r["tgt"]]).score == 100.0 else "✗"
            lines.append(f"- {name} {mark}: {preds[name][i]}")
        lines.append("")
    return "\n".join(lines)


def _fusion_line(fusion: dict | None) -> str:
    if not fusion:
        return ""
    where = f"chosen on {fusion['sentences']} {fusion['tuned_on']} sentences" if fusion.get("tuned_on") else "given"
    return f"; `+lm` systems: shallow fusion with the n-gram LM, weight {fusion['lm_weight']} ({where})"


def plot_by_length(metrics: dict[str, Any], out: str | Path) -> Path:
    """Grouped bars: EM (left) and BLEU (right) per length bucket, one bar per system."""
    systems = all_systems(metrics)
    buckets = [b for b in bucket_order() if any(b in s["by_length"] for s in systems.values())]
    fig, axes = pyplot().subplots(1, 2, figsize=(12, 4))
    width = 0.8 / max(len(systems), 1)
    for ax, key in zip(axes, ("em", "bleu")):
        for j, (name, s) in enumerate(systems.items()):
            xs = [i + (j - (len(systems) - 1) / 2) * width for i in range(len(buckets))]
            ax.bar(xs, [s["by_length"].get(b, {}).get(key, 0.0) for b in buckets], width, label=name)
        ax.set_xticks(range(len(buckets)), buckets)
        ax.set_xlabel("reference length (words)")
        ax.set_ylabel(key.upper())
        ax.set_ylim(0, 100)
        ax.set_title(f"{key.upper()} by length ({metrics['split']}, n={metrics['n']})")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return save_png(fig, out)

"""The QA evaluation's readable part: report.md (scores table, seeded sample questions) and attention.png.

Why its own module: `evaluate.py` computes and writes the numbers; how they are shown to a reader
changes for other reasons (and must not need torch to re-render from metrics.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from fa_nlp.plots import plot_attention
from fa_nlp.tokenization import load_fast_tokenizer


def excerpt(ex, golds: list[str], pred: str, width: int = 160) -> str:
    ctx = ex.original_context or ex.context
    anchor = next((ctx.find(a) for a in [*golds, pred] if a and ctx.find(a) >= 0), 0)
    lo, hi = max(0, anchor - width), min(len(ctx), anchor + width)
    return ("…" if lo else "") + ctx[lo:hi].replace("\n", " ") + ("…" if hi < len(ctx) else "")


def sample(ex, preds, refs, base_preds) -> dict[str, Any]:
    return {"id": ex.id, "question": ex.question.strip(), "context": excerpt(ex, refs[ex.id], preds[ex.id]),
            "gold": refs[ex.id], "prediction": preds[ex.id],
            "baselines": {k: v[ex.id] for k, v in base_preds.items() if k != "always_null"}}


def report_markdown(m: dict, samples: list[dict]) -> str:
    def row(name, s):
        p, q = s["persian"], s["plain"]
        return (f"| {name} | {p['exact']:.2f} | {p['f1']:.2f} | {p['HasAns_exact']:.2f} | {p['HasAns_f1']:.2f} | "
                f"{p['NoAns_exact']:.2f} | {q['exact']:.2f} | {q['f1']:.2f} |")

    lines = [f"# QA evaluation: {m['run']} on `{m['split']}`", "",
             f"{m['questions']} questions ({m['windows']} windows), checkpoint step {m['step']}. "
             f"Null threshold {m['null_threshold']:.4f} ({json.dumps(m['null_threshold_selection'], ensure_ascii=False)}).",
             "", "| system | EM | F1 | HasAns EM | HasAns F1 | NoAns EM | plain EM | plain F1 |",
             "|---|---|---|---|---|---|---|---|", row("model", m["model"])]
    lines += [row(k, v) for k, v in m["baselines"].items()]
    lines += ["", f"EM/F1: Persian-aware normalization `{m['model']['persian']['signature']}`; plain = official "
              f"SQuAD v2 normalization `{m['model']['plain']['signature']}`. Baselines are defined in "
              "`fa_nlp/tasks/qa/baselines.py` (always-null; the context sentence sharing most words with the "
              "question; that sentence minus the question's words).", "", "## Samples (seeded)", ""]
    for s in samples:
        gold = " | ".join(s["gold"]) if s["gold"] else "(no answer)"
        lines += [f"**{s['id']}**", "", f"- question: {s['question']}", f"- context: {s['context']}",
                  f"- gold: {gold}", f"- predicted: {s['prediction'] or '(no answer)'}"]
        lines += [f"- {k}: {v or '(no answer)'}" for k, v in s["baselines"].items()]
        lines.append("")
    if m.get("attention_plot") and m["attention_plot"].endswith(".png"):
        lines += ["![attention](attention.png)", ""]
    return "\n".join(lines)


def attention_png(model, sp, example_id, data, out: Path, device) -> str:
    """Last-layer attention (mean of heads) over the first 48 tokens of the example's first window."""
    if example_id is None:
        return "no samples"
    import torch

    exs = sp.examples()
    idx = next(i for i, e in enumerate(exs) if e.id == example_id)
    rows = np.flatnonzero(np.asarray(sp.example_index) == idx)
    if not len(rows):
        return "not drawn (question has no window)"
    r = int(rows[0])
    n = min(int(sp.lengths[r]), 48)
    ids = torch.from_numpy(np.asarray(sp.input_ids[r : r + 1, :n], dtype=np.int64)).to(device)
    seg = torch.from_numpy(np.asarray(sp.token_type_ids[r : r + 1, :n], dtype=np.int64)).to(device)
    maps = model.attention_maps(ids, seg)
    w = maps[f"encoder.{model.cfg.n_encoder_layers - 1}.self"][0].mean(0)
    labels = [str(i) for i in ids[0].tolist()]
    if data.tokenizer_dir is not None:
        try:
            tok = load_fast_tokenizer(data.tokenizer_dir)
            labels = [tok.id_to_token(i) or str(i) for i in ids[0].tolist()]
        except (ImportError, OSError) as e:
            print(f"note: token labels as ids ({e})")
    try:
        plot_attention(w, labels, labels, out, title=f"{example_id}: last layer, mean of heads (first {n} tokens)")
    except ImportError as e:
        return f"not drawn ({e})"
    return str(out)

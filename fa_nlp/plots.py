"""Training curves and attention heat maps as PNG (matplotlib, Agg backend, imported lazily).

    fa-nlp attention-plot --run runs/wordorder-tiny-cpu --src "..." --out attention.png
"""

from __future__ import annotations

from pathlib import Path

from fa_nlp.io import atomic_open, read_metrics


def pyplot():
    """matplotlib.pyplot on the Agg backend: plots never need a display."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_png(fig, out: str | Path, dpi: int = 110) -> Path:
    """Write a figure atomically and reproducibly (no timestamp in the PNG metadata), then close it."""

    out = Path(out)
    with atomic_open(out, "wb") as fh:
        fig.savefig(fh, format="png", dpi=dpi, metadata={"Software": None})
    pyplot().close(fig)
    return out


def plot_curves(metrics_path: str | Path, out: str | Path) -> Path | None:
    """Loss (train + dev), learning rate, and any dev_* metric against step; None if nothing logged yet."""

    rows = read_metrics(metrics_path)
    if not rows:
        return None
    plt = pyplot()
    extra = sorted({k for r in rows for k in r if k.startswith("dev_") and k != "dev_loss"})
    n = 2 + (1 if extra else 0)
    fig, axes = plt.subplots(1, n, figsize=(5 * n, 3.6))

    def series(key):
        pts = [(r["step"], r[key]) for r in rows if isinstance(r.get(key), (int, float))]
        return [p[0] for p in pts], [p[1] for p in pts]

    ax = axes[0]
    for key, label in (("loss", "train (label-smoothed)"), ("dev_loss", "dev (NLL)")):
        x, y = series(key)
        if x:
            ax.plot(x, y, label=label, marker="o" if key == "dev_loss" else None, ms=3)
    ax.set_xlabel("step"), ax.set_ylabel("loss / target token"), ax.set_title("loss"), ax.legend()
    ax.grid(alpha=0.3)
    x, y = series("lr")
    axes[1].plot(x, y)
    axes[1].set_xlabel("step"), axes[1].set_title("learning rate"), axes[1].grid(alpha=0.3)
    if extra:
        for key in extra:
            x, y = series(key)
            axes[2].plot(x, y, marker="o", ms=3, label=key)
        axes[2].set_xlabel("step"), axes[2].set_title("dev metrics"), axes[2].legend(), axes[2].grid(alpha=0.3)
    fig.tight_layout()
    return save_png(fig, out)


def plot_attention(weights, x_labels: list[str], y_labels: list[str], out: str | Path, title: str = "") -> Path:
    """Heat map of one attention matrix [Tq, Tk] (rows = queries). Persian labels are drawn as given;
    install python-bidi + arabic-reshaper for joined right-to-left glyphs (optional)."""

    plt = pyplot()
    w = weights.detach().float().cpu().numpy() if hasattr(weights, "detach") else weights
    fig, ax = plt.subplots(figsize=(max(4, 0.45 * len(x_labels) + 2), max(3, 0.4 * len(y_labels) + 1.5)))
    im = ax.imshow(w, cmap="viridis", aspect="auto", vmin=0.0)
    ax.set_xticks(range(len(x_labels)), [_display(t) for t in x_labels], rotation=90, fontsize=8)
    ax.set_yticks(range(len(y_labels)), [_display(t) for t in y_labels], fontsize=8)
    ax.set_xlabel("key (source / earlier token)"), ax.set_ylabel("query")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.04)
    fig.tight_layout()
    return save_png(fig, out)


def _display(token: str) -> str:
    try:  # optional: shape Persian for display
        import arabic_reshaper
        from bidi.algorithm import get_display

        return get_display(arabic_reshaper.reshape(token))
    except ImportError:
        return token

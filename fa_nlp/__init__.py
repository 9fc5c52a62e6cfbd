"""fa_nlp: a Persian NLP data-and-training toolkit.

    import fa_nlp
    p = fa_nlp.load("runs/wordorder-pointer-cpu")    # any finished run: its task picks the predictor
    p.predict("خانه به رفتم من .")                   # -> {"output": "من به خانه رفتم .", ...}
"""

__version__ = "0.1.0"


def load(run_dir, device: str = "auto", **options):
    """The predictor of a finished run (`fa-nlp train`'s RUN dir), for the task it was trained on:
    `.predict(input)` → a dict, `.predict([inputs])` → a list of dicts (batched).

    Word order: a string of shuffled words; QA: {"question", "context"}; MLM: a text with [MASK].
    `options` go to the task's predictor (e.g. `step=`, `beam=`, `lm_weight=`, `null_threshold=`)."""
    # imported here, not at the top: `import fa_nlp` must stay instant and import neither torch nor hazm
    from pathlib import Path

    from fa_nlp.tasks.base import make_task, run_task

    if not Path(run_dir).is_dir():
        raise FileNotFoundError(f"{run_dir}: no such run directory")
    return make_task(run_task(run_dir)).predictor(run_dir, device=device, **options)

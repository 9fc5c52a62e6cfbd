"""fa_nlp: a Persian NLP data-and-training toolkit.

    import fa_nlp
    p = fa_nlp.load("runs/wordorder-pointer-cpu")    # any finished run: its task picks the predictor
    p.predict("خانه به رفتم من .")                   # -> {"output": "من به خانه رفتم .", ...}
"""

import importlib

__version__ = "0.1.0"


def load(run_dir, device: str = "auto", **options):
    """The predictor of a finished run (`fa-nlp train`'s RUN dir), for the task it was trained on:
    `.predict(input)` → a dict, `.predict([inputs])` → a list of dicts (batched).

    Word order: a string of shuffled words; QA: {"question", "context"}; MLM: a text with [MASK].
    `options` go to the task's predictor (e.g. `step=`, `beam=`, `lm_weight=`, `null_threshold=`)."""
    # named, not imported (the registry's string-reference style): `import fa_nlp` stays instant, and the
    # task machinery below it may import this package (`__version__`) without a circle
    return importlib.import_module("fa_nlp.tasks.base").load_predictor(run_dir, device=device, **options)

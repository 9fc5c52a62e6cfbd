"""`fa-nlp export RUN --out DIR`: a finished run as a Hugging Face `save_pretrained` folder.

    fa-nlp export runs/qa-pquad-bert-cpu --out export/qa-bert
    from transformers import AutoModelForQuestionAnswering
    model = AutoModelForQuestionAnswering.from_pretrained("export/qa-bert")

The folder holds `config.json`, `model.safetensors`, the tokenizer (`tokenizer.json` +
`tokenizer_config.json`: `AutoTokenizer` gives fa_nlp's ids) and a model card `README.md` (licence
from the training data's catalog entries, datasets, the run's evaluation and baselines, limits).

No custom code where an architecture matches exactly: `arch = "bert"` span / mlm runs are plain
`BertForQuestionAnswering` / `BertForMaskedLM` (`fa_nlp.export.bert`). Kinds with no exact
counterpart (the default RoPE encoder's span / mlm / encoder models, the word-order pointer and
vocabulary decoder) add a self-contained modelling file and `auto_map` (`fa_nlp.export.remote`,
files in `hf_code/`), loaded with `trust_remote_code=True`; word-order folders carry the
sentencepiece model with a small remote-code tokenizer class (exactly sentencepiece's ids).
The folder is built in a temp sibling and renamed into place: never half written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fa_nlp import __version__
from fa_nlp.export.bert import bert_export
from fa_nlp.export.card import model_card
from fa_nlp.export.folder import load_run, tokenizer_dir, write_tokenizer, write_weights
from fa_nlp.export.remote import CODE_DIR, SPM_TOKENIZER_FILE, decoder_export, encoder_export
from fa_nlp.io import atomic_dir, write_json, write_text

USAGE = {
    "span": """```python
import torch
from transformers import AutoModelForQuestionAnswering, AutoTokenizer
tok = AutoTokenizer.from_pretrained("{out}")
model = AutoModelForQuestionAnswering.from_pretrained("{out}").eval()
question, context = "پایتخت ایران کجاست؟", "تهران پایتخت ایران است."
enc = tok(question, context, truncation="only_second", max_length={max_len}, stride={overlap}, padding=True,
          return_overflowing_tokens=True, return_offsets_mapping=True, return_tensors="pt")
with torch.no_grad():
    out = model(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"],
                attention_mask=enc["attention_mask"])
# per window: the best start <= end inside the context (enc.sequence_ids(i) == 1), at most 30 tokens,
# character span = enc["offset_mapping"]; no answer when the [CLS] (position 0) start+end logit is higher.
```

With transformers < 5 (v5 removed the question-answering pipeline):
`pipeline("question-answering", model="{out}")(question=q, context=c, max_seq_len={max_len}, doc_stride={overlap},
max_answer_len=30, handle_impossible_answer=True, align_to_words=False)` gives the same answers.""",
    "mlm": """```python
from transformers import pipeline
fill = pipeline("fill-mask", model="{out}")
fill("... [MASK] ...", top_k=5)
```""",
    "pointer": """```python
from transformers import AutoModel, AutoTokenizer
tok = AutoTokenizer.from_pretrained("{out}", trust_remote_code=True)
model = AutoModel.from_pretrained("{out}", trust_remote_code=True)
model.order_words(["رفتم خانه به من ."], tok)   # greedy: a permutation of the words
```""",
    "seq2seq": """```python
from transformers import AutoModel, AutoTokenizer
tok = AutoTokenizer.from_pretrained("{out}", trust_remote_code=True)
model = AutoModel.from_pretrained("{out}", trust_remote_code=True)
model.order_words(["رفتم خانه به من ."], tok)   # unconstrained greedy output text
```""",
    "encoder": """```python
from transformers import AutoModel, AutoTokenizer
tok, model = AutoTokenizer.from_pretrained("{out}"), AutoModel.from_pretrained("{out}")
```""",
}


def _windows(run: Path, train_cfg: dict) -> tuple[int | None, int | None]:
    """(max_length, overlap) of the run's QA windows: RUN/qa_windows.json, else its prepared data."""
    for path in (run / "qa_windows.json", Path(train_cfg.get("data", {}).get("prepared", "")) / "manifest.json"):
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        return meta.get("max_length"), meta.get("overlap")
    return None, None


def export_run(run_dir: str | Path, out_dir: str | Path, step: int | None = None, log=print) -> Path:
    """Write the Hugging Face folder of `run_dir` (latest checkpoint, or `step`) to `out_dir`; returns it."""
    model, train_cfg, ck, run = load_run(run_dir, step)
    cfg = model.cfg
    if cfg.kind not in USAGE:
        raise ValueError(f"{run}: a {cfg.kind!r} model has no exported form yet (span, mlm, encoder, pointer and "
                         "seq2seq models do)")
    code = None
    if cfg.arch == "bert":
        tensors, config = bert_export(model)
    elif cfg.kind in ("pointer", "seq2seq"):
        tensors, config, code = decoder_export(model)
    else:
        tensors, config, code = encoder_export(model)
    config["fa_nlp"] = {"version": __version__, "run": run.name, "step": int(ck.name.split("-")[-1]),
                        "kind": cfg.kind, "arch": cfg.arch}
    max_len, overlap = _windows(run, train_cfg)
    out = Path(out_dir)
    usage = USAGE[cfg.kind].format(out=out, max_len=max_len or cfg.max_len, overlap=overlap or 0)
    if code is not None and cfg.kind not in ("pointer", "seq2seq"):
        usage = usage.replace(f'from_pretrained("{out}")', f'from_pretrained("{out}", trust_remote_code=True)')
        usage = usage.replace(f'model="{out}"', f'model="{out}", trust_remote_code=True')
    info = {"kind": cfg.kind, "architecture": config["architectures"][0], "parameters": model.num_parameters(),
            "step": config["fa_nlp"]["step"], "usage": usage, "remote_code": code is not None}
    with atomic_dir(out) as tmp:
        write_weights(tmp, tensors)
        write_json(tmp / "config.json", config)
        if code is not None:
            shutil.copy2(code, tmp / code.name)
        write_tokenizer(tmp, tokenizer_dir(run), cfg.max_len, CODE_DIR / SPM_TOKENIZER_FILE)
        write_text(tmp / "README.md", model_card(run, train_cfg, info))
    log(f"wrote {out}: {info['architecture']} ({info['parameters']:,} parameters) from {run} step {info['step']}")
    return out


__all__ = ["bert_export", "export_run", "model_card"]

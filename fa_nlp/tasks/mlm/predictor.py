"""Fill-mask with a masked-LM run: `fa-nlp predict RUN "... [MASK] ..."` and `fa_nlp.load(RUN)`.

    fa-nlp predict runs/mlm-fa_text-cpu "تهران [MASK] ایران است ." --top-k 5
    p = fa_nlp.load("runs/mlm-fa_text-cpu")
    p.predict("تهران [MASK] ایران است .")
    # {"masks": [[{"token": "پایتخت", "id": 812, "prob": 0.41}, ...]], "filled": "تهران پایتخت ایران است .", ...}

Rows are built as pretraining built them (`fa_nlp.tasks.mlm.prepare`): the text normalized when the
pretraining text was, WordPiece ids without specials, `[CLS] ... [SEP]`, segment 0. Each [MASK]
gets the top-k tokens of the softmax over the whole vocabulary (as `transformers`' fill-mask
pipeline does), so the probabilities are sorted and sum to at most 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fa_nlp.tasks.base import Predictor
from fa_nlp.tasks.predict_io import (
    add_common_arguments,
    batch_starts,
    checked_list,
    load_run_model,
    predict_command,
    read_inputs,
    text_problem,
)
from fa_nlp.text import normalize
from fa_nlp.tokenization import load_fast_tokenizer

MASK = "[MASK]"
TEXT_FILE = "mlm_text.json"  # whether the pretraining text was normalized (QATask-style run file)


def text_settings(prepared_meta: dict) -> dict[str, Any]:
    return {"normalize": bool((prepared_meta.get("sources") or {}).get("normalized", False))}


def run_text_settings(run_dir: Path, train_cfg: dict) -> dict[str, Any]:
    """RUN/mlm_text.json, else the prepared data's manifest, else no normalization."""
    f = run_dir / TEXT_FILE
    if f.is_file():
        return json.loads(f.read_text(encoding="utf-8"))
    prepared = (train_cfg.get("data") or {}).get("prepared")
    m = Path(prepared) / "manifest.json" if prepared else None
    if m is not None and m.is_file():
        return text_settings(json.loads(m.read_text(encoding="utf-8")))
    return {"normalize": False}


class MLMPredictor(Predictor):
    task = "mlm"

    def __init__(self, run_dir: str | Path, device: str = "auto", step: int | None = None, top_k: int = 5,
                 batch_size: int = 32):
        self.run_dir = Path(run_dir)
        self.model, self.train_cfg, self.device = load_run_model(run_dir, step, device)
        self.tokenizer = load_fast_tokenizer(self.run_dir / "tokenizer")
        self.settings = run_text_settings(self.run_dir, self.train_cfg)
        self.top_k, self.batch_size = top_k, batch_size
        tid = self.tokenizer.token_to_id
        self.cls_id, self.sep_id, self.mask_id, self.pad_id = tid("[CLS]"), tid("[SEP]"), tid(MASK), tid("[PAD]")

    @property
    def max_tokens(self) -> int:
        return self.model.cfg.max_len - 2  # [CLS] text [SEP]

    def _text(self, text: str) -> str:
        """The text as the model was trained on it; [MASK] kept as a token of its own."""
        if not self.settings.get("normalize"):
            return text
        return f" {MASK} ".join(normalize(p).text.strip() if p.strip() else "" for p in text.split(MASK)).strip()

    def _encode(self, text: str):
        return self.tokenizer.encode(self._text(text), add_special_tokens=False)

    def problem(self, text: str) -> str | None:
        bad = text_problem(text)
        if bad:
            return bad
        if MASK not in text:
            return f"no {MASK} in the text"
        n = len(self._encode(text).ids)
        if n > self.max_tokens:
            return f"too long: {n} tokens, the model allows {self.max_tokens}"
        return None

    def predict(self, inputs, top_k: int | None = None, progress: bool = False):
        """Fill every [MASK] of one text (a str) or of each text of a list. Each result: `masks` (per
        [MASK], in order, the top-k {token, id, prob}, most probable first) and `filled` (the text
        with each [MASK] replaced by its most probable token)."""
        import torch

        single, texts = checked_list(inputs, str, self.problem)
        k = top_k or self.top_k
        dev = next(self.model.parameters()).device
        out: list[dict] = []
        for lo in batch_starts(len(texts), self.batch_size, progress, "fill-mask"):
            encs = [self._encode(t) for t in texts[lo : lo + self.batch_size]]
            rows = [[self.cls_id, *e.ids, self.sep_id] for e in encs]
            width = max(len(r) for r in rows)
            ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
            for i, r in enumerate(rows):
                ids[i, : len(r)] = torch.tensor(r)
            ids = ids.to(dev)
            with torch.no_grad():
                probs = self.model(ids, torch.zeros_like(ids)).float().softmax(-1)
            for i, (text, enc) in enumerate(zip(texts[lo:], encs)):
                out.append(self._result(text, enc, probs[i], k))
        return out[0] if single else out

    def _result(self, text: str, enc, probs, k: int) -> dict:
        norm = self._text(text)
        masks, pieces, last = [], [], 0
        for j, tok_id in enumerate(enc.ids):
            if tok_id != self.mask_id:
                continue
            p, idx = probs[j + 1].topk(min(k, probs.size(-1)))  # +1: [CLS]
            top = [{"token": self.tokenizer.id_to_token(int(t)), "id": int(t), "prob": round(float(q), 6)}
                   for q, t in zip(p.tolist(), idx.tolist())]
            masks.append(top)
            s, e = enc.offsets[j]
            pieces += [norm[last:s], top[0]["token"].removeprefix("##")]
            last = e
        return {"input": text, "masks": masks, "filled": "".join(pieces) + norm[last:]}


def add_predict_arguments(parser) -> None:
    parser.add_argument("text", nargs="*", help="a text with [MASK] (else --input FILE or stdin lines)")
    add_common_arguments(parser, "texts with [MASK]")
    parser.add_argument("--top-k", type=int, default=5, help="tokens per [MASK] (default 5)")


def _text_field(row: dict, where: str) -> str:
    if not isinstance(row.get("text"), str):
        raise KeyError("no string field 'text'")
    return row["text"]


def predict_main(run_dir: str | Path, args) -> int:
    """`fa-nlp predict RUN` for a masked-LM run (see the module docstring)."""
    p = MLMPredictor(run_dir, device=args.device, step=args.step, top_k=args.top_k, batch_size=args.batch_size)
    return predict_command(
        args, p.problem, [" ".join(args.text)] if args.text else None, lambda path: read_inputs(path, _text_field),
        "give a text with [MASK] as arguments, --input FILE, or lines on stdin",
        lambda good, progress: p.predict(good, progress=progress),
        lambda r: r["filled"] + "\t" + " | ".join(" ".join(f"{c['token']}:{c['prob']:.3f}" for c in m)
                                                  for m in r["masks"]))

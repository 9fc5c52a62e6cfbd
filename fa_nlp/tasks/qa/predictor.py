"""Extractive QA on a user's own question and context: `fa-nlp predict RUN` and `fa_nlp.load(RUN)`.

    fa-nlp predict runs/qa-pquad-cpu --question "پایتخت ایران کجاست؟" --context "تهران پایتخت ایران است."
    fa-nlp predict runs/qa-pquad-cpu --input questions.json --format jsonl     # SQuAD JSON or JSONL
    p = fa_nlp.load("runs/qa-pquad-cpu")
    p.predict({"question": "...", "context": "..."})
    # {"answer": "تهران", "start": 0, "end": 5, "score": 7.1, "null_margin": -3.2, ...}

The same path as `fa-nlp evaluate`: the context (and question) normalized as the run's data was
(`fa_nlp.text.normalize`, offset-mapped), windows of the run's length/overlap
(`fa_nlp.tasks.qa.windows`), logits batched by padded tokens (`window_logits`), then
`postprocess_predictions` puts the best span back on the ORIGINAL context: `context[start:end] ==
answer`. "" = no answer: the null score beat the best span by more than the null threshold (by
default the one the run's evaluation chose on dev; `null_margin` = null score - best span score,
so "" exactly when null_margin > threshold).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from fa_nlp.report import InputError
from fa_nlp.tasks.base import Predictor
from fa_nlp.tasks.predict_io import (
    Inputs,
    Item,
    add_common_arguments,
    batch_starts,
    checked_list,
    has_persian_letters,
    load_run_model,
    predict_command,
    read_inputs,
)
from fa_nlp.tasks.qa.examples import QAExample
from fa_nlp.tasks.qa.inference import window_logits
from fa_nlp.tasks.qa.postprocess import postprocess_predictions
from fa_nlp.tasks.qa.prepare import MANIFEST
from fa_nlp.tasks.qa.windows import encode_windows, eval_offsets
from fa_nlp.text import normalize
from fa_nlp.tokenization import load_fast_tokenizer

WINDOWS_FILE = "qa_windows.json"  # the run's window settings, written by `fa-nlp train` (QATask.write_run_files)


def window_settings(prepared_meta: dict) -> dict[str, Any]:
    """What predict needs from the prepared data to cut windows exactly as training saw them."""
    build = (prepared_meta.get("build") or {}).get("config") or {}
    missing = [k for k in ("max_length", "overlap") if k not in prepared_meta]
    if missing:
        raise ValueError(f"QA prepared manifest lacks {', '.join(missing)}: rebuild it with `fa-nlp build qa`")
    return {"max_length": int(prepared_meta["max_length"]), "overlap": int(prepared_meta["overlap"]),
            "normalize": bool(build.get("normalize", True))}


def run_window_settings(run_dir: Path, train_cfg: dict) -> dict[str, Any]:
    """RUN/qa_windows.json, else (runs trained before it was written) the prepared data's manifest."""
    f = run_dir / WINDOWS_FILE
    if f.is_file():
        return json.loads(f.read_text(encoding="utf-8"))
    prepared = (train_cfg.get("data") or {}).get("prepared")
    m = Path(prepared) / MANIFEST if prepared else None
    if m is None or not m.is_file():
        raise FileNotFoundError(f"{run_dir}: no {WINDOWS_FILE} and the prepared data ({prepared}) is not at hand: "
                                "the window length/overlap are unknown")
    return window_settings(json.loads(m.read_text(encoding="utf-8")))


def evaluated_null_threshold(run_dir: Path) -> tuple[float, str]:
    """(threshold, where it comes from): the newest evaluation's threshold chosen on dev, else 0."""
    found = []
    for m in run_dir.glob("eval-*/metrics.json"):
        meta = json.loads(m.read_text(encoding="utf-8"))
        how = (meta.get("null_threshold_selection") or {}).get("chosen_on", "")
        if how and not how.startswith(("none", "given")):
            found.append((m.stat().st_mtime, float(meta["null_threshold"]), f"chosen on {how} ({m})"))
    if not found:
        return 0.0, "0 (no evaluation of the run chose one; the HF default)"
    _, t, where = max(found)
    return t, where


class QAPredictor(Predictor):
    task = "qa"

    def __init__(self, run_dir: str | Path, device: str = "auto", step: int | None = None,
                 null_threshold: float | None = None, max_tokens: int = 8192, n_best: int = 20,
                 max_answer_length: int = 30):
        self.run_dir = Path(run_dir)
        self.model, self.train_cfg, self.device = load_run_model(run_dir, step, device)
        self.tokenizer = load_fast_tokenizer(self.run_dir / "tokenizer")
        self.windows = run_window_settings(self.run_dir, self.train_cfg)
        if null_threshold is None:
            self.null_threshold, self.threshold_source = evaluated_null_threshold(self.run_dir)
        else:
            self.null_threshold, self.threshold_source = float(null_threshold), "given"
        self.max_tokens, self.n_best, self.max_answer_length = max_tokens, n_best, max_answer_length
        self._specials = self.tokenizer.post_processor.num_special_tokens_to_add(True) \
            if self.tokenizer.post_processor is not None else 0

    @property
    def max_question_tokens(self) -> int:
        """A window must keep more than `overlap` context tokens beside the question."""
        return self.windows["max_length"] - self._specials - self.windows["overlap"] - 1

    def problem(self, item: Any) -> str | None:
        """Why `item` cannot be answered (None = it can). A context without the answer is fine."""
        if not isinstance(item, dict) or not isinstance(item.get("question"), str) \
                or not isinstance(item.get("context"), str):
            return "not a {question, context} pair"
        for key in ("question", "context"):
            if not item[key].strip():
                return f"empty {key}"
            if not has_persian_letters(item[key]):
                return f"no Persian letters in the {key}"
        n = len(self.tokenizer.encode(item["question"].strip(), add_special_tokens=False).ids)
        if n > self.max_question_tokens:
            return f"question too long: {n} tokens, the model allows {self.max_question_tokens}"
        return None

    def _examples(self, items: list[dict]) -> list:
        """QAExamples as the run's build made them; a context asked several questions (SQuAD files
        ask ~7 per paragraph) is normalized once."""
        out, seen = [], {}
        for i, it in enumerate(items):
            ctx, q = it["context"], it["question"].strip()
            if self.windows.get("normalize", True):
                if ctx not in seen:
                    n = normalize(ctx)
                    seen[ctx] = (n.text, tuple(n.offsets), tuple(n.ends))
                text, offsets, ends = seen[ctx]
                out.append(QAExample(str(i), "", "", normalize(q).text.strip(), text, (), (), ctx, offsets, ends))
            else:
                out.append(QAExample(str(i), "", "", q, ctx, (), (), ctx))
        return out

    def predict(self, inputs, null_threshold: float | None = None, progress: bool = False, batch_size: int = 64):
        """Answer one {"question", "context"} dict or a list of them. Each result: `answer` (text of
        the original context, "" = no answer), `start`/`end` (its character span there, None for ""),
        `score` (start + end logit of the best span), `null_margin` (null score - best span score)
        and `null_threshold`. Bad input is a ValueError naming it."""
        single, items = checked_list(inputs, dict, self.problem)
        t = self.null_threshold if null_threshold is None else float(null_threshold)
        out: list[dict] = []
        for lo in batch_starts(len(items), batch_size, progress, "answer"):
            out += self._answer(items[lo : lo + batch_size], t)
        return out[0] if single else out

    def _answer(self, items: list[dict], threshold: float) -> list[dict]:
        exs = self._examples(items)
        win = encode_windows([e.question.lstrip() for e in exs], [e.context for e in exs], self.tokenizer,
                             self.windows["max_length"], self.windows["overlap"], pad_to_max_length=False)
        zeros = np.zeros(len(win), dtype=np.int64)  # window_batch collates labels too: none here
        split = SimpleNamespace(input_ids=win.input_ids, token_type_ids=win.token_type_ids, lengths=win.lengths,
                                start_positions=zeros, end_positions=zeros)
        start, end = window_logits(self.model, split, np.arange(len(win)), self.max_tokens, self.model_device)
        feats = {"example_id": [exs[i].id for i in win.example_index.tolist()], "offset_mapping": eval_offsets(win)}
        preds = postprocess_predictions(exs, feats, start, end, n_best=self.n_best,
                                        max_answer_length=self.max_answer_length, null_threshold=threshold)
        out = []
        for it, ex in zip(items, exs):
            p = preds[ex.id]
            span = p.original_span
            out.append({"question": it["question"], "answer": p.text, "start": span[0] if span else None,
                        "end": span[1] if span else None, "score": _num(p.score), "null_score": _num(p.null_score),
                        "null_margin": _num(p.score_diff), "null_threshold": threshold})
        return out

    @property
    def model_device(self):
        return next(self.model.parameters()).device


def _num(x: float) -> float | None:
    return round(float(x), 4) if np.isfinite(x) else None


# ---------------------------------------------------------------------------------------------- the command


def add_predict_arguments(parser) -> None:
    parser.add_argument("--question", default=None, help="the question (with --context)")
    parser.add_argument("--context", default=None, help="the passage to answer from (with --question)")
    add_common_arguments(parser, "questions: a SQuAD JSON file, or JSONL rows {question, context}")
    parser.add_argument("--null-threshold", type=float, default=None,
                        help="answer \"\" when null score - best span score exceeds this (default: the "
                             "threshold the run's evaluation chose on dev, else 0)")


def _row(row: dict, where: str) -> dict:
    ctx = row.get("context", row.get("passage"))
    if not isinstance(row.get("question"), str) or not isinstance(ctx, str):
        raise KeyError("needs string fields 'question' and 'context'")
    return {"id": row.get("id"), "question": row["question"], "context": ctx}


def read_qa_inputs(path: str | None) -> Inputs:
    """A SQuAD JSON file (every question of every paragraph), or JSONL / stdin rows."""
    if path not in (None, "-") and str(path).endswith(".json"):
        return squad_questions(Path(path))
    return read_inputs(path, _row, as_json=True)


def squad_questions(path: Path) -> Inputs:
    """Every question of a SQuAD-layout JSON file (`data[].paragraphs[].{context, qas[].{id, question}}`;
    answers, when present, are not needed). A malformed record is a skip naming its path."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such input file")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(path, None, f"not a SQuAD JSON file ({e})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise InputError(path, None, "not a SQuAD JSON file (no top-level \"data\" list)")
    out = Inputs(from_file=True)
    for a, art in enumerate(doc["data"]):
        for p, para in enumerate(art.get("paragraphs", []) if isinstance(art, dict) else []):
            where = f"{path}:data[{a}].paragraphs[{p}]"
            qas = para.get("qas") if isinstance(para, dict) else None
            if not isinstance(qas, list):
                out.items.append(Item(where, None, "no qas list"))
                continue
            for k, q in enumerate(qas):
                w = f"{where}.qas[{k}]"
                if not isinstance(q, dict):
                    out.items.append(Item(w, None, "not a question object"))
                    continue
                value = {"id": q.get("id"), "question": q.get("question"), "context": para.get("context")}
                out.items.append(Item(w, value))
    return out


def predict_main(run_dir: str | Path, args) -> int:
    """`fa-nlp predict RUN` for a QA run (see the module docstring)."""
    p = QAPredictor(run_dir, device=args.device, step=args.step, null_threshold=args.null_threshold)
    arguments = None
    if args.question is not None or args.context is not None:
        if args.question is None or args.context is None:
            raise ValueError("--question and --context go together")
        arguments = [{"question": args.question, "context": args.context}]

    def answer(good: list[dict], progress: bool) -> list[dict]:
        results = p.predict(good, progress=progress, batch_size=args.batch_size)
        for r, v in zip(results, good):
            if v.get("id") is not None:
                r["id"] = v["id"]
        return results

    return predict_command(
        args, p.problem, arguments, read_qa_inputs,
        "give --question Q --context C, --input FILE (SQuAD JSON or JSONL), or JSONL on stdin", answer,
        lambda r: r["answer"] or f"(no answer: null margin {r['null_margin']})")

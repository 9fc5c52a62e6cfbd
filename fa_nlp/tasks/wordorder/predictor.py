"""Word order for a user's own sentences: `fa-nlp predict RUN` and `fa_nlp.load(RUN).predict(...)`.

    fa-nlp predict runs/wordorder-pointer-cpu خانه به رفتم من .
    fa-nlp predict runs/wordorder-pointer-cpu --input shuffled.txt --format jsonl --n-best 3
    p = fa_nlp.load("runs/wordorder-pointer-cpu")
    p.predict("خانه به رفتم من .")     # {"output": "من به خانه رفتم .", "score": ..., "fusion": True, ...}

Decoding is evaluation's (`decode_nbest` = `decode_texts` + the beam's n-best), so a sentence gets
the same order from `predict` as from `fa-nlp evaluate` with the same beam and fusion weight (tested).
Fusion uses the LM stored with the run (RUN/ngram-3.arpa, `fa_nlp.tasks.wordorder.arpa`) and,
by default, the weight tuned on validation (RUN/fusion.json); both are written by the first
`fa-nlp evaluate RUN`. Without them, decoding is the model's own (and the result says so).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fa_nlp.tasks.base import Predictor
from fa_nlp.tasks.predict_io import (
    add_common_arguments,
    checked_list,
    load_run_model,
    predict_command,
    read_inputs,
    text_problem,
)
from fa_nlp.tasks.wordorder.arpa import stored_lm
from fa_nlp.tasks.wordorder.evaluate import FUSION_FILE, EvalConfig, find_split, train_ngram
from fa_nlp.tasks.wordorder.predict import decode_nbest
from fa_nlp.tokenization import load_tokenizer

DEFAULT_BEAM = 5


class WordOrderPredictor(Predictor):
    task = "wordorder"

    def __init__(self, run_dir: str | Path, device: str = "auto", step: int | None = None, beam: int | None = None,
                 lm_weight: float | None = None, batch_size: int = 32, length_penalty: float = 1.0):
        self.run_dir = Path(run_dir)
        self.model, self.train_cfg, self.device = load_run_model(run_dir, step, device)
        self.tokenizer = load_tokenizer(self.run_dir / "tokenizer")
        f = self.run_dir / FUSION_FILE
        self.fusion = json.loads(f.read_text(encoding="utf-8")) if f.is_file() else None
        self.beam = beam or (self.fusion or {}).get("beam") or DEFAULT_BEAM
        self.lm_weight = lm_weight
        self.batch_size, self.alpha = batch_size, length_penalty
        self._lm: Any = None

    @property
    def max_words(self) -> int:
        """Words one sentence may have: the decoder's positions (one per word, plus the end)."""
        return self.model.cfg.max_len - 1

    def problem(self, text: str) -> str | None:
        """Why `text` cannot be ordered (None = it can)."""
        bad = text_problem(text)
        if bad:
            return bad
        n = len(text.split())
        if self.model.cfg.kind == "pointer" and n > self.max_words:
            return f"too long: {n} words, the model allows {self.max_words}"
        if self.model.cfg.kind != "pointer":
            pieces = len(self.tokenizer.encode(" ".join(text.split()))) + 1
            if pieces > self.model.cfg.max_len:
                return f"too long: {pieces} tokens, the model allows {self.model.cfg.max_len}"
        return None

    def default_lm_weight(self) -> float:
        """The run's tuned weight when the run has an LM (else 0: the model alone)."""
        if self.lm_weight is not None:
            return self.lm_weight
        if self.fusion is None or self.lm() is None:
            return 0.0
        return float(self.fusion["lm_weight"])

    def lm(self):
        """The LM stored with the run; if only the fusion weight is stored (a run evaluated before the
        LM was kept), trained from the run's data and stored, when that data is at hand."""
        if self._lm is None:
            key = (self.fusion or {}).get("key", {})
            order = int(key.get("ngram_order", 3))
            hit = stored_lm(self.run_dir, order)
            if hit is None and "fusion_lm" not in key:  # the baseline's LM can be rebuilt; a fusion LM of its own is not guessed
                hit = self._train_lm(order)
            self._lm = hit[0] if hit else False
        return self._lm or None

    def _train_lm(self, order: int):
        try:
            data = find_split(self.train_cfg, "train")
        except (FileNotFoundError, ValueError):
            return None
        lm, info = train_ngram(data, EvalConfig(ngram_order=order), self.run_dir)
        return (lm, info) if lm is not None else None

    def predict(self, inputs, beam: int | None = None, n_best: int = 1, lm_weight: float | None = None,
                progress: bool = False):
        """Order one sentence's words (a str) or a list of them. Each result: `output` (the best
        order, a permutation of the input words), `score` (length-normalised log-probability, the
        LM's share included), `n_best` (K best orders with scores, when n_best > 1), `fusion`,
        `lm_weight`, `beam`. Bad input (empty, no Persian letters, too long) is a ValueError."""
        single, texts = checked_list(inputs, str, self.problem)
        beam = beam or self.beam
        w = self.default_lm_weight() if lm_weight is None else float(lm_weight)
        lm = self.lm() if w > 0 else None
        if w > 0 and lm is None:
            raise ValueError(f"{self.run_dir}: no n-gram LM stored with the run (ngram-3.arpa) and its training "
                             "data is not at hand: run `fa-nlp evaluate RUN` once, or use --lm-weight 0")
        texts = [" ".join(t.split()) for t in texts]
        nb = decode_nbest(self.model, self.tokenizer, texts, beam_size=beam, n_best=n_best, alpha=self.alpha,
                          batch_size=self.batch_size, lm=lm, lm_weight=w if lm is not None else 0.0,
                          progress="order" if progress else False)
        out = []
        for t, hyps in zip(texts, nb):
            r = {"input": t, "output": hyps[0][0], "score": round(hyps[0][1], 6), "fusion": lm is not None,
                 "lm_weight": w if lm is not None else 0.0, "beam": beam}
            if n_best > 1:
                r["n_best"] = [{"output": o, "score": round(s, 6)} for o, s in hyps]
            out.append(r)
        return out[0] if single else out


def add_predict_arguments(parser) -> None:
    parser.add_argument("words", nargs="*", help="the shuffled words of one sentence (else --input FILE or stdin)")
    add_common_arguments(parser, "shuffled sentences")
    parser.add_argument("--beam", type=int, default=None,
                        help=f"beam size (default: the beam fusion was tuned with, else {DEFAULT_BEAM})")
    parser.add_argument("--n-best", type=int, default=1, help="also give the K best orders (jsonl; ' ||| ' in text)")
    parser.add_argument("--lm-weight", type=float, default=None,
                        help="shallow-fusion weight of the run's n-gram LM (default: the tuned one; 0 = off)")


def _src(row: dict, where: str) -> str:
    if not isinstance(row.get("src"), str):
        raise KeyError("no string field 'src'")
    return row["src"]


def predict_main(run_dir: str | Path, args) -> int:
    """`fa-nlp predict RUN` for a word-order run (see the module docstring)."""
    p = WordOrderPredictor(run_dir, device=args.device, step=args.step, batch_size=args.batch_size)
    return predict_command(
        args, p.problem, [" ".join(args.words)] if args.words else None, lambda path: read_inputs(path, _src),
        "give the words as arguments, --input FILE, or lines on stdin",
        lambda good, progress: p.predict(good, beam=args.beam, n_best=args.n_best, lm_weight=args.lm_weight,
                                         progress=progress),
        lambda r: " ||| ".join(h["output"] for h in r.get("n_best", [r])))

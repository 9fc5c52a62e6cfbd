"""The word-order task for the training loop: shuffled words -> ordered sentence.

Two model kinds (`model.kind`): `seq2seq` (vocabulary decoder; target = pieces + EOS, cross-entropy
with label smoothing) and `pointer` (picks source word slots; duplicates are equivalent targets).
Both read the same prepared arrays (`fa-nlp prepare`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fa_nlp.data.prepared import copy_tokenizer
from fa_nlp.tasks.base import Task
from fa_nlp.tasks.wordorder.build_config import WordOrderConfig
from fa_nlp.tasks.wordorder.evaluate import quick_dev_metrics
from fa_nlp.tasks.wordorder.pointer_batches import pointer_collate, pointer_loss
from fa_nlp.tasks.wordorder.prepare import collate, load_prepared
from fa_nlp.tokenization import load_tokenizer
from fa_nlp.training.config import resolve_model_config


@dataclass
class WordOrderTrainSection:
    """`[wordorder]` in a training config: the keys only word order has."""

    reshuffle_source_words: bool = False  # draw a fresh source word order every epoch (seeded)


class WordOrderTask(Task):
    name = "wordorder"
    help = "shuffled words -> ordered sentence (vocabulary decoder or pointer over source words)"
    model_kinds = ("seq2seq", "pointer")
    config_section = WordOrderTrainSection
    build_config = WordOrderConfig
    legacy_config_keys = {"data.reshuffle_source_words": "wordorder.reshuffle_source_words"}
    verbs_module = "fa_nlp.tasks.wordorder.verbs"  # build / prepare / evaluate
    predictor_class = "fa_nlp.tasks.wordorder.predictor:WordOrderPredictor"
    # a pointer run's Hugging Face folder: modelling file + sentencepiece tokenizer (trust_remote_code)
    export_function = "fa_nlp.export:export_run"


    def load(self, cfg) -> None:
        if not cfg.data.prepared:
            raise ValueError("data.prepared is empty: point it at a directory written by `fa-nlp prepare`")
        self.cfg = cfg
        self.data = load_prepared(cfg.data.prepared)
        if cfg.data.train_split not in self.data.splits:
            raise ValueError(f"{self.data.path}: no split {cfg.data.train_split!r} (has {sorted(self.data.splits)})")
        meta = self.data.meta
        self.pad, self.bos, self.eos = int(meta["pad_id"]), int(meta["bos_id"]), int(meta["eos_id"])
        self.pointer = cfg.model.kind == "pointer"
        self.reshuffle = getattr(cfg, self.name, WordOrderTrainSection()).reshuffle_source_words
        self.word_start = self.data.word_starts() if (self.reshuffle or self.pointer) else None
        if self.word_start is None and (self.reshuffle or self.pointer):
            need = "model.kind=pointer" if self.pointer else "wordorder.reshuffle_source_words"
            raise ValueError(f"{self.data.path}: {need} needs word_start.npy; re-run `fa-nlp prepare`")
        self._tokenizer, self._dev_pairs = None, None

    def model_config(self, cfg):
        return resolve_model_config(cfg.model, self.data.meta)

    def has_split(self, split: str) -> bool:
        return split in self.data.splits

    def lengths(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        sp = self.data.splits[split]
        if not self.pointer:
            return sp.src_lens, sp.tgt_lens
        pieces = np.diff(sp.tgt_offsets)
        starts = self.word_start[sp.tgt_ids].astype(np.int64)
        starts[sp.tgt_offsets[:-1][pieces > 0]] = 1  # a target's first piece always starts a word
        words = np.add.reduceat(starts, sp.tgt_offsets[:-1]) if len(starts) else np.zeros(len(sp), np.int64)
        return pieces, words + 1

    def batch(self, split: str, indices: list[int], epoch: int, train: bool = True) -> dict[str, Any]:
        sp = self.data.splits[split]
        if self.pointer:
            keys = [(self.cfg.seed, epoch, int(i)) if train else (0, int(i)) for i in indices]
            return pointer_collate([sp.tgt(i) for i in indices], self.word_start, keys)

        ws = self.word_start if train and self.reshuffle else None
        src, tin, tout = collate(sp, indices, self.pad, self.bos, self.eos, ws, (self.cfg.seed, epoch))
        return {"src": src, "tgt_in": tin, "tgt_out": tout, "n_targets": int(tout.ne(self.pad).sum())}

    def loss(self, model, batch: dict[str, Any], label_smoothing: float = 0.0):
        import torch.nn.functional as F

        if self.pointer:
            return pointer_loss(model((batch["pieces"], batch["word_index"]), batch["tgt_in"]), batch)
        logits = model(batch["src"], batch["tgt_in"])
        return F.cross_entropy(logits.float().flatten(0, 1), batch["tgt_out"].flatten(), ignore_index=self.pad,
                               label_smoothing=label_smoothing, reduction="sum")

    def dev_metrics(self, model, max_examples: int) -> dict[str, float]:
        tok = self._load_tokenizer()
        if tok is None:
            return {}
        if self._dev_pairs is None:
            self._dev_pairs = self.data.pairs(self.cfg.data.dev_split, max_examples)
        return quick_dev_metrics(model, tok, self._dev_pairs, max_examples)

    def _load_tokenizer(self):
        if self._tokenizer is None and self.data.tokenizer_dir is not None:
            try:
                self._tokenizer = load_tokenizer(self.data.tokenizer_dir)
            except (ImportError, OSError, RuntimeError) as e:  # e.g. sentencepiece missing: dev EM/BLEU off
                print(f"note: tokenizer not loadable ({e}); dev EM/BLEU disabled")
                self._tokenizer = False
        return self._tokenizer or None

    def write_run_files(self, run_dir: Path) -> None:
        copy_tokenizer(self.data.path, run_dir)

"""QA windows encoded once → both run_qa.py's Arrow features (`hf/`) and the numpy arrays `train` reads.

    from fa_nlp.tasks.qa.features import encode_role
    enc = encode_role(examples, tokenizer, cfg, "train", arrays=True)
    enc.table        # pyarrow.Table: input_ids, token_type_ids, attention_mask, start/end_positions (run_qa)
    enc.arrays       # numpy: input_ids, token_type_ids, lengths, start/end_positions, example_index, offsets
    enc.report       # windows per example, [CLS] share, answers in no window, ...

Why one pass: `fa-nlp build qa` used to write the Arrow features, and `prepare qa` re-encoded the same
windows to get numpy arrays with each window's example and character offsets (which the train
features do not carry), then checked them token for token. Both now come from the same
`encode_windows` call per batch, so they cannot disagree and the tokenizer runs once.

pyarrow is imported inside the functions that build Arrow columns: it comes with `datasets` and a
machine that only trains (reads numpy) may lack it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fa_nlp.tasks.qa.examples import QAExample
from fa_nlp.tasks.qa.windows import Windows, cls_positions, encode_windows, label_windows

ARRAY_NAMES = ("input_ids", "token_type_ids", "lengths", "start_positions", "end_positions", "example_index",
               "offsets")


@dataclass
class RoleFeatures:
    table: Any  # pyarrow.Table of run_qa features (None when the role has no examples)
    report: dict[str, Any]  # WindowReport.to_dict()
    arrays: dict[str, np.ndarray] | None  # numpy windows (see `numpy_windows`), when asked for


def answer_chars(batch: list[QAExample]) -> tuple[np.ndarray, np.ndarray]:
    """(start_char, end_char) of each example's FIRST answer (what run_qa trains on); -1 when none."""
    sc = np.array([e.answer_starts[0] if e.answer_starts else -1 for e in batch], dtype=np.int64)
    ec = np.array([s + len(e.answer_texts[0]) if e.answer_texts else -1 for e, s in zip(batch, sc)])
    return sc, ec


def numpy_windows(win: Windows, s_pos: np.ndarray, e_pos: np.ndarray, first_example: int,
                  max_length: int) -> dict[str, np.ndarray]:
    """One batch's windows as the prepared arrays: rows padded to `max_length`, offsets -1 outside the
    context (run_qa's None), `example_index` counted from `first_example` (the batch's first row)."""
    width = win.input_ids.shape[1]
    pos = np.arange(width)[None, :]
    ctx = (pos >= win.context_start[:, None]) & (pos <= win.context_end[:, None]) & (win.context_start[:, None] >= 0)
    offs = np.where(ctx[..., None], win.offsets, -1)
    pad_to = max_length - width
    return {
        "input_ids": np.pad(win.input_ids, ((0, 0), (0, pad_to))),
        "token_type_ids": np.pad(win.token_type_ids, ((0, 0), (0, pad_to))),
        "lengths": win.attention_mask.sum(1),
        "start_positions": s_pos, "end_positions": e_pos,
        "example_index": win.example_index + first_example,
        "offsets": np.pad(offs, ((0, 0), (0, pad_to), (0, 0)), constant_values=-1),
    }


def concat_arrays(parts: list[dict[str, np.ndarray]], max_length: int) -> dict[str, np.ndarray]:
    """Batches of `numpy_windows` → one set of arrays (empty, correctly shaped ones for no windows)."""
    if not parts:
        empty = {k: np.zeros(0, np.int64) for k in ARRAY_NAMES}
        empty.update(input_ids=np.zeros((0, max_length), np.int64), token_type_ids=np.zeros((0, max_length), np.int64),
                     offsets=np.zeros((0, max_length, 2), np.int64))
        return empty
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def encode_role(examples: list[QAExample], tokenizer, cfg, role: str, arrays: bool = False) -> RoleFeatures:
    """Arrow features (+ numpy arrays when `arrays`) and the window report of one role, in batches of
    `cfg.batch_size` examples (the output does not depend on it). `cfg` is a `QABuildConfig`."""
    import pyarrow as pa

    tables, parts, rep = [], [], WindowReport()
    for lo in range(0, len(examples), cfg.batch_size):
        batch = examples[lo : lo + cfg.batch_size]
        win = encode_windows(
            [e.question.lstrip() for e in batch], [e.context for e in batch], tokenizer,
            cfg.max_length, cfg.overlap, cfg.pad_to_max_length, skip_too_long=True,
        )
        sc, ec = answer_chars(batch)
        cls = cls_positions(win, tokenizer)
        s_pos, e_pos = label_windows(win, sc[win.example_index], ec[win.example_index], cls)
        cols = {
            "input_ids": _list_array(win.input_ids, win.lengths, pa.int32()),
            "token_type_ids": _list_array(win.token_type_ids, win.lengths, pa.int8()),
            "attention_mask": _list_array(win.attention_mask, win.lengths, pa.int8()),
        }
        if role == "train":
            cols["start_positions"] = pa.array(s_pos, pa.int64())
            cols["end_positions"] = pa.array(e_pos, pa.int64())
        else:
            cols["offset_mapping"] = _offsets_array(win)
            cols["example_id"] = pa.array([batch[i].id for i in win.example_index.tolist()], pa.string())
        tables.append(pa.table(cols))
        if arrays:
            parts.append(numpy_windows(win, s_pos, e_pos, lo, cfg.max_length))
        rep.add(win, batch, sc, ec, s_pos, e_pos, cls)
    table = pa.concat_tables(tables) if tables else None
    return RoleFeatures(table, rep.to_dict(), concat_arrays(parts, cfg.max_length) if arrays else None)


def encode_examples(examples: list[QAExample], tokenizer, max_length: int, overlap: int, pad: bool,
                    batch_size: int = 2000) -> dict[str, np.ndarray]:
    """The numpy windows of `examples` alone (no Arrow): what the deprecated `prepare qa --build`
    computes from an older build's stored examples."""
    parts = []
    for lo in range(0, len(examples), batch_size):
        batch = examples[lo : lo + batch_size]
        win = encode_windows([e.question.lstrip() for e in batch], [e.context for e in batch], tokenizer,
                             max_length, overlap, pad, skip_too_long=True)
        sc, ec = answer_chars(batch)
        s_pos, e_pos = label_windows(win, sc[win.example_index], ec[win.example_index], cls_positions(win, tokenizer))
        parts.append(numpy_windows(win, s_pos, e_pos, lo, max_length))
    return concat_arrays(parts, max_length)


def feature_tables(examples: list[QAExample], tokenizer, cfg, role: str):
    """(pyarrow.Table of run_qa features, window report) for one role: `encode_role` without arrays."""
    enc = encode_role(examples, tokenizer, cfg, role)
    return enc.table, enc.report


# --------------------------------------------------------------------------- features → Arrow


def _list_array(a2d: np.ndarray, lengths: np.ndarray, dtype):
    import pyarrow as pa

    width = a2d.shape[1]
    if (lengths == width).all():
        values, offsets = a2d.reshape(-1), np.arange(len(a2d) + 1, dtype=np.int64) * width
    else:
        values = a2d[np.arange(width)[None, :] < lengths[:, None]]
        offsets = np.concatenate([[0], np.cumsum(lengths)])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int64()), pa.array(values, dtype)).cast(pa.list_(dtype))


def _offsets_array(win: Windows):
    """list<list<int64>>: [start, end] for context tokens, null elsewhere (run_qa's None)."""
    import pyarrow as pa

    width = win.offsets.shape[1]
    pos = np.arange(width)[None, :]
    valid = pos < win.lengths[:, None]
    ctx = (pos >= win.context_start[:, None]) & (pos <= win.context_end[:, None]) & (win.context_start[:, None] >= 0)
    pairs = win.offsets[valid]
    inner = pa.ListArray.from_arrays(
        pa.array(np.arange(len(pairs) + 1, dtype=np.int32) * 2, pa.int32()),
        pa.array(pairs.reshape(-1), pa.int64()),
        mask=pa.array(~ctx[valid]),
    )
    outer_offsets = np.concatenate([[0], np.cumsum(win.lengths)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(outer_offsets, pa.int32()), inner)


# --------------------------------------------------------------------------- window report


class WindowReport:
    """Windows per example, [CLS] share, answerable questions with no window, labels not covering the answer."""

    def __init__(self) -> None:
        self.examples = self.windows = self.cls = self.answerable = self.no_window = 0
        self.not_covering = 0
        self.too_long: list[str] = []
        self.per_example: dict[int, int] = {}
        self.not_covering_examples: list[str] = []

    def add(self, win, batch, sc, ec, s_pos, e_pos, cls) -> None:
        n = len(batch)
        counts = np.bincount(win.example_index, minlength=n)
        for c, k in zip(*np.unique(counts, return_counts=True)):
            self.per_example[int(c)] = self.per_example.get(int(c), 0) + int(k)
        self.examples += n
        self.windows += len(win)
        self.too_long += [batch[i].id for i in win.too_long.tolist()]
        labelled = (s_pos != cls) | (e_pos != cls)  # a span label, not [CLS]
        cls_rows = ~labelled
        self.cls += int(cls_rows.sum())
        has_answer = sc >= 0
        self.answerable += int(has_answer.sum())
        got = np.zeros(n, dtype=bool)
        got[win.example_index[labelled]] = True
        self.no_window += int((has_answer & ~got).sum())
        rows = np.flatnonzero(labelled)
        if len(rows):
            w = win.offsets
            s_char = w[rows, np.minimum(s_pos[rows], w.shape[1] - 1), 0]
            e_char = w[rows, np.minimum(e_pos[rows], w.shape[1] - 1), 1]
            ex = win.example_index[rows]
            bad = (s_char > sc[ex]) | (e_char < ec[ex]) | (s_pos[rows] > e_pos[rows])
            self.not_covering += int(bad.sum())
            for r in rows[bad][: max(0, 3 - len(self.not_covering_examples))].tolist():
                self.not_covering_examples.append(batch[int(win.example_index[r])].id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "windows": self.windows,
            "windows_per_example_avg": round(self.windows / self.examples, 4) if self.examples else 0.0,
            "windows_per_example_hist": dict(sorted(self.per_example.items())),
            "cls_windows": self.cls,
            "cls_window_share": round(self.cls / self.windows, 4) if self.windows else 0.0,
            "answerable_questions": self.answerable,
            "answerable_in_no_window": self.no_window,
            "labels_not_covering_answer": self.not_covering,
            "labels_not_covering_answer_examples": self.not_covering_examples,
            "too_long_questions_skipped": len(self.too_long),
            "too_long_question_ids": self.too_long[:20],
        }

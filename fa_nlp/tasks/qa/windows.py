"""QA examples → overlapping token windows (train features with span labels, eval features with offsets).

Identical output to HF `run_qa.py` (`prepare_train_features` / `prepare_validation_features`) for
the same fast tokenizer and settings, checked on every PQuAD Validation/Test question
(`tests/tasks/qa/test_parity.py`, `benchmarks/bench_qa_features.py`), but faster:

* each distinct context is tokenized ONCE (PQuAD has ~7 questions per paragraph; run_qa
  re-tokenizes the paragraph for every question), and each question once;
* windows are cut and assembled with numpy exactly as the Rust tokenizer does it
  (`Encoding.truncate(max_len, stride)`: windows of `max_len` context tokens starting every
  `max_len - overlap` tokens, until one reaches the end), then the template's special tokens
  are placed around them;
* labels are computed on whole (windows × tokens) arrays instead of per-token Python loops.

Tokenizers whose post-processor is not a plain template (RoBERTa/ByteLevel offset trimming)
use the "direct" method: Rust `encode_batch` on the pairs with truncation/stride set, then the
same numpy labelling.

**`overlap`** is the number of context tokens two consecutive windows share: HF tokenizers'
`stride=`, which `run_qa.py` fills from its `--doc_stride` flag. The original BERT
`run_squad.py` used "doc_stride" for the *step* between window starts (step = window - overlap).

Padding: rows are padded to `max_length` by default, as `run_qa.py` does (`pad_to_max_length=True`);
`pad_to_max_length=False` gives variable-length rows (the reference's `padding=False`).

    from fa_nlp.tasks.qa.windows import prepare_train_features, prepare_eval_features
    cols = prepare_train_features(batch, tokenizer, max_length=384, overlap=128)
    # batch: {"id": [...], "question": [...], "context": [...], "answers": [{"text": [...], "answer_start": [...]}]}
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

TRAIN_COLUMNS = ("input_ids", "token_type_ids", "attention_mask", "start_positions", "end_positions")
EVAL_COLUMNS = ("input_ids", "token_type_ids", "attention_mask", "offset_mapping", "example_id")
METHODS = ("auto", "fast", "direct")


@dataclass
class Windows:
    """Encoded windows as arrays, one row per window (rows padded to `width`)."""

    example_index: np.ndarray  # (W,) which input example each window came from
    input_ids: np.ndarray  # (W, width)
    token_type_ids: np.ndarray  # (W, width)
    attention_mask: np.ndarray  # (W, width)
    offsets: np.ndarray  # (W, width, 2) char offsets; context tokens index the context, question tokens the question
    lengths: np.ndarray  # (W,) row length (== width when padded to max_length)
    context_start: np.ndarray  # (W,) first context token of the row
    context_end: np.ndarray  # (W,) last context token of the row (inclusive)
    too_long: np.ndarray  # example indices given no window: question leaves <= overlap context tokens

    def __len__(self) -> int:
        return len(self.example_index)


# --------------------------------------------------------------------------- tokenizer plumbing


def backend_tokenizer(tokenizer: Any):
    """The Rust `tokenizers.Tokenizer` behind a transformers fast tokenizer (or itself)."""
    return getattr(tokenizer, "backend_tokenizer", tokenizer)


def _special_id(tokenizer: Any, attr: str, candidates: Sequence[str]) -> int | None:
    if hasattr(tokenizer, attr):  # transformers tokenizer: use what it declares, as run_qa does
        return getattr(tokenizer, attr)
    for tok in candidates:
        i = tokenizer.token_to_id(tok)
        if i is not None:
            return i
    return None


def cls_and_bos_ids(tokenizer: Any) -> tuple[int | None, int | None]:
    """Ids run_qa looks for to place the "no answer" label: cls_token_id, then bos_token_id."""
    return (
        _special_id(tokenizer, "cls_token_id", ["[CLS]", "<cls>"]),
        _special_id(tokenizer, "bos_token_id", ["<s>", "[BOS]"]),
    )


def _pad_settings(tokenizer: Any) -> dict[str, Any]:
    back = backend_tokenizer(tokenizer)
    if hasattr(tokenizer, "pad_token_id") and tokenizer.pad_token_id is not None:
        return {"pad_id": tokenizer.pad_token_id, "pad_token": tokenizer.pad_token,
                "pad_type_id": tokenizer.pad_token_type_id}
    for tok in ("[PAD]", "<pad>"):
        if back.token_to_id(tok) is not None:
            return {"pad_id": back.token_to_id(tok), "pad_token": tok, "pad_type_id": 0}
    raise ValueError("tokenizer has no padding token ([PAD] or <pad>): cannot pad windows")


@contextlib.contextmanager
def _settings(back, truncation: dict | None, padding: dict | None) -> Iterator[None]:
    """Set truncation/padding on the Rust tokenizer for one call, then restore what was there
    (transformers leaves its last settings on the shared backend)."""
    old_t, old_p = back.truncation, back.padding
    try:
        back.no_truncation() if truncation is None else back.enable_truncation(**truncation)
        back.no_padding() if padding is None else back.enable_padding(**padding)
        yield
    finally:
        back.no_truncation() if old_t is None else back.enable_truncation(**old_t)
        back.no_padding() if old_p is None else back.enable_padding(**old_p)


@dataclass(frozen=True)
class PairTemplate:
    """Where the post-processor puts special tokens around (question, context) and which type ids
    each part gets, read off one probe encoding."""

    pre: tuple[int, ...]
    mid: tuple[int, ...]
    post: tuple[int, ...]
    pre_types: tuple[int, ...]
    mid_types: tuple[int, ...]
    post_types: tuple[int, ...]
    type_a: int
    type_b: int

    @property
    def n_added(self) -> int:
        return len(self.pre) + len(self.mid) + len(self.post)


def pair_template(tokenizer: Any) -> PairTemplate | None:
    """The pair layout if the fast method reproduces this tokenizer exactly, else None."""
    back = backend_tokenizer(tokenizer)
    proc = back.post_processor
    if proc is not None and type(proc).__name__ not in ("TemplateProcessing", "BertProcessing"):
        return None  # RoBERTa/ByteLevel processors trim offsets: use the direct method
    with _settings(back, None, None):
        enc = back.encode("سوال a", "متن b")
        a = back.encode("سوال a", add_special_tokens=False)
        b = back.encode("متن b", add_special_tokens=False)
    seq = enc.sequence_ids
    ia = [k for k, s in enumerate(seq) if s == 0]
    ib = [k for k, s in enumerate(seq) if s == 1]
    if not ia or not ib or ia != list(range(ia[0], ia[-1] + 1)) or ib != list(range(ib[0], ib[-1] + 1)):
        return None
    if ia[-1] >= ib[0]:
        return None
    ids, types, offs = enc.ids, enc.type_ids, enc.offsets
    if [ids[k] for k in ia] != a.ids or [ids[k] for k in ib] != b.ids:
        return None
    if len({types[k] for k in ia}) != 1 or len({types[k] for k in ib}) != 1:
        return None
    pre, mid, post = range(ia[0]), range(ia[-1] + 1, ib[0]), range(ib[-1] + 1, len(ids))
    if any(offs[k] != (0, 0) for k in chain(pre, mid, post)):
        return None
    if len(pre) + len(mid) + len(post) != back.num_special_tokens_to_add(True):
        return None
    return PairTemplate(
        tuple(ids[k] for k in pre), tuple(ids[k] for k in mid), tuple(ids[k] for k in post),
        tuple(types[k] for k in pre), tuple(types[k] for k in mid), tuple(types[k] for k in post),
        types[ia[0]], types[ib[0]],
    )


# --------------------------------------------------------------------------- windowing


def _check(max_length: int, overlap: int) -> None:
    if overlap < 0 or max_length <= 0:
        raise ValueError(f"need max_length > 0 and overlap >= 0, got max_length={max_length} overlap={overlap}")


def _flatten(encodings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ids (N,), offsets (N, 2) of all encodings back to back, and each one's start (len+1)."""
    lens = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
    starts = np.zeros(len(encodings) + 1, dtype=np.int64)
    np.cumsum(lens, out=starts[1:])
    n = int(starts[-1])
    ids = np.fromiter(chain.from_iterable(e.ids for e in encodings), dtype=np.int64, count=n)
    offs = np.fromiter(
        chain.from_iterable(chain.from_iterable(e.offsets for e in encodings)), dtype=np.int64, count=2 * n
    ).reshape(n, 2)
    return ids, offs, starts


def _too_long(n_q, n_ctx, budget: int, overlap: int) -> np.ndarray:
    """Rust would fail on these (its SequenceTooShort error or a `stride < max_len` panic)."""
    truncate = n_q + n_ctx > budget
    return truncate & (budget - n_q <= overlap)


def _raise_too_long(i: int, n_q: int, budget: int, max_length: int, overlap: int) -> None:
    raise ValueError(
        f"example {i}: question of {n_q} tokens leaves {budget - n_q} context tokens per window "
        f"(max_length={max_length}), not more than overlap={overlap}; shorten it or pass skip_too_long=True"
    )


def _window_fast(questions, contexts, tokenizer, template: PairTemplate, max_length, overlap, pad, skip) -> Windows:
    back = backend_tokenizer(tokenizer)
    # Deduplicate contexts: the main saving (run_qa tokenizes each paragraph once per question).
    uniq: dict[str, int] = {}
    ctx_index = np.fromiter((uniq.setdefault(c, len(uniq)) for c in contexts), dtype=np.int64, count=len(contexts))
    with _settings(back, None, None):
        c_enc = back.encode_batch(list(uniq), add_special_tokens=False)
        q_enc = back.encode_batch(list(questions), add_special_tokens=False)
    c_ids, c_offs, c_start = _flatten(c_enc)
    q_ids, q_offs, q_start = _flatten(q_enc)
    n_ctx = (c_start[1:] - c_start[:-1])[ctx_index]
    n_q = q_start[1:] - q_start[:-1]

    # Rust truncation: `max_length - n_added` tokens for the pair, only the context gives way.
    budget = max_length - template.n_added
    win_len = budget - n_q  # context tokens per window when truncating
    truncate = n_q + n_ctx > budget
    bad = _too_long(n_q, n_ctx, budget, overlap)
    if bad.any() and not skip:
        i = int(np.flatnonzero(bad)[0])
        _raise_too_long(i, int(n_q[i]), budget, max_length, overlap)
    step = np.where(truncate & ~bad, win_len - overlap, 1)
    # windows start at 0, step, 2*step, ... until one reaches the end of the context
    n_win = np.where(truncate, np.maximum(1, -(-(n_ctx - win_len) // step) + 1), 1)
    n_win[bad] = 0
    ex = np.repeat(np.arange(len(questions)), n_win)
    first = np.zeros(len(n_win) + 1, dtype=np.int64)
    np.cumsum(n_win, out=first[1:])
    k = np.arange(len(ex)) - first[ex]
    w_start = k * step[ex]
    w_len = np.where(truncate[ex], np.minimum(win_len[ex], n_ctx[ex] - w_start), n_ctx[ex])

    P, M, Q = len(template.pre), len(template.mid), n_q[ex]
    b1 = P
    b2 = b1 + Q
    b3 = b2 + M
    b4 = b3 + w_len
    length = b4 + len(template.post)
    width = max_length if pad else int(length.max(initial=0))

    # One source table: [pre | mid | post | pad | question tokens | context tokens]; every row is a gather.
    specials = np.array(template.pre + template.mid + template.post, dtype=np.int64)
    stypes = np.array(template.pre_types + template.mid_types + template.post_types, dtype=np.int64)
    pads = _pad_settings(tokenizer)
    n_sp = len(specials)
    pad_src = n_sp
    q_base = n_sp + 1
    c_base = q_base + len(q_ids)
    src_ids = np.concatenate([specials, [pads["pad_id"]], q_ids, c_ids])
    src_types = np.concatenate(
        [stypes, [pads["pad_type_id"]], np.full(len(q_ids), template.type_a), np.full(len(c_ids), template.type_b)]
    )
    src_offs = np.concatenate([np.zeros((n_sp + 1, 2), dtype=np.int64), q_offs, c_offs])

    pos = np.arange(width)[None, :]
    col = lambda a: a[:, None]
    src = np.full((len(ex), width), pad_src, dtype=np.int64)
    m = pos < b1
    src = np.where(m, pos, src)
    m = (pos >= b1) & (pos < col(b2))
    src = np.where(m, q_base + col(q_start[ex]) + (pos - b1), src)
    m = (pos >= col(b2)) & (pos < col(b3))
    src = np.where(m, P + (pos - col(b2)), src)
    m = (pos >= col(b3)) & (pos < col(b4))
    src = np.where(m, c_base + col(c_start[ctx_index[ex]] + w_start) + (pos - col(b3)), src)
    m = (pos >= col(b4)) & (pos < col(length))
    src = np.where(m, P + M + (pos - col(b4)), src)

    return Windows(
        example_index=ex,
        input_ids=src_ids[src],
        token_type_ids=src_types[src],
        attention_mask=(pos < col(length)).astype(np.int64),
        offsets=src_offs[src],
        lengths=np.full(len(ex), width, dtype=np.int64) if pad else length,
        context_start=b3,
        context_end=b4 - 1,
        too_long=np.flatnonzero(bad),
    )


def _window_direct(questions, contexts, tokenizer, max_length, overlap, pad, skip) -> Windows:
    """Rust `encode_batch` on the pairs, exactly as transformers drives it."""
    back = backend_tokenizer(tokenizer)
    with _settings(back, None, None):
        n_q = np.array([len(e.ids) for e in back.encode_batch(list(questions), add_special_tokens=False)], dtype=np.int64)
        n_c = np.array([len(e.ids) for e in back.encode_batch(list(contexts), add_special_tokens=False)], dtype=np.int64)
    budget = max_length - back.num_special_tokens_to_add(True)
    bad = _too_long(n_q, n_c, budget, overlap)
    if bad.any() and not skip:
        i = int(np.flatnonzero(bad)[0])
        _raise_too_long(i, int(n_q[i]), budget, max_length, overlap)
    keep = np.flatnonzero(~bad).tolist()
    questions, contexts = [questions[i] for i in keep], [contexts[i] for i in keep]
    trunc = {"max_length": max_length, "stride": overlap, "strategy": "only_second", "direction": "right"}
    padding = {"length": max_length, "direction": "right", "pad_to_multiple_of": None, **_pad_settings(tokenizer)}
    with _settings(back, trunc, padding if pad else None):
        encs = back.encode_batch(list(zip(questions, contexts)))
    rows, ex = [], []
    for i, e in zip(keep, encs):
        rows.append(e)
        rows.extend(e.overflowing)
        ex.extend([i] * (1 + len(e.overflowing)))
    lengths = np.fromiter((len(e.ids) for e in rows), dtype=np.int64, count=len(rows))
    width = max_length if pad else int(lengths.max(initial=0))
    n = len(rows)
    ids = np.zeros((n, width), dtype=np.int64)
    types = np.zeros((n, width), dtype=np.int64)
    att = np.zeros((n, width), dtype=np.int64)
    offs = np.zeros((n, width, 2), dtype=np.int64)
    seq = np.full((n, width), -1, dtype=np.int64)
    for r, e in enumerate(rows):
        L = len(e.ids)
        ids[r, :L], types[r, :L], att[r, :L] = e.ids, e.type_ids, e.attention_mask
        offs[r, :L] = e.offsets
        seq[r, :L] = [-1 if s is None else s for s in e.sequence_ids]
    if not pad:
        ids[:, :] = np.where(np.arange(width)[None, :] < lengths[:, None], ids, _pad_settings(tokenizer)["pad_id"])
    is_ctx = seq == 1
    has = is_ctx.any(axis=1)
    cs = np.where(has, is_ctx.argmax(axis=1), -1)
    ce = np.where(has, width - 1 - is_ctx[:, ::-1].argmax(axis=1), -1)
    return Windows(np.asarray(ex, dtype=np.int64), ids, types, att, offs, lengths, cs, ce, np.flatnonzero(bad))


def encode_windows(
    questions: Sequence[str],
    contexts: Sequence[str],
    tokenizer: Any,
    max_length: int = 384,
    overlap: int = 128,
    pad_to_max_length: bool = True,
    method: str = "auto",
    skip_too_long: bool = False,
) -> Windows:
    """Tokenize (question, context) pairs into windows. Questions are used as given (strip them first).
    `overlap`: context tokens shared by consecutive windows (HF `stride`), so windows start every
    `max_length - len(question) - special tokens - overlap` context tokens.

    A question so long that a window would hold no more than `overlap` context tokens makes the
    Rust tokenizer fail (run_qa crashes on it, e.g. PQuAD Test at 128/32): by default a ValueError
    naming the example; with `skip_too_long=True` it gets no window and is listed in `too_long`.
    """
    _check(max_length, overlap)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if len(questions) != len(contexts):
        raise ValueError(f"{len(questions)} questions but {len(contexts)} contexts")
    template = pair_template(tokenizer) if method in ("auto", "fast") else None
    if method == "fast" and template is None:
        raise ValueError("method='fast' needs a template post-processor (BERT-style); use method='direct'")
    if template is not None:
        return _window_fast(
            questions, contexts, tokenizer, template, max_length, overlap, pad_to_max_length, skip_too_long
        )
    return _window_direct(questions, contexts, tokenizer, max_length, overlap, pad_to_max_length, skip_too_long)


# --------------------------------------------------------------------------- labels


def cls_positions(win: Windows, tokenizer: Any) -> np.ndarray:
    """Index of the first [CLS] (else BOS, else 0) in each row: run_qa's "no answer" label."""
    cls_id, bos_id = cls_and_bos_ids(tokenizer)
    out = np.zeros(len(win), dtype=np.int64)
    done = np.zeros(len(win), dtype=bool)
    for tid in (cls_id, bos_id):
        if tid is None:
            continue
        hit = (win.input_ids == tid) & (np.arange(win.input_ids.shape[1])[None, :] < win.lengths[:, None])
        found = hit.any(axis=1) & ~done
        out[found] = hit[found].argmax(axis=1)
        done |= found
    return out


def label_windows(
    win: Windows, start_char: np.ndarray, end_char: np.ndarray, cls_index: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """run_qa's labelling, vectorized. `start_char`/`end_char` per window (-1 = no answer).

    Same rules: [CLS] when unanswerable or the answer is not fully inside the window's context;
    otherwise start = last CONTEXT token whose start offset is <= start_char, end = first token (from
    the context end back) whose end offset is >= end_char. One quirk is NOT copied: when the answer
    starts in the window's last context token, run_qa's loop runs on through [SEP] and the padding
    (their offsets are (0, 0)) and labels the last position of the row (383 of 384), past the
    context; here the start is that last context token.
    """
    n, width = win.input_ids.shape
    rows = np.arange(n)
    pos = np.arange(width)[None, :]
    s_off, e_off = win.offsets[..., 0], win.offsets[..., 1]
    sc, ec = start_char[:, None], end_char[:, None]
    cs, ce = win.context_start, win.context_end
    inside = (
        (start_char >= 0)
        & (cs >= 0)
        & (s_off[rows, np.maximum(cs, 0)] <= start_char)
        & (e_off[rows, np.maximum(ce, 0)] >= end_char)
    )
    # start: first token at/after the context start whose start offset passes start_char, minus one
    stop = (pos >= cs[:, None]) & (pos <= ce[:, None]) & (s_off > sc)
    start = np.where(stop.any(axis=1), stop.argmax(axis=1), ce + 1) - 1
    # end: last token at/before the context end whose end offset falls short of end_char, plus one
    short = (pos <= ce[:, None]) & (e_off < ec)
    end = width - 1 - short[:, ::-1].argmax(axis=1) + 1
    return np.where(inside, start, cls_index), np.where(inside, end, cls_index)


# --------------------------------------------------------------------------- HF-style batch functions


def first_answer_spans(answers: Sequence[Mapping[str, Sequence]]) -> tuple[np.ndarray, np.ndarray]:
    """(start_char, end_char) of each example's FIRST answer (run_qa trains on that one); -1 if none."""
    start = np.full(len(answers), -1, dtype=np.int64)
    end = np.full(len(answers), -1, dtype=np.int64)
    for i, a in enumerate(answers):
        if len(a["answer_start"]):
            start[i] = a["answer_start"][0]
            end[i] = start[i] + len(a["text"][0])
    return start, end


def _rows(win: Windows, a: np.ndarray) -> Any:
    if (win.lengths == a.shape[1]).all():
        return a
    return [row[:n].tolist() for row, n in zip(a, win.lengths)]


def _windows(examples: Mapping[str, Sequence], tokenizer: Any, max_length: int, overlap: int, pad: bool,
             method: str) -> Windows:
    """run_qa strips leading whitespace off questions (some have lots) before tokenizing."""
    questions = [q.lstrip() for q in examples["question"]]
    return encode_windows(questions, examples["context"], tokenizer, max_length, overlap, pad, method)


def prepare_train_features(
    examples: Mapping[str, Sequence],
    tokenizer: Any,
    max_length: int = 384,
    overlap: int = 128,
    pad_to_max_length: bool = True,
    method: str = "auto",
) -> dict[str, Any]:
    """Batched map function (like run_qa's): columns `input_ids, token_type_ids, attention_mask,
    start_positions, end_positions`; one row per window. Padded rows come back as 2-D arrays.

    `overlap` = context tokens shared by consecutive windows: pass run_qa.py's `--doc_stride` here
    (HF `stride=`), not the original BERT script's doc_stride, which is the step between window starts
    (context tokens per window - overlap).
    """
    win = _windows(examples, tokenizer, max_length, overlap, pad_to_max_length, method)
    sc, ec = first_answer_spans(examples["answers"])
    start, end = label_windows(win, sc[win.example_index], ec[win.example_index], cls_positions(win, tokenizer))
    return {
        "input_ids": _rows(win, win.input_ids),
        "token_type_ids": _rows(win, win.token_type_ids),
        "attention_mask": _rows(win, win.attention_mask),
        "start_positions": start,
        "end_positions": end,
    }


def eval_offsets(win: Windows) -> list[list[list[int] | None]]:
    """run_qa's eval `offset_mapping`: the char span for context tokens, None elsewhere."""
    rows = win.offsets.tolist()
    nones = [None] * win.offsets.shape[1]
    for r, (row, n, cs, ce) in enumerate(
        zip(rows, win.lengths.tolist(), win.context_start.tolist(), win.context_end.tolist())
    ):
        if cs < 0:
            rows[r] = nones[:n]
            continue
        row[:cs] = nones[:cs]
        row[ce + 1 :] = nones[: n - ce - 1]
    return rows


def prepare_eval_features(
    examples: Mapping[str, Sequence],
    tokenizer: Any,
    max_length: int = 384,
    overlap: int = 128,
    pad_to_max_length: bool = True,
    method: str = "auto",
) -> dict[str, Any]:
    """Batched map function: `input_ids, token_type_ids, attention_mask, offset_mapping, example_id`.
    `overlap` as in `prepare_train_features` (tokens shared by windows, run_qa's `--doc_stride`)."""
    win = _windows(examples, tokenizer, max_length, overlap, pad_to_max_length, method)
    ids = examples["id"]
    return {
        "input_ids": _rows(win, win.input_ids),
        "token_type_ids": _rows(win, win.token_type_ids),
        "attention_mask": _rows(win, win.attention_mask),
        "offset_mapping": eval_offsets(win),
        "example_id": [ids[i] for i in win.example_index.tolist()],
    }

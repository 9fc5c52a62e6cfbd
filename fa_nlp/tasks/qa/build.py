"""`fa-nlp build qa`: SQuAD-style files → validated examples → windowed train/eval features on disk.

    fa-nlp build qa --dataset pquad --tokenizer build/tok/qa/tokenizer.json --out build/qa/pquad
    fa-nlp build qa --train my_train.json --eval my_dev.json --tokenizer tok.json --max-length 384 --overlap 128

Output directory (published atomically; a rebuild with the same inputs/config/code is a no-op):
  hf/          DatasetDict of features: `train` (input_ids, token_type_ids, attention_mask,
               start_positions, end_positions) and `eval` (… offset_mapping, example_id), as run_qa.py
  examples/    DatasetDict of the validated examples (id, question, context, answers, original
               context and offset maps for normalized text) — post-processing needs them
  report.json  reading report (read = kept + fixed + skipped), stats per split, window report
  manifest.json, README.md (dataset card with stats and readable samples)
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fa_nlp.data import builds, sources
from fa_nlp.tasks.qa.examples import QAExample, qa_stats, read_qa_examples, stats_table

# fa_nlp.text: normalization decides the example text (normalize=True); card: the README written beside
CODE_MODULES = ("fa_nlp.tasks.qa.examples", "fa_nlp.tasks.qa.windows", "fa_nlp.tasks.qa.build", "fa_nlp.data.squad",
                "fa_nlp.data.records", "fa_nlp.data.card", "fa_nlp.text")
# Fields that change how a build runs, never what it writes: kept out of the build key.
RUNTIME_FIELDS = ("batch_size", "num_proc", "engine", "address")
# Paths: their files enter the key by sha256 (inputs), not by name.
PATH_FIELDS = ("dataset", "train", "eval", "tokenizer")
TRAIN_SPLITS = ("train", "validation")  # for a catalog name: first present split is the training set
EVAL_SPLITS = ("test", "eval", "dev", "validation")


@dataclass
class QABuildConfig:
    dataset: str = ""  # catalog name (pquad) or SQuAD file: both roles (name: train=validation/test split)
    train: str = ""  # NAME:SPLIT or file for train features ("" = from `dataset`)
    eval: str = ""  # NAME:SPLIT or file for eval features ("" = from `dataset`)
    tokenizer: str = ""  # tokenizer.json (or its directory)
    max_length: int = 384  # tokens per window
    overlap: int = 128  # tokens shared by consecutive windows (HF stride / run_qa --doc_stride)
    pad_to_max_length: bool = True  # as run_qa.py
    normalize: bool = True  # fa_nlp.text.normalize on contexts/questions/answers (offset-mapped)
    lenient: bool = False  # skip and count malformed records instead of stopping
    batch_size: int = 4000  # examples per feature batch (memory bound; output does not depend on it)
    samples: int = 3  # readable windows per role in the card (the last one unanswerable when there is one)
    num_proc: int = 1  # workers normalizing contexts and questions (the heavy part); output is identical
    engine: str = "local"  # local | dask (fa_nlp.data.engine)
    address: str = ""  # Dask scheduler of a running cluster ("" = a local one)


def resolve_spec(spec: str, role: str) -> Path:
    """`NAME`, `NAME:SPLIT` (corpora catalog), a file, or a directory/glob holding exactly one SQuAD
    file → the file for `role` (a bare NAME: its first split of TRAIN_SPLITS or EVAL_SPLITS)."""
    src, split = sources.resolve_split(spec)
    if src.local:
        files = src.files(suffixes=sources.QA_SUFFIXES)
        if len(files) > 1:
            raise ValueError(f"{spec}: {len(files)} files ({files[0].path.name}, ...); give one file per role")
        return files[0].path
    if len(src.entries) > 1:
        raise ValueError(f"{spec}: a selection of {len(src.entries)} corpora; give one (NAME or NAME:SPLIT)")
    by_split = sources.split_files(src.entries[0])
    wanted = [split] if split else (TRAIN_SPLITS if role == "train" else EVAL_SPLITS)
    for s in wanted:
        if s in by_split:
            return by_split[s]
    raise ValueError(f"{spec}: no {'/'.join(wanted)} split (has {', '.join(sorted(by_split))})")


def qa_files(spec: str) -> list[tuple[str, Path]]:
    """(label, file) for everything a QA spec names (what `fa-nlp qa-stats` reads): a file; each
    SQuAD file of a directory or glob; `NAME:SPLIT`; or every split of a catalog corpus (`pquad:test`, ...)."""
    src, split = sources.resolve_split(spec)
    if split:
        return [(spec, resolve_spec(spec, "eval"))]
    if src.local:
        files = src.files(suffixes=sources.QA_SUFFIXES)
        return [(spec if src.shape == "file" else str(f.path), f.path) for f in files]
    return [(f"{e.name}:{s}", path) for e in src.entries for s, path in sources.split_files(e).items()]


def _roles(cfg: QABuildConfig) -> dict[str, Path]:
    roles = {}
    for role in ("train", "eval"):
        spec = getattr(cfg, role) or cfg.dataset
        if spec:
            roles[role] = resolve_spec(spec, role)
    if not roles:
        raise ValueError("nothing to build: give --dataset, --train or --eval")
    return roles


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


def _offsets_array(win):
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


def feature_tables(examples: list[QAExample], tokenizer, cfg: QABuildConfig, role: str):
    """(pyarrow.Table of features, window report) for one role, built in batches of examples."""
    import pyarrow as pa

    from fa_nlp.tasks.qa.windows import cls_positions, encode_windows, label_windows

    tables, rep = [], _WindowReport()
    for lo in range(0, len(examples), cfg.batch_size):
        batch = examples[lo : lo + cfg.batch_size]
        win = encode_windows(
            [e.question.lstrip() for e in batch], [e.context for e in batch], tokenizer,
            cfg.max_length, cfg.overlap, cfg.pad_to_max_length, skip_too_long=True,
        )
        cols = {
            "input_ids": _list_array(win.input_ids, win.lengths, pa.int32()),
            "token_type_ids": _list_array(win.token_type_ids, win.lengths, pa.int8()),
            "attention_mask": _list_array(win.attention_mask, win.lengths, pa.int8()),
        }
        sc = np.array([e.answer_starts[0] if e.answer_starts else -1 for e in batch], dtype=np.int64)
        ec = np.array([s + len(e.answer_texts[0]) if e.answer_texts else -1 for e, s in zip(batch, sc)])
        cls = cls_positions(win, tokenizer)
        s_pos, e_pos = label_windows(win, sc[win.example_index], ec[win.example_index], cls)
        if role == "train":
            cols["start_positions"] = pa.array(s_pos, pa.int64())
            cols["end_positions"] = pa.array(e_pos, pa.int64())
        else:
            cols["offset_mapping"] = _offsets_array(win)
            cols["example_id"] = pa.array([batch[i].id for i in win.example_index.tolist()], pa.string())
        tables.append(pa.table(cols))
        rep.add(win, batch, sc, ec, s_pos, e_pos, cls)
    table = pa.concat_tables(tables) if tables else None
    return table, rep.to_dict()


class _WindowReport:
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


# --------------------------------------------------------------------------- build


def build_info(cfg: QABuildConfig) -> tuple[str, list[dict[str, Any]], dict[str, str], dict[str, Path]]:
    from fa_nlp.tokenization import QA_FILE

    roles = _roles(cfg)
    tok = Path(cfg.tokenizer)
    tok = tok / QA_FILE if tok.is_dir() else tok
    if not tok.is_file():
        raise FileNotFoundError(f"no tokenizer at {cfg.tokenizer}: train one with `fa-nlp tokenizer train`")
    inputs = [{**builds.input_record(p), "role": r} for r, p in roles.items()] + [
        {**builds.input_record(tok), "role": "tokenizer"}
    ]
    config = {k: v for k, v in asdict(cfg).items() if k not in (*PATH_FIELDS, *RUNTIME_FIELDS)}
    config["roles"] = {r: p.name for r, p in roles.items()}
    code = builds.code_version(CODE_MODULES)
    return builds.build_key(inputs, config, code), inputs, code, {**roles, "tokenizer": tok}


def build(cfg: QABuildConfig, out_dir: str | Path, *, force: bool = False, log=print,
          progress: bool = True) -> dict[str, Any]:
    """Build and publish QA features; returns the manifest (the existing one when up to date).
    `progress=False` silences the `datasets` bars (saving), as `--no-progress` does for every builder."""
    started = time.time()
    key, inputs, code, paths = build_info(cfg)
    if not force and builds.is_up_to_date(out_dir, key):
        log(f"qa: {out_dir} is up to date (build key {key[:12]})")
        return builds.read_manifest(out_dir)
    import datasets

    bars_were_on = datasets.is_progress_bar_enabled()
    if not progress:
        datasets.disable_progress_bars()
    try:
        return _build(cfg, out_dir, key, inputs, code, paths, started, log)
    finally:
        if bars_were_on and not progress:
            datasets.enable_progress_bars()


def _build(cfg: QABuildConfig, out_dir, key: str, inputs, code, paths, started: float, log) -> dict[str, Any]:
    from datasets import Dataset, DatasetDict

    from fa_nlp.io import write_json
    from fa_nlp.tasks.qa.examples import as_columns
    from fa_nlp.tokenization import load_fast_tokenizer

    tokenizer = load_fast_tokenizer(paths["tokenizer"])
    features, example_sets, reports, stats, windows = {}, {}, {}, {}, {}
    for role in ("train", "eval"):
        if role not in paths:
            continue
        examples, read_rep = _read_examples(paths[role], cfg)
        log(f"qa: {role} ← {paths[role]}: {read_rep.summary()}")
        table, wrep = feature_tables(examples, tokenizer, cfg, role)
        log(f"qa: {role}: {wrep['windows']} windows, {wrep['cls_window_share']:.1%} labelled [CLS], "
            f"{wrep['answerable_in_no_window']} answerable questions in no window, "
            f"{wrep['too_long_questions_skipped']} questions too long")
        features[role] = Dataset(table) if table is not None else Dataset.from_dict({})
        example_sets[role] = Dataset.from_dict(as_columns(examples))
        reports[role], stats[role], windows[role] = read_rep.to_dict(), qa_stats(examples), wrep
        windows[role]["samples"] = _samples(examples, tokenizer, cfg)
    # read = kept + fixed + skipped (by reason) beside the feature counts, as in every manifest
    counts = {r: {"examples": stats[r]["questions"], "features": len(features[r]),
                  **{k: reports[r][k] for k in ("read", "kept", "fixed", "skipped", "skipped_by_reason",
                                                "fixes_by_kind")}}
              for r in features}
    with builds.publish(out_dir, log=log) as tmp:
        DatasetDict(features).save_to_disk(str(tmp / "hf"))
        DatasetDict(example_sets).save_to_disk(str(tmp / "examples"))
        write_json(tmp / "report.json", {"reading": reports, "stats": stats, "windows": windows})
        _write_card(tmp, cfg, paths, reports, stats, windows)
        manifest = builds.write_manifest(
            tmp, key=key, inputs=inputs, config={**asdict(cfg)}, code=code, counts=counts, started=started,
            extra={"kind": "qa", "report": "report.json"},
        )
    log(f"qa: published {out_dir}")
    return manifest


def _read_examples(path: Path, cfg: QABuildConfig) -> tuple[list[QAExample], Any]:
    """`read_qa_examples`, with the normalization (most of a QA build's time) run on the engine when
    `num_proc > 1` or `engine = "dask"`: texts go out in chunks, in order, and `examples_from_paragraphs`
    looks their results up, so the examples are the same, byte for byte, as in process."""
    if not cfg.normalize or (cfg.engine == "local" and cfg.num_proc <= 1):
        return read_qa_examples(path, normalize=cfg.normalize, lenient=cfg.lenient)
    from fa_nlp.data.engine import ordered_map
    from fa_nlp.data.squad import read_squad
    from fa_nlp.report import SkipReport
    from fa_nlp.tasks.qa.examples import QAReadReport, examples_from_paragraphs

    report, parse = QAReadReport(), SkipReport()
    paragraphs = list(read_squad(path, lenient=cfg.lenient, report=parse))
    texts = list(dict.fromkeys(t for p in paragraphs for t in (p.context, *(q.question for q in p.questions))))
    chunks = [texts[i : i + _NORMALIZE_CHUNK] for i in range(0, len(texts), _NORMALIZE_CHUNK)]
    results = ordered_map(_normalize_all, chunks, engine=cfg.engine, workers=cfg.num_proc, address=cfg.address)
    table: dict[str, Any] = {}
    for chunk, normalized in zip(chunks, results, strict=True):
        table.update(zip(chunk, normalized, strict=True))
    examples = examples_from_paragraphs(paragraphs, report, normalize=True, norm=table.__getitem__)
    report.skips.merge_skips(parse)  # as read_qa_examples: questions lost to parse errors count as skips
    report.check()
    return examples, report


_NORMALIZE_CHUNK = 256  # texts per work unit (contexts are ~1 KB)


def _normalize_all(texts: list[str]) -> list[Any]:
    """Module-level (picklable) work unit: `fa_nlp.text.normalize` over a chunk of texts."""
    from fa_nlp.text import normalize

    return [normalize(t) for t in texts]


def _samples(examples: list[QAExample], tokenizer, cfg: QABuildConfig) -> list[dict[str, str]]:
    """A few readable first windows (at the build's own max_length/overlap): question, the window's
    context text, and the gold answer."""
    from fa_nlp.tasks.qa.windows import encode_windows

    n = cfg.samples
    out = []
    unanswerable = [i for i, e in enumerate(examples) if e.is_impossible][: min(1, n)]
    picks = [i for i, e in enumerate(examples) if not e.is_impossible][: n - len(unanswerable)] + unanswerable
    for i in picks:
        e = examples[i]
        win = encode_windows([e.question.lstrip()], [e.context], tokenizer, cfg.max_length, cfg.overlap, False,
                             skip_too_long=True)
        if not len(win):
            continue
        cs, ce = int(win.context_start[0]), int(win.context_end[0])
        s, t = int(win.offsets[0, cs, 0]), int(win.offsets[0, ce, 1])
        out.append({"id": e.id, "question": e.question.strip(), "window_text": e.context[s:t],
                    "answer": e.answer_texts[0] if e.answer_texts else "(unanswerable)"})
    return out


_LOAD = """```python
from datasets import load_from_disk
features = load_from_disk("hf")       # train / eval windows
examples = load_from_disk("examples")  # for post-processing (fa_nlp.tasks.qa.postprocess)
```"""


def _write_card(tmp: Path, cfg, paths, reports, stats, windows) -> None:
    from fa_nlp.data.card import markdown_table, write_card

    src = markdown_table(["role", "file"], [[r, str(p)] for r, p in paths.items()])
    read = markdown_table(
        ["role", "read", "kept", "fixed", "skipped", "skip reasons", "fixes"],
        [[r, d["read"], d["kept"], d["fixed"], d["skipped"], d["skipped_by_reason"] or "-", d["fixes_by_kind"] or "-"]
         for r, d in reports.items()],
    )
    win = markdown_table(
        ["role", "examples", "windows", "windows/example", "[CLS] share", "answerable in no window",
         "labels not covering answer", "questions too long"],
        [[r, w["examples"], w["windows"], w["windows_per_example_avg"], f"{w['cls_window_share']:.1%}",
          w["answerable_in_no_window"], w["labels_not_covering_answer"], w["too_long_questions_skipped"]]
         for r, w in windows.items()],
    )
    samples = "\n\n".join(
        f"**{r}** `{s['id']}`\n\n- question: {s['question']}\n- window: {s['window_text'][:400]}\n- answer: {s['answer']}"
        for r, w in windows.items() for s in w["samples"]
    )
    settings = (
        f"max_length={cfg.max_length}, overlap={cfg.overlap} (tokens shared by consecutive windows: HF `stride`, "
        f"run_qa's `--doc_stride`), padded to max_length: {cfg.pad_to_max_length}, normalized: {cfg.normalize}. "
        "Train labels use the FIRST gold answer (as run_qa.py); unanswerable or out-of-window answers point at [CLS]."
    )
    write_card(tmp, "Persian extractive QA features", [
        ("Sources", src), ("Settings", settings), ("Reading and validation", read),
        ("Statistics (whitespace words, min/max/avg)", stats_table(stats)), ("Windows", win),
        ("Samples", samples or "(none)"),
        ("Load", _LOAD),
    ])

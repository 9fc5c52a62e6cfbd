"""`fa-nlp build qa`: SQuAD-style files → validated examples → windows, as HF features AND the arrays `train` reads.

    fa-nlp build qa --dataset pquad --tokenizer build/tok/qa/tokenizer.json --out build/qa/pquad
    fa-nlp build qa --train my_train.json --eval my_dev.json --tokenizer tok.json --max-length 384 --overlap 128 \
        --dev-fraction 0.1 --seed 1234 --out build/qa/mine      # then: [data] prepared = "build/qa/mine/prepared"

Output directory (published atomically; a rebuild with the same inputs/config/code is a no-op):
  hf/          DatasetDict of features: `train` (input_ids, token_type_ids, attention_mask,
               start_positions, end_positions) and `eval` (… offset_mapping, example_id), as run_qa.py
  examples/    DatasetDict of the validated examples (id, question, context, answers, original
               context and offset maps for normalized text) — post-processing needs them
  prepared/    numpy train/dev/test windows + tokenizer/ + manifest.json: what `fa-nlp train` and
               `evaluate` read (data.prepared); dev = a seeded hold-out of the train CONTEXTS
               (`fa_nlp.tasks.qa.prepare`). Encoded in the same pass as hf/ (`fa_nlp.tasks.qa.features`).
  report.json  reading report (read = kept + fixed + skipped), stats per split, window report
  manifest.json, README.md (dataset card with stats and readable samples)
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fa_nlp.data import builds, sources
from fa_nlp.data.card import markdown_table, write_card
from fa_nlp.data.engine import ordered_map
from fa_nlp.data.squad import read_squad
from fa_nlp.io import write_json
from fa_nlp.report import SkipReport
from fa_nlp.settings import portable_path
from fa_nlp.tasks.qa.examples import (
    QAExample,
    QAReadReport,
    as_columns,
    examples_from_paragraphs,
    qa_stats,
    read_qa_examples,
    stats_table,
)
from fa_nlp.tasks.qa.features import encode_role
from fa_nlp.tasks.qa.prepare import PREPARED_DIR, write_prepared
from fa_nlp.tasks.qa.windows import encode_windows
from fa_nlp.text import normalize
from fa_nlp.tokenization import QA_FILE, load_fast_tokenizer

# fa_nlp.text: normalization decides the example text (normalize=True); card: the README written beside
CODE_MODULES = ("fa_nlp.tasks.qa.examples", "fa_nlp.tasks.qa.windows", "fa_nlp.tasks.qa.build",
                "fa_nlp.tasks.qa.features", "fa_nlp.tasks.qa.prepare", "fa_nlp.data.prepared", "fa_nlp.data.squad",
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
    dev_fraction: float = 0.1  # prepared/: share of the train questions held out as dev (whole contexts)
    seed: int = 1234  # prepared/: seed of the dev hold-out
    max_dev_questions: int = 0  # prepared/: cap on dev questions (0 = none)


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


# --------------------------------------------------------------------------- build


def build_info(cfg: QABuildConfig) -> tuple[str, list[dict[str, Any]], dict[str, str], dict[str, Path]]:
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

    tokenizer = load_fast_tokenizer(paths["tokenizer"])
    features, example_sets, reports, stats, windows, for_prepared = {}, {}, {}, {}, {}, {}
    for role in ("train", "eval"):
        if role not in paths:
            continue
        examples, read_rep = _read_examples(paths[role], cfg)
        log(f"qa: {role} ← {paths[role]}: {read_rep.summary()}")
        enc = encode_role(examples, tokenizer, cfg, role, arrays=True)  # the one encoding: hf/ and prepared/
        table, wrep, for_prepared[role] = enc.table, enc.report, (examples, enc.arrays)
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
        prep = write_prepared(
            tmp / PREPARED_DIR, for_prepared, tokenizer, paths["tokenizer"], max_length=cfg.max_length, overlap=cfg.overlap,
            dev_fraction=cfg.dev_fraction, seed=cfg.seed, max_dev_questions=cfg.max_dev_questions,
            build={"dir": portable_path(out_dir), "key": key, "config": asdict(cfg)}, log=log)
        _write_card(tmp, cfg, paths, reports, stats, windows, prep)
        manifest = builds.write_manifest(
            tmp, key=key, inputs=inputs, config={**asdict(cfg)}, code=code, counts=counts, started=started,
            extra={"kind": "qa", "report": "report.json",
                   "prepared": {"dir": PREPARED_DIR, "counts": prep["counts"], "dev": prep["dev"]}},
        )
    log(f"qa: published {out_dir}")
    return manifest


def _read_examples(path: Path, cfg: QABuildConfig) -> tuple[list[QAExample], Any]:
    """`read_qa_examples`, with the normalization (most of a QA build's time) run on the engine when
    `num_proc > 1` or `engine = "dask"`: texts go out in chunks, in order, and `examples_from_paragraphs`
    looks their results up, so the examples are the same, byte for byte, as in process."""
    if not cfg.normalize or (cfg.engine == "local" and cfg.num_proc <= 1):
        return read_qa_examples(path, normalize=cfg.normalize, lenient=cfg.lenient)
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
    return [normalize(t) for t in texts]


def _samples(examples: list[QAExample], tokenizer, cfg: QABuildConfig) -> list[dict[str, str]]:
    """A few readable first windows (at the build's own max_length/overlap): question, the window's
    context text, and the gold answer."""
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
```

For training, point the config at the numpy arrays: `[data] prepared = "<this folder>/prepared"`
(`fa_nlp.tasks.qa.prepare.load_qa_prepared`; no pyarrow or datasets needed to read them)."""


def _write_card(tmp: Path, cfg, paths, reports, stats, windows, prep: dict[str, Any]) -> None:
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
    dev = prep["dev"]
    split_note = (f"dev = {dev['questions']} questions on {dev['contexts']} train contexts held out whole "
                  f"(fraction {dev['fraction']}, seed {dev['seed']}, cap {dev['max_questions'] or 'none'}); "
                  "test = the eval role.\n\n" if dev else "")
    splits = split_note + markdown_table(
        ["split", "questions", "unanswerable", "contexts", "windows", "[CLS] windows"],
        [[s, c["questions"], c["unanswerable"], c["contexts"], c["windows"], c["cls_windows"]]
         for s, c in prep["counts"].items()],
    )
    write_card(tmp, "Persian extractive QA features", [
        ("Sources", src), ("Settings", settings), ("Reading and validation", read),
        ("Statistics (whitespace words, min/max/avg)", stats_table(stats)), ("Windows", win),
        (f"Training arrays ({PREPARED_DIR}/)", splits), ("Samples", samples or "(none)"),
        ("Load", _LOAD),
    ])

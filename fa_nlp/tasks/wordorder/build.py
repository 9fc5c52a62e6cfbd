"""Word-order dataset: "shuffled words → ordered sentence" pairs, reproducible and leak-free.

    fa-nlp build wordorder --corpus sample --out build/wordorder/sample
    fa-nlp build wordorder --config fa_nlp/configs/wordorder-fa_text.toml --out build/wordorder/fa_text --num-proc 2
    fa-nlp build wordorder --config fa_nlp/configs/wordorder-fa_text.toml --engine dask --address tcp://HEAD:8786

    from fa_nlp.tasks.wordorder.build import WordOrderConfig, build
    dsd = build(WordOrderConfig(corpora=["sample"]), out_dir="build/wordorder/sample")
    dsd["train"][0]  # {"shuffled": "...", "ordered": "...", "ordered_text": "...", ...}

Pipeline: documents → normalize → sentence spans → words → filter → split → dedup → shuffle.
Modules: `build_config` (what to build), `filters` and `seeded` (pure per-document steps), `parallel`,
`storage` (spill files, Parquet/Arrow writers), `dataset_card`; this module wires them into two passes.
Documents stream in shards through `num_proc` workers of an engine (`fa_nlp.data.engine`: in process,
local processes, or a Dask cluster: `engine`, `address`); the workers also shuffle, so finished rows come
back in shard order as Arrow batches and are spilled to disk per split, then deduplicated and written in
one ordered pass in this process (memory flat in corpus size; the dedup keeps one digest per unique sentence).

Filters (each counted by reason in manifest.json and the card, `read = kept + skipped`): `no_letters`,
`non_persian` (Persian share of letters < `min_persian_ratio`), `url_or_email`, `one_distinct_token`
(every order is the original), `too_short`/`too_long` (word bounds, settable per split, e.g. a 5–15
test split), `duplicate`, `empty` (a blank sentence span), `bad_token` (a token containing whitespace;
should not happen).

Word policy (what a "token" is; the dataset card repeats it):
- tokens are whitespace-separated units of the *normalized* sentence (`fa_nlp.text.words`);
  ZWNJ compounds (`می‌روم`, `کتاب‌ها`) stay one token; verb parts are NOT joined with `_`
  (hazm's WordTokenizer default), so `گفته شده است` is three tokens;
- punctuation follows `punctuation` explicitly: "detach" (default) makes each mark its own token,
  so a final `.` does not reveal the last word; "keep" leaves marks glued to their word;
  "drop" removes them and counts every dropped mark in the manifest (never silent);
- `shuffled` / `ordered` are the tokens joined by single spaces, so `shuffled.split(" ")` is a
  permutation of `ordered.split(" ")`; `ordered_text` is the normalized sentence as written.
- `n_words` counts word tokens (punctuation marks excluded), so length bounds mean the same under
  every punctuation policy; `n_tokens` is the length of the sequence the model sees.

Leak-freedom: documents go to a split by a stable hash, sha256(f"{split_seed}:{doc_id}") → [0, 1),
(or all to test, for sources listed in `test_sources`, e.g. the UD treebank dev/test text),
so no document spans two splits; exact duplicates (same `ordered` string) are removed across the
whole dataset, visiting test, then validation, then train (each in corpus order), so the first
occurrence wins, held-out sets keep their sentences, and no sentence appears in two splits.
Dedup keeps one 8-byte blake2b digest per unique kept sentence: memory O(unique sentences).

Reproducibility: every random choice uses its own `random.Random(f"{seed}:{doc_id}:{sent_index}:{k}")`;
worker results are consumed in corpus order and Parquet row groups have a fixed size, so the
Parquet bytes do not depend on `num_proc`, `shard_size` or the engine (a shard rerun after a worker
died gives the same result, taken once).
"""

from __future__ import annotations

import heapq
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from fa_nlp.data import builds
from fa_nlp.data.engine import check_engine
from fa_nlp.data.readers import read_source
from fa_nlp.data.sources import resolve
from fa_nlp.report import SkipReport
from fa_nlp.tasks.wordorder.build_config import (
    DEDUP_ORDER,
    RUNTIME_FIELDS,
    SPLITS,
    WordOrderConfig,
    default_out_dir,
    rebuild_command,
)
from fa_nlp.tasks.wordorder.dataset_card import write_wordorder_card
from fa_nlp.tasks.wordorder.filters import (
    filter_params,
    has_url_or_email,
    persian_ratio,
    process_document,
    sentence_tokens,
)
from fa_nlp.tasks.wordorder.parallel import ordered_map, shards
from fa_nlp.tasks.wordorder.seeded import shuffle_tokens, split_of
from fa_nlp.tasks.wordorder.storage import Spill, SplitWriter, process_shard_batches
from fa_nlp.text.words import is_punctuation

SAMPLES_PER_SPLIT = {"train": 6, "validation": 2, "test": 2}  # the 10 readable samples of the card
_BUILD_MODULES = ("build", "build_config", "filters", "seeded", "parallel", "storage", "dataset_card")
CODE_MODULES = (
    *(f"fa_nlp.tasks.wordorder.{m}" for m in _BUILD_MODULES),  # not the whole folder: training code lives there
    "fa_nlp.data.records", "fa_nlp.data.sources", "fa_nlp.data.readers", "fa_nlp.data.squad", "fa_nlp.data.corpora",
    "fa_nlp.text",
)


# ---------------------------------------------------------------- inputs


def input_files(spec: str) -> list[Path]:
    """Files a corpus spec reads, for the manifest and the build key (hashes, not paths, enter the key)."""
    # files flagged `documents = false` in the catalog (e.g. the sample's qa.json) are not read as documents
    return [f.path for f in resolve(spec).files(documents_only=True)]


def iter_documents(cfg: WordOrderConfig, report: SkipReport) -> Iterator[tuple[str, str, str]]:
    """(doc_id, text, source) over all corpora, in config order.

    Catalog documents keep the reader's ids (`"<corpus name>:<file id>"`, unique across corpora), so a
    document lands in the same split whichever selection (`fa_text:A` or `fa_text:A+B`) it came from;
    `source` is the catalog name, or the file or directory name (the pattern for a glob) for a local input.
    """
    resolved = [resolve(spec) for spec in cfg.corpora]
    _check_local_names(resolved)
    for src in resolved:
        label = src.labels[0]  # once per source: the loop runs once per document
        for f, doc in read_source(src, lenient=cfg.lenient, report=report):
            yield doc.id, doc.text, f.corpus or label


def _check_local_names(resolved: list[Any]) -> None:
    """Local inputs that share a name (or directories sharing a relative path) would give colliding doc ids."""
    names = [src.labels[0] for src in resolved if src.local]
    rels = [f.rel for src in resolved if src.shape in ("dir", "glob") for f in src.files()]
    dupes = sorted(n for n, k in (Counter(names) + Counter(rels)).items() if k > 1)
    if dupes:
        raise ValueError(f"input files share a name {dupes}: their doc ids would collide; rename one")


# ---------------------------------------------------------------- the build


def build_info(cfg: WordOrderConfig) -> tuple[str, list[dict[str, Any]], dict[str, str]]:
    """(build key, input records, code version): what decides whether a rebuild is needed."""
    inputs = [dict(builds.input_record(p), corpus=spec) for spec in cfg.corpora for p in input_files(spec)]
    code = builds.code_version(CODE_MODULES)  # packages count with all their modules
    return builds.build_key(inputs, cfg.key_dict(), code), inputs, code


def build(cfg: WordOrderConfig, out_dir: str | Path | None = None, *, force: bool = False,
          progress: bool = True, log: Callable[[str], None] | None = None):
    """Build the dataset; with `out_dir`, publish it there atomically (no-op when up to date).

    Returns a `datasets.DatasetDict` with train/validation/test (memory-mapped from `out_dir/hf`,
    or held in memory when no `out_dir` is given).
    """
    import datasets

    log = log or (lambda msg: print(msg, file=sys.stderr))
    check_engine(cfg.engine, cfg.num_proc, cfg.address)  # a missing extra fails before any work
    key, inputs, code = build_info(cfg)
    if out_dir is not None:
        out_dir = Path(out_dir)
        if not force and builds.is_up_to_date(out_dir, key):
            log(f"wordorder: {out_dir} is up to date (build key {key[:12]}); nothing to do")
            return datasets.load_from_disk(str(out_dir / "hf"))
        with builds.publish(out_dir, log=log) as tmp:
            _build_into(Path(tmp), cfg, key, inputs, code, progress, log)
        log(f"wordorder: published {out_dir}")
        return datasets.load_from_disk(str(out_dir / "hf"))
    with tempfile.TemporaryDirectory(prefix="fa_nlp_wordorder_") as tmp:
        _build_into(Path(tmp), cfg, key, inputs, code, progress, log)
        return datasets.load_from_disk(str(Path(tmp) / "hf"), keep_in_memory=True)


@dataclass
class _Pass1:
    """What the parallel pass leaves for the ordered one: spilled candidates and every count."""

    spills: dict[str, Spill]
    doc_report: SkipReport = field(default_factory=SkipReport)
    sent_reports: dict[str, SkipReport] = field(default_factory=lambda: {s: SkipReport() for s in SPLITS})
    stats: Counter = field(default_factory=Counter)
    docs_per_split: Counter = field(default_factory=Counter)
    n_candidates: int = 0


@dataclass
class _Pass2:
    """What the ordered pass wrote: examples per split, length histograms and the card's samples."""

    hist: dict[str, Counter] = field(default_factory=lambda: {s: Counter() for s in SPLITS})
    examples: Counter = field(default_factory=Counter)
    sample_heaps: dict[str, list[tuple]] = field(default_factory=lambda: {s: [] for s in SPLITS})


def _build_into(tmp: Path, cfg: WordOrderConfig, key: str, inputs: list[dict[str, Any]], code: dict[str, str],
                progress: bool, log: Callable[[str], None]) -> dict[str, Any]:
    started = time.time()
    work = tmp / ".work"
    work.mkdir()
    p1 = _collect_candidates(cfg, work, progress)
    phases = {"read_filter_s": time.time() - started}  # where a build's time goes (runtime info, not the key)
    (work / "arrow").mkdir()
    p2 = _dedup_shuffle_write(cfg, p1, tmp, work / "arrow", progress)
    phases["dedup_shuffle_write_s"] = time.time() - started - phases["read_filter_s"]
    _save_hf(tmp, work / "arrow")
    counts = _counts(p1, p2)
    length_hist = {s: dict(sorted(p2.hist[s].items())) for s in SPLITS}
    samples = [x for s in SPLITS for x in sorted(_neg(y) for y in p2.sample_heaps[s])]
    write_wordorder_card(tmp, cfg, counts, length_hist, [(x[1], x[2], x[3], x[4]) for x in samples])
    shutil.rmtree(work)
    manifest = builds.write_manifest(
        tmp, key=key, inputs=inputs, config=cfg.key_dict(), code=code, counts=counts, started=started,
        extra={"dataset": "wordorder",
               "runtime": {**{f: getattr(cfg, f) for f in RUNTIME_FIELDS},
                           "phases_s": {k: round(v, 3) for k, v in phases.items()}},
               "length_histogram": {s: {str(k): v for k, v in h.items()} for s, h in length_hist.items()},
               "dedup_memory": "one 8-byte blake2b digest per unique kept sentence"},
    )
    log(f"wordorder: documents {p1.doc_report.summary()}")
    for s in SPLITS:
        log(f"wordorder: {s}: {p1.docs_per_split[s]} docs, sentences {p1.sent_reports[s].summary()}, "
            f"{p2.examples[s]} examples")
    return manifest


def _collect_candidates(cfg: WordOrderConfig, work: Path, progress: bool) -> _Pass1:
    """Pass 1 (parallel, ordered): documents → filtered candidate sentences, spilled per split."""
    from tqdm.auto import tqdm

    p1 = _Pass1(spills={s: Spill(work / f"{s}.arrow") for s in SPLITS})
    work_units = shards(iter_documents(cfg, p1.doc_report), cfg.shard_size)
    bar = tqdm(desc="wordorder: documents", unit="doc", disable=not progress)
    try:
        fn = partial(process_shard_batches, params=filter_params(cfg))
        for res in ordered_map(fn, work_units, cfg.num_proc, engine=cfg.engine, address=cfg.address):
            for s in SPLITS:
                p1.spills[s].add(res["candidates"][s])
                p1.sent_reports[s].merge(res["reports"][s])
                p1.n_candidates += res["candidates"][s].num_rows  # rows (K per sentence)
            p1.stats.update(res["stats"])
            p1.docs_per_split.update(res["docs"])
            bar.update(sum(res["docs"].values()))
            bar.set_postfix(sentences=p1.n_candidates)
    finally:
        bar.close()
        for sp in p1.spills.values():
            sp.close()
    return p1


def _dedup_shuffle_write(cfg: WordOrderConfig, p1: _Pass1, tmp: Path, arrow_dir: Path, progress: bool) -> _Pass2:
    """Pass 2 (sequential, deterministic order): dedup across ALL splits, write the workers' finished rows.

    Per sentence only a set lookup runs here (the workers already shuffled and keyed every row, in
    parallel); rows move as Arrow columns filtered by a mask, never as Python row objects, so this pass
    costs a few µs per row, most of it Parquet encoding (it used to cost ~20: shuffling here, row by row).
    """
    import pyarrow as pa
    from tqdm.auto import tqdm

    p2 = _Pass2()
    seen: set[bytes] = set()
    bar = tqdm(total=p1.n_candidates, desc="wordorder: dedup+shuffle", unit="row", disable=not progress)
    for split in DEDUP_ORDER:
        writer = SplitWriter(tmp / "parquet" / f"{split}.parquet", arrow_dir / f"{split}.arrow")
        for batch in p1.spills[split]:
            bar.update(batch.num_rows)
            mask = _dedup_mask(batch, p1.sent_reports[split], seen if cfg.dedup else None, p2, split)
            kept = batch.filter(pa.array(mask, pa.bool_()))
            writer.add_batch(kept)
            p2.examples[split] += kept.num_rows
        writer.close()
    bar.close()
    return p2


def _dedup_mask(batch: Any, rep: SkipReport, seen: set[bytes] | None, p2: _Pass2, split: str) -> list[bool]:
    """Which rows of a spilled batch stay: the K rows of a sentence go together, duplicates (its digest
    already `seen`, test → validation → train) are counted with the first few as examples; the kept
    sentences feed the length histogram and the card's readable samples (the smallest sample keys)."""
    digests = batch.column("digest").to_pylist()
    ks = batch.column("k").to_pylist()
    n_words = batch.column("n_words").to_pylist()
    sample_keys = batch.column("sample_key").to_pylist()
    hist, heap, n_samples = p2.hist[split], p2.sample_heaps[split], SAMPLES_PER_SPLIT[split]
    worst = _worst_sample(heap, n_samples)
    mask: list[bool] = []
    keep = True
    for i, k in enumerate(ks):
        if k == 0:
            d = digests[i]
            keep = seen is None or d not in seen
            if not keep:
                examples = rep.examples.get("duplicate", ())
                rep.skip("duplicate", batch.column("ordered_text")[i].as_py()
                         if len(examples) < rep.max_examples else None)
            else:
                if seen is not None:
                    seen.add(d)
                rep.keep()
                hist[n_words[i]] += 1
                if sample_keys[i] < worst:  # readable samples, chosen by hash so they are stable and spread out
                    _push_sample(heap, n_samples, sample_keys[i], split, batch, i)
                    worst = _worst_sample(heap, n_samples)
        mask.append(keep)
    return mask


_NO_LIMIT = b"\xff" * 33  # above every 32-byte key: the heap is not full yet


def _worst_sample(heap: list[tuple], n: int) -> bytes:
    """The largest sample key kept so far (as bytes: big-endian, so bytes order = number order), or no
    limit while fewer than `n` samples are held."""
    return _NO_LIMIT if len(heap) < n else (-heap[0][0]).to_bytes(32, "big")


def _push_sample(heap: list[tuple], n: int, key: bytes, split: str, batch: Any, i: int) -> None:
    item = (-int.from_bytes(key, "big"), split, batch.column("id")[i].as_py(), batch.column("shuffled")[i].as_py(),
            batch.column("ordered_text")[i].as_py())  # max-heap on the digest (heapq is a min-heap)
    if len(heap) < n:
        heapq.heappush(heap, item)
    else:
        heapq.heapreplace(heap, item)


def _save_hf(tmp: Path, arrow_dir: Path) -> None:
    """HF DatasetDict from the Arrow streams (memory-mapped, not loaded) → tmp/hf."""
    import datasets

    dsd = datasets.DatasetDict({s: datasets.Dataset.from_file(str(arrow_dir / f"{s}.arrow")) for s in SPLITS})
    # explicit shard counts: datasets writes 0 shards for an empty split, which it then cannot load
    num_shards = {s: max(1, -(-dsd[s].data.nbytes // (500 << 20))) for s in SPLITS}
    bars_were_on = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # our own bars cover the build; HF's per-split bars are noise
    try:
        dsd.save_to_disk(str(tmp / "hf"), num_shards=num_shards)
    finally:
        if bars_were_on:
            datasets.enable_progress_bars()


def _counts(p1: _Pass1, p2: _Pass2) -> dict[str, Any]:
    """The manifest's counts: read = kept + skipped for documents and sentences, examples per split."""
    for s in SPLITS:
        p1.sent_reports[s].check()
    p1.doc_report.check()
    total = SkipReport()
    for s in SPLITS:
        total.merge(p1.sent_reports[s])
    return {
        "documents": {**p1.doc_report.to_dict(), "per_split": {s: p1.docs_per_split[s] for s in SPLITS}},
        "sentences": {**total.to_dict(), "per_split": {s: p1.sent_reports[s].to_dict() for s in SPLITS}},
        "examples": {s: p2.examples[s] for s in SPLITS},
        "punctuation_dropped": p1.stats["punctuation_dropped"],
    }


def _neg(item: tuple) -> tuple:
    """A sample heap item with its key turned back into the digest (heapq is a min-heap; we keep the
    smallest digests, so the heap holds them negated)."""
    return (-item[0], *item[1:])


__all__ = [
    "SPLITS",
    "WordOrderConfig",
    "build",
    "build_info",
    "default_out_dir",
    "filter_params",
    "has_url_or_email",
    "input_files",
    "is_punctuation",
    "ordered_map",
    "persian_ratio",
    "process_document",
    "rebuild_command",
    "sentence_tokens",
    "shuffle_tokens",
    "split_of",
]

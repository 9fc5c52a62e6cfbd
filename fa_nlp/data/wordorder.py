"""Word-order dataset: "shuffled words → ordered sentence" pairs, reproducible and leak-free.

    fa-nlp build wordorder --corpus sample --out build/wordorder/sample
    fa-nlp build wordorder --config fa_nlp/configs/wordorder-fa_text.toml --out build/wordorder/fa_text --num-proc 2

    from fa_nlp.data.wordorder import WordOrderConfig, build
    dsd = build(WordOrderConfig(corpora=["sample"]), out_dir="build/wordorder/sample")
    dsd["train"][0]  # {"shuffled": "...", "ordered": "...", "ordered_text": "...", ...}

Pipeline: documents → normalize → sentence spans → words → filter → split → dedup → shuffle.
Documents stream through `num_proc` worker processes in shards; candidates are spilled to disk per
split, then deduplicated, shuffled and written in one ordered pass (memory flat in corpus size).

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
Parquet bytes do not depend on `num_proc` or `shard_size`.
"""

from __future__ import annotations

import hashlib
import heapq
import pickle
import random
import re
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from fa_nlp.report import SkipReport
from fa_nlp.text.words import (  # one definition: n_words and "drop" agree with words()
    PUNCTUATION_MODES,
    is_punctuation,
)

SPLITS = ("train", "validation", "test")
DEDUP_ORDER = ("test", "validation", "train")  # held-out sets win duplicates against train
PUNCTUATION_POLICIES = PUNCTUATION_MODES  # the policies are words()'s modes
SAMPLES_PER_SPLIT = {"train": 6, "validation": 2, "test": 2}  # the 10 readable samples of the card
ROW_GROUP_SIZE = 16_384  # fixed, so Parquet bytes do not depend on how rows arrived
# Fields that change how fast a build runs, never what it writes: kept out of the build key.
RUNTIME_FIELDS = ("num_proc", "shard_size")
CODE_MODULES = ("fa_nlp.data.wordorder", "fa_nlp.data.readers", "fa_nlp.data.corpora", "fa_nlp.text")


@dataclass
class WordOrderConfig:
    """What to build. Everything except RUNTIME_FIELDS is part of the build key."""

    corpora: list[str] = field(default_factory=lambda: ["sample"])  # catalog names or paths
    seed: int = 0  # shuffles
    split_seed: int | None = None  # document → split hash; None = `seed` (set it to vary shuffles, fix splits)
    split: list[float] = field(default_factory=lambda: [0.9, 0.05, 0.05])  # train, validation, test
    test_sources: list[str] = field(default_factory=list)  # sources (catalog names) held out whole as test
    shuffles_per_sentence: int = 1  # K shuffled copies of each training sentence
    eval_shuffles_per_sentence: int = 1  # K for validation and test
    min_words: int = 3  # word tokens, punctuation excluded
    max_words: int = 30
    validation_min_words: int | None = None  # None = min_words
    validation_max_words: int | None = None
    test_min_words: int | None = None  # e.g. 5 for the 5–15 GPU evaluation split
    test_max_words: int | None = None
    punctuation: str = "detach"  # detach | keep | drop (see module docstring)
    min_persian_ratio: float = 0.5  # share of Persian letters among all letters
    drop_urls: bool = True  # sentences containing URLs or e-mail addresses
    dedup: bool = True  # exact duplicates of `ordered` across all splits
    lenient: bool = False  # malformed input lines: skip and count (True) or stop with file:line (False)
    num_proc: int = 1  # worker processes (runtime only)
    shard_size: int = 256  # documents per work unit (runtime only)

    def __post_init__(self) -> None:
        if self.punctuation not in PUNCTUATION_POLICIES:
            raise ValueError(f"punctuation must be one of {PUNCTUATION_POLICIES}, not {self.punctuation!r}")
        if len(self.split) != 3 or any(r < 0 for r in self.split) or abs(sum(self.split) - 1) > 1e-6:
            raise ValueError(f"split must be three non-negative ratios summing to 1 (train,validation,test), "
                             f"got {self.split}")
        if not self.corpora:
            raise ValueError("no corpora given")
        if self.shuffles_per_sentence < 1 or self.eval_shuffles_per_sentence < 1:
            raise ValueError("shuffles per sentence must be >= 1")
        for name in SPLITS:
            lo, hi = self.bounds(name)
            if lo < 1 or hi < lo:
                raise ValueError(f"{name}: word bounds {lo}..{hi} are empty or start below 1")
        if self.test_sources:  # checked only when used: resolving catalog names reads the catalog
            known = self.sources()
            unknown = sorted(set(self.test_sources) - set(known))
            if unknown:
                raise ValueError(f"test_sources {unknown} are not among the sources {known}")
        if self.num_proc < 1 or self.shard_size < 1:
            raise ValueError("num_proc and shard_size must be >= 1")

    def sources(self) -> list[str]:
        """Source labels of the inputs (the `source` column): catalog entry names, or file names for paths."""
        out = []
        for spec in self.corpora:
            entries = _catalog_entries(spec)
            out += [_file_path(spec).name] if entries is None else [e.name for e in entries]
        return out

    def bounds(self, split: str) -> tuple[int, int]:
        lo = getattr(self, f"{split}_min_words", None) if split != "train" else None
        hi = getattr(self, f"{split}_max_words", None) if split != "train" else None
        return (self.min_words if lo is None else lo, self.max_words if hi is None else hi)

    def shuffles(self, split: str) -> int:
        return self.shuffles_per_sentence if split == "train" else self.eval_shuffles_per_sentence

    def key_dict(self) -> dict[str, Any]:
        """The resolved config as it enters the build key (runtime fields removed, split_seed filled)."""
        from fa_nlp.config import to_dict

        d = {k: v for k, v in to_dict(self).items() if k not in RUNTIME_FIELDS}
        d["split_seed"] = self.seed if self.split_seed is None else self.split_seed
        return d


# ---------------------------------------------------------------- pure per-sentence pieces

_URL_OR_EMAIL = re.compile(r"(?:https?://|ftp://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


def is_persian_letter(ch: str) -> bool:
    """Arabic-script letters (Persian uses that block plus presentation forms)."""
    cp = ord(ch)
    return ch.isalpha() and (0x0600 <= cp <= 0x06FF or 0xFB50 <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF
                             or 0x0750 <= cp <= 0x077F)


def persian_ratio(text: str) -> float:
    """Share of Persian letters among letters; 0.0 when there are no letters at all (digits only)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(map(is_persian_letter, letters)) / len(letters)


def has_url_or_email(text: str) -> bool:
    return _URL_OR_EMAIL.search(text) is not None


def split_of(doc_id: str, split_seed: int, ratios: Iterable[float]) -> str:
    """Stable document → split assignment: sha256(f"{split_seed}:{doc_id}") read as a number in [0, 1)."""
    digest = hashlib.sha256(f"{split_seed}:{doc_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    acc = 0.0
    ratios = list(ratios)
    for name, r in zip(SPLITS, ratios, strict=True):
        acc += r
        if u < acc:
            return name
    return next(n for n, r in zip(reversed(SPLITS), reversed(ratios), strict=True) if r > 0)


def shuffle_tokens(tokens: list[str], seed: int, doc_id: str, sent_index: int, k: int) -> list[str]:
    """A seeded permutation of `tokens`, never the original order when >= 2 distinct tokens exist.

    >>> shuffle_tokens(["من", "به", "خانه", "رفتم", "."], 0, "d1", 0, 0) != ["من", "به", "خانه", "رفتم", "."]
    True
    """
    rng = random.Random(f"{seed}:{doc_id}:{sent_index}:{k}")
    out = list(tokens)
    rng.shuffle(out)
    if len(set(tokens)) >= 2:
        while out == tokens:
            rng.shuffle(out)
    return out


def sentence_tokens(sentence: str, punctuation: str) -> tuple[list[str], int]:
    """Tokens of one normalized sentence under the punctuation policy, and how many marks were dropped."""
    from fa_nlp.text import words

    if punctuation == "keep":
        return words(sentence, punctuation="keep"), 0
    tokens = words(sentence, punctuation="detach")
    if punctuation == "drop":
        kept = [t for t in tokens if not is_punctuation(t)]
        return kept, len(tokens) - len(kept)
    return tokens, 0


@dataclass
class Candidate:
    """A sentence that passed every per-document filter; dedup and shuffling happen later, in order."""

    doc_id: str
    source: str
    sent_index: int
    ordered: str
    ordered_text: str
    n_words: int
    n_tokens: int


def process_document(doc_id: str, text: str, source: str, params: dict[str, Any],
                     reports: dict[str, SkipReport], stats: Counter) -> tuple[str, list[Candidate]]:
    """One document → (its split, its candidate sentences); skips are counted in `reports[split]`.

    Pure given its inputs (no global state), so it can run in any worker process.
    """
    from fa_nlp.text import normalize, sentence_spans

    if source in params["test_sources"]:
        split = "test"
    else:
        split = split_of(doc_id, params["split_seed"], params["split"])
    report = reports[split]
    lo, hi = params["bounds"][split]
    out: list[Candidate] = []
    norm = normalize(text).text
    for i, (s, e) in enumerate(sentence_spans(norm)):
        sentence = norm[s:e].strip()
        if not sentence:
            report.skip("empty", f"{doc_id}#{i}")
            continue
        if params["drop_urls"] and has_url_or_email(sentence):
            report.skip("url_or_email", sentence)
            continue
        if not any(c.isalpha() for c in sentence):
            report.skip("no_letters", sentence)  # stray marks or numbers ("…", "۱۲۳۴.")
            continue
        if persian_ratio(sentence) < params["min_persian_ratio"]:
            report.skip("non_persian", sentence)
            continue
        tokens, dropped = sentence_tokens(sentence, params["punctuation"])
        if any(not t or any(c.isspace() for c in t) for t in tokens):
            report.skip("bad_token", sentence)  # a token with a space would break `.split(" ")`
            continue
        if len(set(tokens)) < 2:
            report.skip("one_distinct_token", sentence)  # "شرم شرم شرم": every order is the original
            continue
        n_words = sum(1 for t in tokens if not is_punctuation(t))
        if n_words < lo:
            report.skip("too_short", sentence)
            continue
        if n_words > hi:
            report.skip("too_long", sentence)
            continue
        stats["punctuation_dropped"] += dropped
        out.append(Candidate(doc_id, source, i, " ".join(tokens), sentence, n_words, len(tokens)))
    return split, out


def process_shard(shard: list[tuple[str, str, str]], params: dict[str, Any]) -> dict[str, Any]:
    """A batch of (doc_id, text, source) → candidates per split plus skip reports (module-level: picklable)."""
    reports = {s: SkipReport() for s in SPLITS}
    stats: Counter = Counter()
    candidates: dict[str, list[Candidate]] = {s: [] for s in SPLITS}
    docs: Counter = Counter()
    for doc_id, text, source in shard:
        split, cands = process_document(doc_id, text, source, params, reports, stats)
        docs[split] += 1
        candidates[split].extend(cands)
    return {"candidates": candidates, "reports": reports, "stats": stats, "docs": docs}


# ---------------------------------------------------------------- inputs


def _catalog_entries(spec: str) -> list[Any] | None:
    """Catalog entries for a name or selection (`fa_text:A+B`); None when `spec` is a file path."""
    from fa_nlp.data.readers import READER_KINDS

    head, sep, _ = spec.partition(":")
    if Path(spec).exists() or (sep and head in READER_KINDS):
        return None
    from fa_nlp.data import corpora

    return corpora.resolve(spec)


def _file_path(spec: str) -> Path:
    from fa_nlp.data.readers import READER_KINDS

    head, sep, rest = spec.partition(":")
    return Path(rest) if sep and head in READER_KINDS and not Path(spec).exists() else Path(spec)


def input_files(spec: str) -> list[Path]:
    """Files a corpus spec reads, for the manifest and the build key (hashes, not paths, enter the key)."""
    entries = _catalog_entries(spec)
    if entries is None:
        path = _file_path(spec)
        if path.is_dir():
            raise ValueError(f"{path} is a directory: give a file, a catalog name or a selection like fa_text:A")
        return [path]
    from fa_nlp.data.corpora import corpus_files

    # files flagged `documents = false` in the catalog (e.g. the sample's qa.json) are not read as documents
    return [p for e in entries for p in corpus_files(e, documents_only=True)]


def iter_documents(cfg: WordOrderConfig, report: SkipReport) -> Iterator[tuple[str, str, str]]:
    """(doc_id, text, source) over all corpora, in config order.

    Catalog documents keep the reader's ids (`"<corpus name>:<file id>"`, unique across corpora), so a
    document lands in the same split whichever selection (`fa_text:A` or `fa_text:A+B`) it came from;
    `source` is the catalog name, or the file name for a path.
    """
    from fa_nlp.data.readers import read_documents

    names = [_file_path(c).name for c in cfg.corpora if _catalog_entries(c) is None]
    dupes = sorted(n for n, k in Counter(names).items() if k > 1)
    if dupes:
        raise ValueError(f"input files share a name {dupes}: their doc ids would collide; rename one")
    for spec in cfg.corpora:
        entries = _catalog_entries(spec)
        names_of = {e.name for e in entries} if entries else set()
        file_name = _file_path(spec).name if entries is None else ""  # once per spec, not per document
        for doc in read_documents(spec, lenient=cfg.lenient, report=report):
            if entries is None:
                yield doc.id, doc.text, file_name
            else:
                source = next((n for n in names_of if doc.id.startswith(n + ":")), spec)
                yield doc.id, doc.text, source


def _shards(docs: Iterator[tuple[str, str, str]], size: int) -> Iterator[list[tuple[str, str, str]]]:
    shard: list[tuple[str, str, str]] = []
    for d in docs:
        shard.append(d)
        if len(shard) >= size:
            yield shard
            shard = []
    if shard:
        yield shard


def _warm_up() -> None:
    """Load hazm's normalizer (word lists) before the first document, in whichever process runs this."""
    from fa_nlp.text import normalize

    normalize("گرم کردن")


def ordered_map(fn: Callable[[Any], Any], items: Iterable[Any], num_proc: int) -> Iterator[Any]:
    """`map(fn, items)` over `num_proc` processes, results in input order, at most 2·num_proc in flight.

    Bounded (unlike `Pool.imap`, whose feeder thread drains the input), so memory stays constant in
    the corpus size; ordered, so the output does not depend on `num_proc`.
    """
    if num_proc <= 1:
        yield from map(fn, items)
        return
    import multiprocessing as mp

    # spawn, not fork: the parent may already run pyarrow/tqdm threads, and forking a threaded
    # process can deadlock. Each worker loads hazm once (`_warm_up`), ~1 s, paid once per build.
    ctx = mp.get_context("spawn")
    with ctx.Pool(num_proc, initializer=_warm_up) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.apply_async(fn, (item,)))
            if len(pending) >= 2 * num_proc:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


# ---------------------------------------------------------------- spill files and writers


class _Spill:
    """Append-only pickle stream of candidate batches on disk: keeps memory flat between passes."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = open(path, "wb")  # noqa: SIM115 - closed in close()

    def add(self, batch: list[Candidate]) -> None:
        if batch:
            pickle.dump(batch, self.fh, protocol=pickle.HIGHEST_PROTOCOL)

    def close(self) -> None:
        self.fh.close()

    def __iter__(self) -> Iterator[Candidate]:
        with open(self.path, "rb") as fh:
            while True:
                try:
                    yield from pickle.load(fh)
                except EOFError:
                    return


COLUMNS = ("id", "doc_id", "source", "sent_index", "k", "shuffled", "ordered", "ordered_text", "n_words",
           "n_tokens")


def arrow_schema():
    import pyarrow as pa

    return pa.schema([
        ("id", pa.string()), ("doc_id", pa.string()), ("source", pa.string()), ("sent_index", pa.int32()),
        ("k", pa.int32()), ("shuffled", pa.string()), ("ordered", pa.string()), ("ordered_text", pa.string()),
        ("n_words", pa.int32()), ("n_tokens", pa.int32()),
    ])


class _SplitWriter:
    """Rows → Parquet (deterministic: fixed row groups, no timestamps) + an Arrow stream for HF datasets."""

    def __init__(self, parquet_path: Path, arrow_path: Path):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.schema = arrow_schema()
        parquet_path.parent.mkdir(parents=True, exist_ok=True)
        self.pq = pq.ParquetWriter(parquet_path, self.schema, compression="zstd", use_dictionary=True,
                                   write_statistics=True)
        self.arrow_sink = pa.OSFile(str(arrow_path), "wb")
        self.arrow = pa.ipc.new_stream(self.arrow_sink, self.schema)
        self.buf: dict[str, list] = {c: [] for c in COLUMNS}
        self.n = 0

    def add(self, row: dict[str, Any]) -> None:
        for c in COLUMNS:
            self.buf[c].append(row[c])
        self.n += 1
        if len(self.buf["id"]) >= ROW_GROUP_SIZE:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if not self.buf["id"]:
            return
        table = pa.Table.from_pydict(self.buf, schema=self.schema)
        self.pq.write_table(table, row_group_size=ROW_GROUP_SIZE)
        self.arrow.write_table(table)
        self.buf = {c: [] for c in COLUMNS}

    def close(self) -> None:
        import pyarrow as pa

        if self.n == 0:  # an empty split still needs one (empty) batch to be a loadable HF dataset
            self.arrow.write_table(pa.Table.from_pydict(self.buf, schema=self.schema))
        self._flush()
        self.pq.close()
        self.arrow.close()
        self.arrow_sink.close()


# ---------------------------------------------------------------- the build


def _params(cfg: WordOrderConfig) -> dict[str, Any]:
    key = cfg.key_dict()
    return {
        "split_seed": key["split_seed"],
        "split": list(cfg.split),
        "test_sources": frozenset(cfg.test_sources),
        "bounds": {s: cfg.bounds(s) for s in SPLITS},
        "drop_urls": cfg.drop_urls,
        "min_persian_ratio": cfg.min_persian_ratio,
        "punctuation": cfg.punctuation,
    }


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


def build_info(cfg: WordOrderConfig) -> tuple[str, list[dict[str, Any]], dict[str, str]]:
    """(build key, input records, code version): what decides whether a rebuild is needed."""
    from fa_nlp.data import builds

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
    key, inputs, code = build_info(cfg)
    if out_dir is not None:
        from fa_nlp.data import builds

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


def _build_into(tmp: Path, cfg: WordOrderConfig, key: str, inputs: list[dict[str, Any]], code: dict[str, str],
                progress: bool, log: Callable[[str], None]) -> dict[str, Any]:
    from tqdm.auto import tqdm

    from fa_nlp.data import builds

    started = time.time()
    params = _params(cfg)
    work = tmp / ".work"
    work.mkdir()
    spills = {s: _Spill(work / f"{s}.pkl") for s in SPLITS}
    doc_report = SkipReport()
    sent_reports = {s: SkipReport() for s in SPLITS}
    stats: Counter = Counter()
    docs_per_split: Counter = Counter()
    n_candidates = 0

    # pass 1 (parallel, ordered): documents → filtered candidate sentences, spilled per split
    shards = _shards(iter_documents(cfg, doc_report), cfg.shard_size)
    bar = tqdm(desc="wordorder: documents", unit="doc", disable=not progress)
    try:
        for res in ordered_map(partial(process_shard, params=params), shards, cfg.num_proc):
            for s in SPLITS:
                spills[s].add(res["candidates"][s])
                sent_reports[s].merge(res["reports"][s])
                n_candidates += len(res["candidates"][s])
            stats.update(res["stats"])
            docs_per_split.update(res["docs"])
            bar.update(sum(res["docs"].values()))
            bar.set_postfix(sentences=n_candidates)
    finally:
        bar.close()
        for sp in spills.values():
            sp.close()

    # pass 2 (sequential, deterministic order): dedup across ALL splits, shuffle, write
    seen: set[bytes] = set()
    hist: dict[str, Counter] = {s: Counter() for s in SPLITS}
    examples: Counter = Counter()
    sample_heaps: dict[str, list[tuple[bytes, str, str, str, str]]] = {s: [] for s in SPLITS}
    arrow_dir = work / "arrow"
    arrow_dir.mkdir()
    bar = tqdm(total=n_candidates, desc="wordorder: dedup+shuffle", unit="sent", disable=not progress)
    for split in DEDUP_ORDER:
        writer = _SplitWriter(tmp / "parquet" / f"{split}.parquet", arrow_dir / f"{split}.arrow")
        rep = sent_reports[split]
        for c in spills[split]:
            bar.update()
            if cfg.dedup:
                d = _digest(c.ordered)
                if d in seen:
                    rep.skip("duplicate", c.ordered_text)
                    continue
                seen.add(d)
            rep.keep()
            hist[split][c.n_words] += 1
            tokens = c.ordered.split(" ")
            for k in range(cfg.shuffles(split)):
                row_id = f"{c.doc_id}#{c.sent_index}#{k}"
                shuffled = " ".join(shuffle_tokens(tokens, cfg.seed, c.doc_id, c.sent_index, k))
                writer.add({"id": row_id, "doc_id": c.doc_id, "source": c.source, "sent_index": c.sent_index,
                            "k": k, "shuffled": shuffled, "ordered": c.ordered, "ordered_text": c.ordered_text,
                            "n_words": c.n_words, "n_tokens": c.n_tokens})
                examples[split] += 1
                if k == 0:  # readable samples, chosen by hash so they are stable and spread out
                    heap = sample_heaps[split]
                    item = (hashlib.sha256(row_id.encode()).digest(), split, row_id, shuffled, c.ordered_text)
                    if len(heap) < SAMPLES_PER_SPLIT[split]:
                        heapq.heappush(heap, _neg(item))
                    else:
                        heapq.heappushpop(heap, _neg(item))
        writer.close()
    bar.close()
    del seen

    # HF DatasetDict from the Arrow streams (memory-mapped, not loaded)
    import datasets

    dsd = datasets.DatasetDict({s: datasets.Dataset.from_file(str(arrow_dir / f"{s}.arrow")) for s in SPLITS})
    # explicit shard counts: datasets writes 0 shards for an empty split, which it then cannot load
    shards = {s: max(1, -(-dsd[s].data.nbytes // (500 << 20))) for s in SPLITS}
    bars_were_on = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # our own bars cover the build; HF's per-split bars are noise
    try:
        dsd.save_to_disk(str(tmp / "hf"), num_shards=shards)
    finally:
        if bars_were_on:
            datasets.enable_progress_bars()
    del dsd

    for s in SPLITS:
        sent_reports[s].check()
    doc_report.check()
    total = SkipReport()
    for s in SPLITS:
        total.merge(sent_reports[s])
    counts = {
        "documents": {**doc_report.to_dict(), "per_split": {s: docs_per_split[s] for s in SPLITS}},
        "sentences": {**total.to_dict(), "per_split": {s: sent_reports[s].to_dict() for s in SPLITS}},
        "examples": {s: examples[s] for s in SPLITS},
        "punctuation_dropped": stats["punctuation_dropped"],
    }
    samples = [x for s in SPLITS for x in sorted(_neg(y) for y in sample_heaps[s])]
    length_hist = {s: dict(sorted(hist[s].items())) for s in SPLITS}
    _write_card(tmp, cfg, counts, length_hist, [(x[1], x[2], x[3], x[4]) for x in samples])
    import shutil

    shutil.rmtree(work)
    manifest = builds.write_manifest(
        tmp, key=key, inputs=inputs, config=cfg.key_dict(), code=code, counts=counts, started=started,
        extra={"dataset": "wordorder", "runtime": {f: getattr(cfg, f) for f in RUNTIME_FIELDS},
               "length_histogram": {s: {str(k): v for k, v in h.items()} for s, h in length_hist.items()},
               "dedup_memory": "one 8-byte blake2b digest per unique kept sentence"},
    )
    log(f"wordorder: documents {doc_report.summary()}")
    for s in SPLITS:
        log(f"wordorder: {s}: {docs_per_split[s]} docs, sentences {sent_reports[s].summary()}, "
            f"{examples[s]} examples")
    return manifest


def _neg(item: tuple) -> tuple:
    """Max-heap on the digest via byte inversion (heapq is a min-heap; we keep the 10 smallest)."""
    return (bytes(255 - b for b in item[0]), *item[1:])


# ---------------------------------------------------------------- dataset card


def _corpus_rows(cfg: WordOrderConfig) -> list[list[str]]:
    """One row per source corpus: catalog licence and tier, or "local file" for a path."""
    rows = []
    for spec in cfg.corpora:
        entries = _catalog_entries(spec)
        if entries is None:
            rows.append([_file_path(spec).name, "", "local file (see its own notice)", str(_file_path(spec))])
        else:
            rows += [[e.name, e.tier, e.licence, e.description] for e in entries]
    return rows


def _write_card(tmp: Path, cfg: WordOrderConfig, counts: dict[str, Any], length_hist: dict[str, dict[int, int]],
                samples: list[tuple[str, str, str, str]]) -> None:
    from fa_nlp.data.card import histogram_png, markdown_table, write_card

    histogram_png(tmp / "length_histogram.png", {s: h for s, h in length_hist.items() if h},
                  "Sentence length per split (kept, unique sentences)", "words (punctuation excluded)",
                  share=True)
    sent = counts["sentences"]
    split_rows = [[s, counts["documents"]["per_split"][s], sent["per_split"][s]["kept"], counts["examples"][s],
                   "{}–{}".format(*cfg.bounds(s)), cfg.shuffles(s)] for s in SPLITS]
    reasons = sorted({r for s in SPLITS for r in sent["per_split"][s]["skipped_by_reason"]})
    skip_rows = [[r, *[sent["per_split"][s]["skipped_by_reason"].get(r, 0) for s in SPLITS]] for r in reasons]
    lengths = sorted({n for h in length_hist.values() for n in h})
    hist_rows = [[n, *[length_hist[s].get(n, 0) for s in SPLITS]] for n in lengths]
    sample_rows = [[split, row_id, shuffled, text] for split, row_id, shuffled, text in samples]
    key = cfg.key_dict()
    sections = [
        ("What this is", (
            "Pairs of *shuffled words → ordered sentence* for training and evaluating Persian word-order "
            "restoration. Built by `fa-nlp build wordorder` (module `fa_nlp.data.wordorder`); the exact "
            "inputs (with sha256), configuration, code and library versions are in `manifest.json`.\n\n"
            "Files: `parquet/{train,validation,test}.parquet` (byte-reproducible), `hf/` (`datasets."
            "load_from_disk`), `length_histogram.png`.\n\n"
            "Columns: `id` (`doc_id#sent_index#k`), `doc_id`, `source`, `sent_index` (sentence number in "
            "its document), `k` (shuffle number), `shuffled`, `ordered` (tokens joined by one space: "
            "`shuffled.split(' ')` is a permutation of `ordered.split(' ')`), `ordered_text` (the normalized "
            "sentence as written), `n_words` (punctuation excluded), `n_tokens`.")),
        ("Sources and licences", markdown_table(["corpus", "tier", "licence", "what"], _corpus_rows(cfg)) + (
            "\n\nLicences differ per source (several are research-only / non-commercial / share-alike): "
            "check each before redistributing anything built from them.")),
        ("Word policy", (
            "- Text is normalized (`fa_nlp.text.normalize`), split into sentences (`fa_nlp.text.sentence_spans`) "
            "and into whitespace tokens (`fa_nlp.text.words`).\n"
            "- ZWNJ compounds stay one token (`می‌روم`, `کتاب‌ها`); verb parts are not joined with `_` "
            "(`گفته شده است` is three tokens).\n"
            f"- Punctuation: **{cfg.punctuation}**. detach = each mark is its own token (a final `.` does not "
            "reveal the last word); keep = marks stay glued to their word; drop = marks removed and counted "
            f"(dropped here: {counts['punctuation_dropped']}).")),
        ("Splits and leakage", (
            f"Documents are assigned by sha256(\"{key['split_seed']}:doc_id\") → [0, 1) with ratios "
            f"{list(cfg.split)} (train, validation, test)"
            + (f"; documents of {', '.join(cfg.test_sources)} are all held out as test" if cfg.test_sources else "")
            + ": no document is in two splits. Exact duplicate "
            "sentences are removed across all splits (test first, then validation, then train, each in "
            "corpus order; the first occurrence wins), so no sentence is in two splits. Shuffles use "
            f"`random.Random(f\"{cfg.seed}:{{doc_id}}:{{sent_index}}:{{k}}\")`; a shuffle equal to the original "
            "order is redrawn when the sentence has at least two distinct tokens.\n\n"
            + markdown_table(["split", "documents", "sentences", "examples", "words", "shuffles"], split_rows,
                             ["l", "r", "r", "r", "r", "r"]))),
        ("Filtered sentences (by reason)", (
            f"Read {sent['read']} sentences, kept {sent['kept']}, skipped {sent['skipped']}. Filters: word "
            f"bounds per split (above), no letters at all (`no_letters`), Persian-letter share < "
            f"{cfg.min_persian_ratio} (`non_persian`), a single distinct token (`one_distinct_token`), URLs or "
            f"e-mails (`url_or_email`, {'on' if cfg.drop_urls else 'off'}), exact duplicates (`duplicate`, "
            f"{'on' if cfg.dedup else 'off'}). Documents: {counts['documents']['read']} read, "
            f"{counts['documents']['kept']} kept, skipped by reason "
            f"{counts['documents']['skipped_by_reason'] or 'none'}.\n\n"
            + (markdown_table(["reason", *SPLITS], skip_rows, ["l", "r", "r", "r"]) if skip_rows else "none"))),
        ("Length histogram", "![length histogram](length_histogram.png)\n\n"
            + (markdown_table(["words", *SPLITS], hist_rows, ["r", "r", "r", "r"]) if hist_rows else "empty")),
        ("Samples", markdown_table(["split", "id", "shuffled", "ordered_text"], sample_rows) if sample_rows
            else "no examples"),
        ("Rebuild", (f"```\n{rebuild_command(cfg)}\n```\n\nSame inputs, config, code and seed give "
                     "byte-identical Parquet files, whatever `--num-proc`; a rebuild with nothing changed is a "
                     "no-op.")),
    ]
    write_card(tmp, "Persian word-order dataset", sections)


def rebuild_command(cfg: WordOrderConfig, out: str = "DIR") -> str:
    """The CLI line that rebuilds this config (fields that differ from the defaults, as --set)."""
    from fa_nlp.config import to_dict

    default = to_dict(WordOrderConfig(corpora=cfg.corpora))
    parts = ["fa-nlp build wordorder", *(f"--corpus {c}" for c in cfg.corpora), f"--out {out}"]
    for k, v in to_dict(cfg).items():
        if k not in ("corpora", *RUNTIME_FIELDS) and v != default[k]:
            v = ",".join(map(str, v)) if isinstance(v, list) else v
            parts.append(f"--set {k}={v}")
    return " ".join(parts)


def default_out_dir(cfg: WordOrderConfig) -> Path:
    """build/wordorder/<corpora> under the current directory (`fa_text_A+B`, `mini.txt`)."""
    label = "-".join(_file_path(c).name if _catalog_entries(c) is None else c for c in cfg.corpora)
    return Path("build") / "wordorder" / re.sub(r"[^\w.+-]+", "_", label)[:80]


__all__ = [
    "SPLITS",
    "WordOrderConfig",
    "build",
    "build_info",
    "default_out_dir",
    "has_url_or_email",
    "input_files",
    "is_punctuation",
    "ordered_map",
    "persian_ratio",
    "process_document",
    "sentence_tokens",
    "shuffle_tokens",
    "split_of",
]

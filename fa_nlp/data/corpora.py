"""The corpora catalog (`corpora/catalog.toml`): name → files, checksums, licence, reader; and fetch.

    from fa_nlp.data import corpora
    corpora.get("pquad").licence                 # 'CC BY-SA 4.0'
    corpora.select(group="fa_text", tier=["A", "B"])
    corpora.resolve("fa_text:A+B")               # the same, as a string for CLIs and configs
    corpora.fetch("pquad")                       # → directory holding the verified files
    corpora.corpus_files("pquad")                # → [.../Validation.json, .../Test.json]

Files come from the local mirror first (`fa_nlp.settings.data_root()`: `$FA_NLP_DATA` or
`../shared/data`, layout `<mirror>/<entry.dir>/<file.path>`), are checked against the pinned
sha256, and only otherwise are downloaded from their canonical URL into the cache
(`$FA_NLP_CACHE` or `~/.cache/fa_nlp`, under `corpora/<entry.dir>`). A checksum mismatch is an
error naming the file, the expected and the actual hash: it is never silently accepted.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import shutil
import tomllib
from dataclasses import MISSING, dataclass, fields
from functools import lru_cache
from pathlib import Path

from fa_nlp.data.records import READER_KINDS  # the catalog accepts exactly the kinds readers implement
from fa_nlp.io import atomic_open, sha256_file
from fa_nlp.report import InputError
from fa_nlp.settings import REPO_ROOT, data_root

CATALOG_PATH = REPO_ROOT / "corpora" / "catalog.toml"
CACHE_ENV = "FA_NLP_CACHE"
TIERS = ("A", "B", "C", "D")
ROOTS = ("mirror", "repo")


class ChecksumError(ValueError):
    """A file's sha256 differs from the catalog's: names the file, expected and actual hash."""

    def __init__(self, path: str | Path, expected: str, got: str, origin: str = ""):
        self.path, self.expected, self.got = str(path), expected, got
        where = f" (from {origin})" if origin else ""
        super().__init__(f"{path}{where}: sha256 mismatch: expected {expected}, got {got}")


@dataclass(frozen=True)
class CorpusFile:
    path: str  # relative to the entry's dir
    sha256: str  # "" = not pinned (the repo's own sample only)
    url: str = ""  # canonical download; "" = derived data, mirror only
    bytes: int | None = None
    split: str = ""
    kind: str = ""  # overrides the entry's reader kind
    documents: bool = (
        True  # False: not part of the corpus's documents view (e.g. QA contexts repeating its text)
    )


@dataclass(frozen=True)
class CorpusEntry:
    name: str
    dir: str
    kind: str
    group: str
    licence: str
    citation: str
    source: str
    description: str
    files: tuple[CorpusFile, ...]
    language: str = ""
    tier: str = ""
    root: str = "mirror"  # "repo": dir is inside this repository (the sample corpus)
    notes: str = ""

    def file_kind(self, f: CorpusFile) -> str:
        return f.kind or self.kind

    @property
    def downloadable(self) -> bool:
        return all(f.url for f in self.files)


# ---------------------------------------------------------------- catalog


def _build(cls, raw: dict, path: Path, where: str):
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(
            path, where, f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
    missing = sorted(k for k in required if k not in raw)
    if missing:
        raise InputError(path, where, f"missing field(s) {', '.join(missing)}")
    return raw


def _parse(data: dict, path: Path) -> dict[str, CorpusEntry]:
    entries: dict[str, CorpusEntry] = {}
    for i, raw in enumerate(data.get("corpus", [])):
        where = f"corpus[{i}]"
        raw = dict(raw)
        files_raw = raw.pop("files", [])
        _build(CorpusEntry, {**raw, "files": ()}, path, where)
        files = []
        for j, fr in enumerate(files_raw):
            _build(CorpusFile, fr, path, f"{where}.files[{j}]")
            files.append(CorpusFile(**fr))
        entry = CorpusEntry(**raw, files=tuple(files))
        where = f"{where} ({entry.name})"
        if entry.name in entries:
            raise InputError(path, where, f"duplicate corpus name {entry.name!r}")
        kinds = {entry.kind} | {f.kind for f in files if f.kind}
        bad = sorted(kinds - set(READER_KINDS))
        if bad:
            raise InputError(path, where, f"unknown reader kind(s) {bad}; known: {', '.join(READER_KINDS)}")
        if entry.tier and entry.tier not in TIERS:
            raise InputError(path, where, f"tier must be one of {', '.join(TIERS)}, not {entry.tier!r}")
        if entry.root not in ROOTS:
            raise InputError(path, where, f"root must be one of {', '.join(ROOTS)}, not {entry.root!r}")
        if not files:
            raise InputError(path, where, "no files")
        entries[entry.name] = entry
    return entries


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> dict[str, CorpusEntry]:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise InputError(p, None, f"malformed TOML: {e}") from None
    return _parse(data, p)


def load_catalog(path: str | Path | None = None) -> dict[str, CorpusEntry]:
    """All catalog entries by name, in file order (cached until the file changes)."""
    p = Path(path) if path is not None else CATALOG_PATH
    return dict(_load_cached(str(p.resolve()), p.stat().st_mtime))


def list_corpora(catalog: str | Path | None = None) -> list[CorpusEntry]:
    return list(load_catalog(catalog).values())


def get(name: str, catalog: str | Path | None = None) -> CorpusEntry:
    entries = load_catalog(catalog)
    if name not in entries:
        close = difflib.get_close_matches(name, list(entries), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `fa-nlp corpus list`"
        raise ValueError(f"unknown corpus {name!r}{hint}")
    return entries[name]


def select(
    group: str | None = None,
    tier: str | list[str] | None = None,
    kind: str | None = None,
    catalog: str | Path | None = None,
) -> list[CorpusEntry]:
    """Entries matching every given filter, e.g. `select(group="fa_text", tier=["A", "B"])`."""
    tiers = [tier] if isinstance(tier, str) else tier
    return [
        e
        for e in list_corpora(catalog)
        if (group is None or e.group == group)
        and (tiers is None or e.tier in tiers)
        and (kind is None or e.kind == kind)
    ]


def resolve(spec: str, catalog: str | Path | None = None) -> list[CorpusEntry]:
    """A name (`pquad`), a group (`fa_text`, `qa`), or a group with tiers (`fa_text:A+B`, `fa_text:A,B`)."""
    entries = load_catalog(catalog)
    if spec in entries:
        return [entries[spec]]
    group, _, tiers = spec.partition(":")
    groups = {e.group for e in entries.values()}
    if group not in groups:
        get(spec, catalog)  # raises with suggestions
    tier_list = [t.strip() for t in tiers.replace(",", "+").split("+")] if tiers else None
    if tier_list:
        bad = [t for t in tier_list if t not in TIERS]
        if bad:
            raise ValueError(f"{spec!r}: unknown tier(s) {bad}; tiers are {', '.join(TIERS)}")
    return select(group=group, tier=tier_list, catalog=catalog)


# ---------------------------------------------------------------- locations


def cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "fa_nlp"


def _mirror_dir(entry: CorpusEntry, mirror: str | Path | None) -> Path | None:
    if entry.root == "repo":
        return REPO_ROOT / entry.dir
    root = Path(mirror) if mirror is not None else data_root()
    return root / entry.dir if root is not None else None


def _has_all(directory: Path | None, entry: CorpusEntry) -> bool:
    return directory is not None and all((directory / f.path).is_file() for f in entry.files)


def locate(
    name: str | CorpusEntry, mirror: str | Path | None = None, dest: str | Path | None = None
) -> Path | None:
    """Where a corpus's files all are (mirror first, then `dest` or the cache), unverified; None if nowhere."""
    entry = get(name) if isinstance(name, str) else name
    for directory in (
        _mirror_dir(entry, mirror),
        Path(dest) if dest else cache_dir() / "corpora" / entry.dir,
    ):
        if _has_all(directory, entry):
            return directory
    return None


def corpus_files(
    name: str | CorpusEntry,
    mirror: str | Path | None = None,
    dest: str | Path | None = None,
    documents_only: bool = False,
) -> list[Path]:
    """The local files of a fetched corpus, in catalog order (no hashing: `fetch` verifies).
    `documents_only=True` leaves out files marked `documents = false` (what `read_documents` reads)."""
    entry = get(name) if isinstance(name, str) else name
    directory = locate(entry, mirror, dest)
    if directory is None:
        raise FileNotFoundError(
            f"corpus {entry.name!r} is not available locally: run `fa-nlp corpus fetch {entry.name}` "
            f"(or set FA_NLP_DATA to the data mirror)"
        )
    return [directory / f.path for f in entry.files if f.documents or not documents_only]


# ---------------------------------------------------------------- fetch


def verify(path: Path, f: CorpusFile, origin: str = "") -> None:
    if not f.sha256:
        return
    got = sha256_file(path)
    if got != f.sha256:
        raise ChecksumError(path, f.sha256, got, origin)


def _download(url: str, target: Path, f: CorpusFile, progress: bool) -> None:
    """Stream `url` to a temp file beside `target`, hash while writing, rename only if the hash matches."""
    import urllib.request

    from tqdm import tqdm

    h = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=60) as resp:
        total = resp.headers.get("Content-Length")
        with (
            atomic_open(target, "wb") as out,
            tqdm(
                total=int(total) if total else None,
                unit="B",
                unit_scale=True,
                desc=f.path,
                disable=not progress,
            ) as bar,
        ):
            while block := resp.read(1 << 16):
                out.write(block)
                h.update(block)
                bar.update(len(block))
            got = h.hexdigest()
            if f.sha256 and got != f.sha256:
                raise ChecksumError(target, f.sha256, got, url)  # the temp file is removed


def fetch(
    name: str | CorpusEntry,
    dest: str | Path | None = None,
    mirror: str | Path | None = None,
    urls: bool = True,
    progress: bool = True,
) -> Path:
    """Make every file of a corpus available locally, verified, and return the directory holding them.

    Without `dest`, a complete, verified mirror copy is used in place (nothing is copied);
    otherwise files go to `dest` (or the cache): copied from the mirror when there, else
    downloaded from their URL (`urls=False` forbids the network). Files already in the target
    with the right hash are kept.
    """
    entry = get(name) if isinstance(name, str) else name
    src = _mirror_dir(entry, mirror)
    if dest is None:
        if _has_all(src, entry):
            for f in entry.files:
                verify(src / f.path, f)
            return src
        target = cache_dir() / "corpora" / entry.dir
    else:
        target = Path(dest)
    for f in entry.files:
        out = target / f.path
        if out.is_file():
            try:
                verify(out, f)
                continue
            except ChecksumError:
                # a stale/corrupt copy in the target is replaced if there is somewhere to get it from
                if not ((src is not None and (src / f.path).is_file()) or (f.url and urls)):
                    raise
        if src is not None and (src / f.path).is_file():
            verify(src / f.path, f)
            if src / f.path != out:
                with atomic_open(out, "wb") as fh, open(src / f.path, "rb") as fin:
                    shutil.copyfileobj(fin, fh)
                os.chmod(out, 0o644)  # mkstemp makes 0600; fetched data is meant to be shared
            continue
        if not f.url:
            raise FileNotFoundError(
                f"{entry.name}: {f.path} is not in the mirror ({src or 'no mirror found'}) and has no download URL "
                f"(derived data: see corpora/README.md); set FA_NLP_DATA to the data mirror"
            )
        if not urls:
            raise FileNotFoundError(
                f"{entry.name}: {f.path} is not local and downloads are disabled ({f.url})"
            )
        _download(f.url, out, f, progress)
        os.chmod(out, 0o644)
    return target

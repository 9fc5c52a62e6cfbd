"""The one place that turns what a user typed as a corpus into files: every command and builder asks here.

    from fa_nlp.data import sources
    src = sources.resolve("fa_text:A+B")          # catalog name, selection, file, directory, glob, KIND:PATH
    [f.path for f in src.files(documents_only=True)]
    sources.resolve("notes/").files()             # the folder's *.txt files, sorted, recursively
    sources.resolve("pquad:test")                 # no: NAME:SPLIT is `resolve_split` (QA roles)

What a spec means, tried in this order:
1. an existing path: a file, or a directory (its `*.txt` files, recursively, in sorted order);
2. `KIND:PATH` with a reader kind (`plain-blank:notes.txt`): the file, read with that reader;
3. a glob (`'notes/*.txt'`, `'corpus/**/*.txt'`): the matching files, sorted;
4. a catalog name (`pquad`), group (`fa_text`) or group with tiers (`fa_text:A+B`).
Anything else is `FileNotFoundError`: "no such file or directory" for what looks like a path,
the catalog's suggestions for what looks like a name. An empty directory or glob is an error too.

Document ids stay unique across files: catalog documents are `"<corpus name>:<file's own id>"`,
documents of a directory or glob are `"<relative path>:<id within the file>"` (`sub/a.txt:3`),
and a single file keeps its reader's ids (`a:3`).
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path

from fa_nlp.data import corpora
from fa_nlp.data.records import READER_KINDS

TEXT_SUFFIXES = (".txt",)  # what a directory given as a document corpus contributes
QA_SUFFIXES = (".json", ".jsonl")  # what a directory given as a QA source contributes
_MAGIC = re.compile(r"[*?[]")  # glob wildcards


@dataclass(frozen=True)
class SourceFile:
    """One file of a source, with what its documents need: reader kind, id prefix, split."""

    path: Path
    kind: str | None = None  # reader kind; None = guessed from the file
    corpus: str = ""  # catalog entry name ("" for local files)
    rel: str = ""  # path relative to the directory or glob base ("" for a single file)
    split: str = ""  # catalog split (train/validation/test), "" when none
    documents: bool = True  # False: not part of the corpus's documents view (catalog `documents = false`)

    def doc_id(self, reader_id: str) -> str:
        """The id a document of this file gets across the whole source (see the module docstring)."""
        if self.corpus:
            return f"{self.corpus}:{reader_id}"
        if self.rel:
            own = reader_id.removeprefix(f"{self.path.stem}:")
            return f"{self.rel}:{own}"
        return reader_id


@dataclass(frozen=True)
class Source:
    """A resolved spec: catalog entries, or one local file / directory / glob (`path`)."""

    spec: str
    entries: tuple[corpora.CorpusEntry, ...] = ()
    path: Path | None = None  # the local file, directory or glob pattern
    kind: str | None = None  # reader kind forced by `KIND:PATH` or `kind=`
    shape: str = "catalog"  # catalog | file | dir | glob

    @property
    def local(self) -> bool:
        return self.shape != "catalog"

    @property
    def labels(self) -> list[str]:
        """Names of the inputs (the word-order `source` column): entry names, else the file or
        directory name, or the glob pattern as given."""
        if not self.local:
            return [e.name for e in self.entries]
        return [self.spec if self.shape == "glob" else self.path.name]

    def files(self, documents_only: bool = False, suffixes: tuple[str, ...] = TEXT_SUFFIXES) -> list[SourceFile]:
        """The local files, in reading order. Catalog corpora must be fetched (`fa-nlp corpus fetch`);
        `documents_only` leaves out catalog files marked `documents = false`; `suffixes` are what a
        directory contributes (a glob contributes what it matches)."""
        if self.shape == "catalog":
            out = [f for e in self.entries for f in _entry_files(e)]
            return [f for f in out if f.documents or not documents_only]
        if self.shape == "file":
            return [SourceFile(self.path, self.kind)]
        if self.shape == "dir":
            paths = [p for p in self.path.rglob("*") if p.suffix.lower() in suffixes and p.is_file()]
            base, what = self.path, f"no {'/'.join('*' + s for s in suffixes)} files under this directory"
        else:
            paths = [Path(p) for p in glob.glob(str(self.path), recursive=True) if Path(p).is_file()]
            base, what = _glob_base(str(self.path)), "the pattern matches no files"
        if not paths:
            raise FileNotFoundError(f"{self.spec}: {what}")
        rels = sorted((p.relative_to(base).as_posix(), p) for p in paths)
        return [SourceFile(p, self.kind, rel=rel) for rel, p in rels]


def resolve(spec: str | Path, kind: str | None = None, catalog: str | Path | None = None) -> Source:
    """What `spec` names (see the module docstring). A `Path`, or any spec with `kind=`, is always local."""
    text = str(spec)
    if kind is None and not isinstance(spec, Path) and not Path(text).exists():
        head, sep, rest = text.partition(":")
        if sep and head in READER_KINDS:
            return _local(text, Path(rest), head)
        if _MAGIC.search(text):
            return Source(text, path=Path(text), shape="glob")
        try:
            return Source(text, entries=tuple(corpora.resolve(text, catalog)))
        except ValueError as e:
            if _looks_like_path(text):
                raise FileNotFoundError(f"{text}: no such file or directory") from None
            raise FileNotFoundError(f"{text}: no such file, and not in the catalog: {e}") from None
    return _local(text, Path(text), kind)


def resolve_split(spec: str, catalog: str | Path | None = None) -> tuple[Source, str]:
    """`NAME:SPLIT` of one catalog corpus (`pquad:test`) → (that corpus, SPLIT); else (resolve(spec), "")."""
    head, sep, split = spec.partition(":")
    names = corpora.load_catalog(catalog)
    if sep and head in names and spec not in names and not Path(spec).exists():
        return Source(spec, entries=(corpora.get(head, catalog),)), split
    return resolve(spec, catalog=catalog), ""


def split_files(entry: str | corpora.CorpusEntry) -> dict[str, Path]:
    """split → local file of a catalog corpus, in catalog order; the first file listed for a split
    wins (`.json` before `.jsonl`: both hold the same questions)."""
    entry = corpora.get(entry) if isinstance(entry, str) else entry
    by_split: dict[str, Path] = {}
    for f in _entry_files(entry):
        by_split.setdefault(f.split, f.path)
    return by_split


def _entry_files(entry: corpora.CorpusEntry) -> list[SourceFile]:
    paths = corpora.corpus_files(entry)
    return [
        SourceFile(p, entry.file_kind(f), corpus=entry.name, split=f.split, documents=f.documents)
        for f, p in zip(entry.files, paths, strict=True)
    ]


def _local(spec: str, path: Path, kind: str | None) -> Source:
    if path.is_dir():
        return Source(spec, path=path, kind=kind, shape="dir")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file or directory")
    return Source(spec, path=path, kind=kind, shape="file")


def _glob_base(pattern: str) -> Path:
    """The directory part of a glob before its first wildcard: ids are relative to it."""
    parts = Path(pattern).parts
    fixed = parts[: next(i for i, p in enumerate(parts) if _MAGIC.search(p))]
    return Path(*fixed) if fixed else Path(".")


def _looks_like_path(text: str) -> bool:
    """Absolute, relative (`./`, `../`, `~`), a file suffix, or a folder that exists: a path, not a name."""
    p = Path(text)
    return (
        p.is_absolute()
        or text.startswith((".", "~"))
        or bool(p.suffix)
        or (os.sep in text and p.parent.exists())
    )

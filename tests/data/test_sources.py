"""fa_nlp.data.sources: the one corpus-spec → files resolver (catalog, file, directory, glob, KIND:PATH)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fa_nlp.data import sources
from fa_nlp.data.readers import read_documents


def _tree(root):
    """root/{b.txt, a.txt, sub/c.txt, sub/skip.json}: plain-lines files of two documents each."""
    (root / "sub").mkdir(parents=True)
    for rel in ("b.txt", "a.txt", "sub/c.txt"):
        (root / rel).write_text("یک\nدو\n", encoding="utf-8")
    (root / "sub" / "skip.json").write_text("{}", encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("spec", "shape", "labels"),
    [
        ("sample", "catalog", ["sample"]),  # a catalog name
        ("fa_text:A", "catalog", None),  # a group with tiers: several entries
        ("corpora/sample/documents.txt", "file", ["documents.txt"]),  # a file: its name is its label
        ("plain-blank:corpora/sample/documents.txt", "file", ["documents.txt"]),  # KIND:PATH
        ("corpora/sample", "dir", ["sample"]),  # an existing folder wins over the catalog name's lookalike
        ("corpora/sample/*.txt", "glob", ["corpora/sample/*.txt"]),  # a glob: the pattern is its label
    ],
)
def test_what_a_spec_means(spec, shape, labels):
    src = sources.resolve(spec)
    assert src.shape == shape and src.local == (shape != "catalog")
    if labels is not None:
        assert src.labels == labels
    else:
        assert len(src.entries) > 1 and all(e.tier == "A" for e in src.entries)


def test_kind_prefix_sets_the_reader():
    assert sources.resolve("plain-blank:corpora/sample/documents.txt").files()[0].kind == "plain-blank"


def test_directory_is_its_txt_files_sorted_recursively(tmp_path):
    src = sources.resolve(_tree(tmp_path / "notes"))
    assert [f.rel for f in src.files()] == ["a.txt", "b.txt", "sub/c.txt"]
    ids = [d.id for d in read_documents(tmp_path / "notes")]
    assert ids == ["a.txt:1", "a.txt:2", "b.txt:1", "b.txt:2", "sub/c.txt:1", "sub/c.txt:2"]


def test_glob_ids_are_relative_to_its_folder(tmp_path):
    _tree(tmp_path / "notes")
    assert [d.id for d in read_documents(f"{tmp_path}/notes/*.txt")] == ["a.txt:1", "a.txt:2", "b.txt:1", "b.txt:2"]
    assert [f.rel for f in sources.resolve(f"{tmp_path}/notes/**/*.txt").files()] == ["a.txt", "b.txt", "sub/c.txt"]


def test_directory_for_qa_takes_json_files(tmp_path):
    files = sources.resolve(_tree(tmp_path / "n")).files(suffixes=sources.QA_SUFFIXES)
    assert [f.rel for f in files] == ["sub/skip.json"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("/no/such/dir/notes.txt", r"no such file or directory$"),  # absolute path
        ("./notes.txt", r"no such file or directory$"),  # relative path
        ("notes.txt", r"no such file or directory$"),  # a file name (has a suffix)
        ("pquadd", "not in the catalog: unknown corpus 'pquadd'; did you mean pquad"),  # a name: suggestions
        ("plain-blank:/no/such.txt", "no such file or directory"),
    ],
)
def test_what_is_not_there(spec, message):
    with pytest.raises(FileNotFoundError, match=message):
        sources.resolve(spec)


def test_empty_directory_and_glob_are_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no \*\.txt files under this directory"):
        sources.resolve(tmp_path).files()
    with pytest.raises(FileNotFoundError, match="the pattern matches no files"):
        sources.resolve(str(tmp_path / "*.txt")).files()


def test_catalog_split_syntax():
    src, split = sources.resolve_split("pquad:test")
    assert [e.name for e in src.entries] == ["pquad"] and split == "test"
    src, split = sources.resolve_split("fa_text:A")  # a group with tiers, not NAME:SPLIT
    assert split == "" and len(src.entries) > 1


def test_sample_catalog_files_and_documents_view(sample_dir):
    files = sources.resolve("sample").files()
    assert [f.path.name for f in files] == ["documents.txt", "qa.json"]
    assert [f.path.name for f in sources.resolve("sample").files(documents_only=True)] == ["documents.txt"]
    assert all(f.corpus == "sample" for f in files)
    assert sources.split_files("sample").keys() >= {f.split for f in files}


def test_no_import_circle_in_data():
    # every import inside fa_nlp.data (lazy ones too) points one way: records ← corpora ← sources ← readers ...
    import ast
    from graphlib import TopologicalSorter

    import fa_nlp.data

    root = Path(fa_nlp.data.__file__).parent
    graph = {}
    for path in root.glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "fa_nlp.data":
                deps |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fa_nlp.data."):
                deps.add(node.module.removeprefix("fa_nlp.data."))
        graph[path.stem] = deps - {path.stem}
    list(TopologicalSorter(graph).static_order())  # raises CycleError on a circle
    assert "readers" not in graph["corpora"] | graph["squad"] | graph["records"]

"""Corpora catalog: schema, selection, checksums of the real mirror, fetch from a mirror and over HTTP."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import re
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from fa_nlp.cli import main
from fa_nlp.data import corpora
from fa_nlp.data.corpora import ChecksumError, CorpusEntry, CorpusFile
from fa_nlp.io import sha256_file
from fa_nlp.report import InputError

TEXT = "تهران پایتخت ایران است.\nاصفهان نصف جهان است.\n".encode()
SHA = hashlib.sha256(TEXT).hexdigest()


def _entry(url: str = "", sha: str = SHA, name: str = "tiny") -> CorpusEntry:
    return CorpusEntry(
        name=name,
        dir="tiny",
        kind="plain-lines",
        group="test",
        licence="CC0",
        citation="-",
        source="-",
        description="two Persian sentences",
        files=(CorpusFile("a.txt", sha, url=url),),
    )


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("FA_NLP_CACHE", str(d))
    return d


# ---------------------------------------------------------------- the catalog itself


def test_catalog_schema():
    entries = corpora.list_corpora()
    names = [e.name for e in entries]
    assert len(names) == len(set(names))
    assert {"ud_fa_sbd", "pquad", "persianqa", "parsinlu_rc", "sample"} <= set(names)
    assert [len(corpora.get(n).files) for n in ("ud_fa_sbd", "pquad", "persianqa", "parsinlu_rc")] == [
        4,
        2,
        1,
        3,
    ]
    for e in entries:
        assert e.licence and e.citation and e.description, e.name
        for f in e.files:
            # every pinned hash is a sha256; only the repo's own sample is unpinned
            assert re.fullmatch(r"[0-9a-f]{64}", f.sha256) or (e.name == "sample" and f.sha256 == ""), (
                e.name,
                f,
            )
            assert not f.url or f.url.startswith("https://raw.githubusercontent.com/"), f.url
        assert (e.group == "fa_text") == bool(e.tier), e.name


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # a name is itself
        ("pquad", ["pquad"]),
        # a group with tiers: all fa_text folders of those tiers
        ("fa_text:C", ["fa_text/quran_translations_tanzil", "fa_text/religious_prose_translations"]),
        ("fa_text:D", ["fa_text/poetry_ganjoor_20th_century", "fa_text/poetry_modern_ganjoor"]),
        ("fa_text:B", ["fa_text/armanemo_informal", "fa_text/iperudt_informal", "fa_text/pars_absa_reviews"]),
    ],
)
def test_resolve(spec, expected):
    assert [e.name for e in corpora.resolve(spec)] == expected


def test_select_tiers():
    a_b = {e.name for e in corpora.select(group="fa_text", tier=["A", "B"])}
    assert (
        a_b
        == {e.name for e in corpora.resolve("fa_text:A+B")}
        == {e.name for e in corpora.resolve("fa_text:A,B")}
    )
    assert len(corpora.resolve("fa_text")) == 28 == len(a_b) + 4  # all folders; C and D have 2 each
    with pytest.raises(ValueError, match="unknown tier"):
        corpora.resolve("fa_text:E")
    with pytest.raises(ValueError, match="did you mean pquad"):
        corpora.get("pqad")


HEAD = (
    '[[corpus]]\nname="x"\ndir="x"\nkind="squad"\ngroup="qa"\nlicence="l"\ncitation="c"\n'
    'source="s"\ndescription="d"\n'
)
FILE = '[[corpus.files]]\npath="a"\nsha256=""\n'


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        # unknown keys are rejected, with the entry located
        (HEAD + 'license="typo"\n' + FILE, "corpus[0]: unknown field(s) license"),
        # reader kinds are a closed list
        (HEAD.replace("squad", "csv") + FILE, "unknown reader kind(s) ['csv']"),
        # required fields
        (
            '[[corpus]]\nname="x"\ndir="x"\nkind="squad"\ngroup="qa"\n',
            "missing field(s) citation, description",
        ),
        (HEAD + '[[corpus.files]]\npath="a"\n', "corpus[0].files[0]: missing field(s) sha256"),
        ("[[corpus]\n", "malformed TOML"),
    ],
)
def test_bad_catalog(tmp_path, toml, message):
    p = tmp_path / "catalog.toml"
    p.write_text(toml, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        corpora.load_catalog(p)


@pytest.mark.shared_data
def test_catalog_checksums_match_mirror(shared_data):
    """Every pinned file of every mirror corpus is there with exactly the catalog's bytes and sha256."""
    checked = 0
    for e in corpora.list_corpora():
        if e.root != "mirror":
            continue
        for f in e.files:
            p = shared_data / e.dir / f.path
            assert p.is_file(), p
            assert p.stat().st_size == f.bytes, p
            assert sha256_file(p) == f.sha256, p
            checked += 1
    assert checked >= 80


@pytest.mark.shared_data
def test_catalog_covers_mirror(shared_data):
    """No data file of the mirror is missing from the catalog, and the tiers agree with fa_text/README.md."""
    listed = {(e.dir, f.path) for e in corpora.list_corpora() for f in e.files}
    for p in sorted(shared_data.rglob("*")):
        if p.suffix in (".txt", ".json", ".jsonl") and not p.name.startswith("readme"):
            rel = p.relative_to(shared_data)
            assert (str(rel.parent), rel.name) in listed, rel
    readme = (shared_data / "fa_text" / "README.md").read_text(encoding="utf-8")
    tiers = dict(re.findall(r"^\| (\w+) \| ([ABCD]) ", readme, flags=re.MULTILINE))
    assert len(tiers) == 28
    assert {e.name.removeprefix("fa_text/"): e.tier for e in corpora.select(group="fa_text")} == tiers


# ---------------------------------------------------------------- fetch from a mirror


def _mirror(tmp_path, content: bytes = TEXT) -> Path:
    m = tmp_path / "mirror"
    (m / "tiny").mkdir(parents=True)
    (m / "tiny" / "a.txt").write_bytes(content)
    return m


def test_fetch_uses_mirror_in_place(tmp_path, cache):
    m = _mirror(tmp_path)
    assert corpora.fetch(_entry(), mirror=m, urls=False) == m / "tiny"
    assert not cache.exists()  # nothing copied
    assert corpora.corpus_files(_entry(), mirror=m) == [m / "tiny" / "a.txt"]


def test_fetch_copies_to_dest(tmp_path, cache):
    m = _mirror(tmp_path)
    dest = tmp_path / "out"
    assert corpora.fetch(_entry(), dest=dest, mirror=m, urls=False) == dest
    assert (dest / "a.txt").read_bytes() == TEXT
    assert [p.name for p in dest.iterdir()] == ["a.txt"]  # no temp files left


def test_fetch_mirror_checksum_mismatch(tmp_path, cache):
    m = _mirror(tmp_path, TEXT + b"x")
    got = hashlib.sha256(TEXT + b"x").hexdigest()
    with pytest.raises(ChecksumError) as e:
        corpora.fetch(_entry(), mirror=m, urls=False)
    assert str(e.value) == f"{m / 'tiny' / 'a.txt'}: sha256 mismatch: expected {SHA}, got {got}"


def test_fetch_without_url_or_mirror(tmp_path, cache):
    with pytest.raises(FileNotFoundError, match="has no download URL"):
        corpora.fetch(_entry(), mirror=tmp_path / "nothing")
    with pytest.raises(FileNotFoundError, match="not available locally"):
        corpora.corpus_files(_entry(), mirror=tmp_path / "nothing")


# ---------------------------------------------------------------- fetch over HTTP (127.0.0.1 only)


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self):
        type(self).requests.append(self.path)
        super().do_GET()

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = type("H", (_Handler,), {"requests": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def test_fetch_downloads_and_caches(tmp_path, cache, server):
    root, base, handler = server
    (root / "a.txt").write_bytes(TEXT)
    entry = _entry(url=f"{base}/a.txt")
    where = corpora.fetch(entry, mirror=tmp_path / "no-mirror", progress=False)
    assert where == cache / "corpora" / "tiny"
    assert (where / "a.txt").read_bytes() == TEXT
    assert handler.requests == ["/a.txt"]
    # second fetch: satisfied from the cache (verified), no request
    assert corpora.fetch(entry, mirror=tmp_path / "no-mirror", progress=False) == where
    assert handler.requests == ["/a.txt"]
    assert corpora.corpus_files(entry, mirror=tmp_path / "no-mirror") == [where / "a.txt"]
    # a corrupted cached copy is replaced by a fresh download
    (where / "a.txt").write_bytes(b"corrupt")
    corpora.fetch(entry, mirror=tmp_path / "no-mirror", progress=False)
    assert (where / "a.txt").read_bytes() == TEXT and len(handler.requests) == 2


def test_fetch_download_checksum_mismatch(tmp_path, cache, server):
    root, base, _ = server
    (root / "a.txt").write_bytes(b"not the pinned content")
    got = hashlib.sha256(b"not the pinned content").hexdigest()
    dest = tmp_path / "dest"
    with pytest.raises(ChecksumError) as e:
        corpora.fetch(_entry(url=f"{base}/a.txt"), dest=dest, mirror=tmp_path / "no-mirror", progress=False)
    assert f"expected {SHA}, got {got}" in str(e.value) and f"{base}/a.txt" in str(e.value)
    assert list(dest.iterdir()) == []  # neither the file nor its *.tmp is left behind


def test_fetch_offline_refuses_download(tmp_path, cache, server):
    root, base, handler = server
    (root / "a.txt").write_bytes(TEXT)
    with pytest.raises(FileNotFoundError, match="downloads are disabled"):
        corpora.fetch(_entry(url=f"{base}/a.txt"), mirror=tmp_path / "no-mirror", urls=False)
    assert handler.requests == []


# ---------------------------------------------------------------- CLI


@pytest.mark.shared_data
def test_cli_list_info_read(shared_data, capsys):
    assert main(["corpus", "list", "--group", "qa"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["name", "kind", "tier", "licence", "files", "fetched"]
    assert [line.split()[0] for line in out[2:]] == ["pquad", "persianqa", "parsinlu_rc", "parsinlu_rc_jsonl"]
    assert all(line.split()[-1] == "mirror" for line in out[2:])

    assert main(["corpus", "info", "pquad"]) == 0
    out = capsys.readouterr().out
    assert "56bda77e921c233236ce960c12ac6d99aa6a4a6d7706573e885842d37ab67396" in out and "CC BY-SA 4.0" in out

    assert main(["corpus", "read", "fa_text/ud_persian", "--limit", "3"]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["id"] for r in rows] == [f"fa_text/ud_persian:fa_perdt-ud-dev:{i}" for i in (1, 2, 3)]
    assert "3 documents" in captured.err


def test_cli_read_file_lenient(tmp_path, capsys):
    p = tmp_path / "t.txt"
    p.write_bytes("خوب\n".encode() + b"\xff\n" + "بد\n".encode())
    assert main(["corpus", "read", str(p)]) == 1  # strict: clean error
    assert "t.txt:2: invalid UTF-8" in capsys.readouterr().err
    assert main(["corpus", "read", str(p), "--lenient"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert "read 3, kept 2, skipped 1 (invalid_utf8=1)" in captured.err


def test_cli_fetch_dest(tmp_path, capsys, monkeypatch):
    m = _mirror(tmp_path)
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(
        '[[corpus]]\nname="tiny"\ndir="tiny"\nkind="plain-lines"\ngroup="test"\nlicence="CC0"\ncitation="-"\n'
        f'source="-"\ndescription="d"\n[[corpus.files]]\npath="a.txt"\nsha256="{SHA}"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(corpora, "CATALOG_PATH", catalog)
    monkeypatch.setenv("FA_NLP_DATA", str(m))
    assert main(["corpus", "fetch", "tiny", "--dest", str(tmp_path / "d"), "--offline"]) == 0
    assert capsys.readouterr().out.strip() == f"tiny\t{tmp_path / 'd'}"
    assert (tmp_path / "d" / "a.txt").read_bytes() == TEXT

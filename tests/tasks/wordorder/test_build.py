"""Word-order builder: permutation property, leak-freedom, determinism, filters and counts, atomic
publishing, no-op rebuilds and located input errors, on small temp corpora (and the real data when present)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fa_nlp.report import InputError, SkipReport
from fa_nlp.tasks.wordorder import build as wordorder
from fa_nlp.tasks.wordorder.build import SPLITS, WordOrderConfig, build

# Persian sentences of 4–12 words; each line is one document of 1–3 sentences.
_SENTENCES = [
    "من هر روز صبح به مدرسه می‌روم.",
    "کتاب‌ها را روی میز کتابخانه گذاشتیم.",
    "هوای تهران امروز بسیار آلوده بود.",
    "او گفت که فردا به خانه برمی‌گردد.",
    "دانشجویان در کلاس درس به سخنان استاد گوش دادند.",
    "این فیلم برنده جایزه بهترین فیلم جشنواره شد.",
    "بچه‌ها در پارک نزدیک خانه فوتبال بازی می‌کنند.",
    "قیمت نان در ماه گذشته افزایش یافته است.",
    "ما باید برای حفظ محیط زیست تلاش کنیم.",
    "پدرم هر شب روزنامه را با دقت می‌خواند.",
    "تیم ملی فوتبال ایران دیروز به پیروزی رسید.",
    "مردم شهر برای دیدن مسابقه به ورزشگاه رفتند.",
]


def _corpus_lines(n_docs: int = 60) -> list[str]:
    """Deterministic documents: combinations of the sentences above, with a doc-specific number
    word so sentences differ across documents (only a few planted duplicates remain)."""
    lines = []
    for d in range(n_docs):
        parts = []
        for j in range(1 + d % 3):
            base = _SENTENCES[(d * 5 + j * 7) % len(_SENTENCES)]
            parts.append(base if (d + j) % 4 == 0 else base.replace(".", f" در سال {1300 + d * 3 + j}."))
        lines.append(" ".join(parts))
    return lines


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wo_corpus") / "mini.txt"
    path.write_text("\n".join(_corpus_lines()) + "\n", encoding="utf-8")
    return path


def _cfg(corpus: Path, **kw) -> WordOrderConfig:
    kw.setdefault("split", [0.6, 0.2, 0.2])  # big held-out splits so small corpora populate all three
    kw.setdefault("corpora", [str(corpus)])
    return WordOrderConfig(**kw)


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("wo_out") / "ds"
    dsd = build(_cfg(corpus, shuffles_per_sentence=3), out, progress=False)
    return out, dsd


def _rows(out: Path, split: str) -> list[dict]:
    return pq.read_table(out / "parquet" / f"{split}.parquet").to_pylist()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- output shape and the permutation property


def test_output_layout_and_columns(built):
    out, dsd = built
    for name in ("manifest.json", "README.md", "length_histogram.png", "hf/dataset_dict.json"):
        assert (out / name).is_file(), name
    for s in SPLITS:
        assert (out / "parquet" / f"{s}.parquet").is_file()
        assert len(dsd[s]) == len(_rows(out, s))
        assert len(dsd[s]) > 0, f"{s} is empty: test corpus too small for the split ratios"
    assert {"id", "doc_id", "shuffled", "ordered", "n_words", "ordered_text", "sent_index", "k",
            "source"} <= set(dsd["train"].column_names)
    assert not list(out.glob(".*")), "temp files left in the output"


def test_dataset_card(built):
    out, _ = built
    card = (out / "README.md").read_text(encoding="utf-8")
    for heading in ("Sources and licences", "Word policy", "Splits and leakage", "Filtered sentences",
                    "Length histogram", "Samples", "Rebuild"):
        assert f"## {heading}" in card, heading
    samples = card.split("## Samples")[1].split("## Rebuild")[0]
    rows = [line for line in samples.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 10 and {r.split(" | ")[0][2:] for r in rows} == set(SPLITS)
    assert "| mini.txt |" in card and "local file" in card


def test_shuffled_is_a_permutation_of_ordered(built):
    out, _ = built
    for s in SPLITS:
        for r in _rows(out, s):
            shuffled, ordered = r["shuffled"].split(" "), r["ordered"].split(" ")
            assert Counter(shuffled) == Counter(ordered), r["id"]
            assert r["n_tokens"] == len(ordered)
            assert shuffled != ordered, f"{r['id']}: shuffle equals the original order"


def test_k_shuffles_for_train_one_for_eval(built):
    out, _ = built
    train_k = Counter(r["k"] for r in _rows(out, "train"))
    assert sorted(train_k) == [0, 1, 2] and len(set(train_k.values())) == 1
    for s in ("validation", "test"):
        assert {r["k"] for r in _rows(out, s)} == {0}


def test_ids_unique(built):
    out, _ = built
    ids = [r["id"] for s in SPLITS for r in _rows(out, s)]
    assert len(ids) == len(set(ids))


def test_build_without_out_dir_returns_the_same_rows_in_memory(corpus, built):
    out, _ = built
    dsd = build(_cfg(corpus, shuffles_per_sentence=3), progress=False, log=lambda m: None)
    for s in SPLITS:
        assert dsd[s].to_list() == _rows(out, s)


# ---------------------------------------------------------------- leakage


def test_no_document_or_sentence_in_two_splits(built):
    out, _ = built
    docs = {s: {r["doc_id"] for r in _rows(out, s)} for s in SPLITS}
    sents = {s: {r["ordered"] for r in _rows(out, s)} for s in SPLITS}
    for a, b in (("train", "validation"), ("train", "test"), ("validation", "test")):
        assert not docs[a] & docs[b], (a, b)
        assert not sents[a] & sents[b], (a, b)


def test_duplicates_across_documents_removed_and_held_out_wins(tmp_path):
    # the same sentence in 40 documents: whichever splits they land in, it is kept exactly once,
    # and the held-out split (test first, then validation) keeps it rather than train.
    dup = "این جمله در چند سند تکرار شده است."
    lines = [f"{dup} سند شماره {i} درباره موضوع تازه‌ای است." for i in range(40)]
    corpus = tmp_path / "dups.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    build(_cfg(corpus), out, progress=False)
    where = [s for s in SPLITS for r in _rows(out, s) if r["ordered_text"] == dup]
    assert len(where) == 1
    manifest = json.loads((out / "manifest.json").read_text())
    per = manifest["counts"]["documents"]["per_split"]
    expected = "test" if per["test"] else ("validation" if per["validation"] else "train")
    assert where == [expected]
    assert manifest["counts"]["sentences"]["skipped_by_reason"]["duplicate"] == 39


def test_test_sources_are_held_out_whole(corpus, tmp_path):
    held = tmp_path / "heldout.txt"
    held.write_text("\n".join(_corpus_lines(75)[60:]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    build(_cfg(corpus, corpora=[str(corpus), str(held)], test_sources=["heldout.txt"]), out, progress=False)
    by_source = {s: Counter(r["source"] for r in _rows(out, s)) for s in SPLITS}
    assert by_source["test"]["heldout.txt"] > 0
    assert by_source["train"]["heldout.txt"] == by_source["validation"]["heldout.txt"] == 0
    assert by_source["train"]["mini.txt"] > 0
    with pytest.raises(ValueError, match="test_sources"):
        WordOrderConfig(corpora=[str(corpus)], test_sources=["nope.txt"])


@pytest.mark.parametrize("doc_id", ["mini.txt/mini:1", "fa_text/parsinlu/x:7", "سند:۳"])
def test_split_assignment_is_a_stable_hash(doc_id):
    # same (seed, doc id) → same split; the value is sha256-based, not Python's salted hash()
    assert wordorder.split_of(doc_id, 0, [0.9, 0.05, 0.05]) == wordorder.split_of(doc_id, 0, [0.9, 0.05, 0.05])
    assert wordorder.split_of(doc_id, 0, [0, 0, 1]) == "test"
    assert wordorder.split_of(doc_id, 0, [1, 0, 0]) == "train"


# ---------------------------------------------------------------- determinism


def test_byte_identical_parquet_across_num_proc_and_shard_size(corpus, tmp_path, built):
    ref_out, _ = built
    out = tmp_path / "p2"
    build(_cfg(corpus, shuffles_per_sentence=3, num_proc=2, shard_size=7), out, progress=False)
    for s in SPLITS:
        assert _sha(out / "parquet" / f"{s}.parquet") == _sha(ref_out / "parquet" / f"{s}.parquet"), s
    # runtime fields are not part of the build key
    assert json.loads((out / "manifest.json").read_text())["build_key"] == \
        json.loads((ref_out / "manifest.json").read_text())["build_key"]


def test_seed_changes_shuffles_not_splits_when_split_seed_fixed(corpus, tmp_path, built):
    ref_out, _ = built
    out = tmp_path / "seed1"
    build(_cfg(corpus, shuffles_per_sentence=3, seed=1, split_seed=0), out, progress=False)
    for s in SPLITS:
        a, b = _rows(ref_out, s), _rows(out, s)
        assert [r["ordered"] for r in a] == [r["ordered"] for r in b]
        assert [r["shuffled"] for r in a] != [r["shuffled"] for r in b]


@pytest.mark.parametrize(
    ("tokens", "distinct"),
    [
        (["من", "به", "خانه", "رفتم", "."], True),  # ordinary sentence: never returned unshuffled
        (["بله", "بله"], False),  # one distinct token: any order is the original, no infinite redraw
        (["او", "او", "رفت"], True),  # repeated token: a different sequence is still required
    ],
)
def test_shuffle_tokens(tokens, distinct):
    for k in range(20):
        out = wordorder.shuffle_tokens(tokens, 0, "d", 0, k)
        assert Counter(out) == Counter(tokens)
        assert (out != tokens) == distinct
        assert out == wordorder.shuffle_tokens(tokens, 0, "d", 0, k)  # seeded: same call, same result


# ---------------------------------------------------------------- word policy


@pytest.mark.parametrize(
    ("sentence", "policy", "tokens", "dropped"),
    [
        # ZWNJ compounds stay one word; a final "." becomes a token of its own (it must not mark the last word)
        ("من به خانه می\u200cروم.", "detach", ["من", "به", "خانه", "می\u200cروم", "."], 0),
        # verb parts are not joined with "_" (hazm's WordTokenizer default): three tokens
        ("کتاب\u200cها گفته شده است.", "detach", ["کتاب\u200cها", "گفته", "شده", "است", "."], 0),
        # quotes, comma and a "?!" run: each a token of its own
        ("«سلام»، گفت؟!", "detach", ["«", "سلام", "»", "،", "گفت", "؟!"], 0),
        # keep: marks stay glued to their word
        ("«سلام»، گفت؟!", "keep", ["«سلام»،", "گفت؟!"], 0),
        # drop: marks removed and every one counted (never silent)
        ("«سلام»، گفت؟!", "drop", ["سلام", "گفت"], 4),
        ("او (علی) آمد.", "drop", ["او", "علی", "آمد"], 3),
    ],
)
def test_word_policy(sentence, policy, tokens, dropped):
    assert wordorder.sentence_tokens(sentence, policy) == (tokens, dropped)


# ---------------------------------------------------------------- filters and counts


def _params(**kw):
    cfg = WordOrderConfig(corpora=["x"], split=[0, 0, 1], **kw)
    return wordorder.filter_params(cfg)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("من رفتم.", "too_short"),  # 2 words < 3 (the "." does not count as a word)
        (" ".join(["کلمه"] * 31) + ".", "too_long"),  # 31 words > 30
        ("This sentence is mostly written in English, با دو کلمه.", "non_persian"),  # Persian share < 0.5
        ("برای اطلاعات بیشتر به https://example.com/fa مراجعه کنید.", "url_or_email"),  # URL
        ("نامه را به ali.rezaei@example.com بفرستید لطفا.", "url_or_email"),  # e-mail
        ("۱۲۳۴ ۵۶۷۸ ۹۰۱۲ ۳۴۵۶.", "no_letters"),  # digits only: nothing to read
        ("شرم شرم شرم", "one_distinct_token"),  # every order is the original: nothing to learn
        ("من هر روز به مدرسه می‌روم.", None),  # kept
    ],
)
def test_sentence_filters(text, reason):
    reports = {s: SkipReport() for s in SPLITS}
    stats: Counter = Counter()
    split, cands = wordorder.process_document("d", text, "x", _params(), reports, stats)
    assert split == "test"
    if reason is None:
        assert len(cands) == 1 and reports["test"].n_skipped == 0
    else:
        assert cands == [] and dict(reports["test"].skipped) == {reason: 1}


def test_per_split_word_bounds(corpus, tmp_path):
    out = tmp_path / "b"
    build(_cfg(corpus, test_min_words=8, test_max_words=10, max_words=30), out, progress=False)
    test_lengths = {r["n_words"] for r in _rows(out, "test")}
    train_lengths = {r["n_words"] for r in _rows(out, "train")}
    assert test_lengths and test_lengths <= set(range(8, 11))
    assert min(train_lengths) < 8 or max(train_lengths) > 10  # train keeps its own bounds


def test_counts_add_up(built):
    out, dsd = built
    m = json.loads((out / "manifest.json").read_text())
    c = m["counts"]
    assert c["sentences"]["read"] == c["sentences"]["kept"] + c["sentences"]["skipped"]
    for s in SPLITS:
        per = c["sentences"]["per_split"][s]
        assert per["read"] == per["kept"] + per["skipped"]
        assert per["kept"] * (3 if s == "train" else 1) == c["examples"][s] == len(dsd[s])
    assert c["documents"]["read"] == c["documents"]["kept"] + c["documents"]["skipped"]
    assert sum(c["documents"]["per_split"].values()) == c["documents"]["kept"] == 60
    assert m["inputs"][0]["sha256"] and m["config"]["split_seed"] == 0
    assert m["libraries"]["pyarrow"] and m["code_version"]["source_sha256"]


@pytest.mark.parametrize(
    ("policy", "expect_dot_token", "expect_dropped"),
    [
        ("detach", True, False),  # marks are tokens of their own
        ("keep", False, False),  # marks stay glued to the previous word
        ("drop", False, True),  # marks removed, and counted
    ],
)
def test_punctuation_policy(corpus, tmp_path, policy, expect_dot_token, expect_dropped):
    out = tmp_path / policy
    build(_cfg(corpus, punctuation=policy), out, progress=False)
    rows = [r for s in SPLITS for r in _rows(out, s)]
    assert any("." in r["ordered"].split(" ") for r in rows) == expect_dot_token
    if policy == "keep":
        assert any(t.endswith(".") and len(t) > 1 for r in rows for t in r["ordered"].split(" "))
    dropped = json.loads((out / "manifest.json").read_text())["counts"]["punctuation_dropped"]
    assert (dropped > 0) == expect_dropped
    assert "Punctuation: **" + policy in (out / "README.md").read_text()


# ---------------------------------------------------------------- publishing and rebuilds


def test_rebuild_with_same_key_is_a_noop(corpus, built, capsys):
    out, _ = built
    before = (out / "manifest.json").stat().st_mtime_ns
    logs: list[str] = []
    dsd = build(_cfg(corpus, shuffles_per_sentence=3, num_proc=2), out, progress=False, log=logs.append)
    assert any("up to date" in m for m in logs)
    assert (out / "manifest.json").stat().st_mtime_ns == before
    assert len(dsd["train"]) > 0


def test_failure_mid_build_leaves_no_output(corpus, tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(wordorder, "write_wordorder_card", boom)
    out = tmp_path / "never"
    with pytest.raises(RuntimeError, match="simulated"):
        build(_cfg(corpus), out, progress=False)
    assert not out.exists()
    # only the (empty) lock file of the output stays: no temp build directory
    assert [p.name for p in tmp_path.iterdir()] == [".never.lock"], "temp build directory left behind"


def test_failure_mid_rebuild_keeps_old_output(corpus, tmp_path, monkeypatch):
    out = tmp_path / "ds"
    build(_cfg(corpus), out, progress=False)
    old = {p.relative_to(out): _sha(p) for p in out.rglob("*") if p.is_file()}
    monkeypatch.setattr(wordorder, "write_wordorder_card", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        build(_cfg(corpus, seed=5), out, progress=False)  # new key → real rebuild, which fails
    assert {p.relative_to(out): _sha(p) for p in out.rglob("*") if p.is_file()} == old
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ds.lock", "ds"]


# ---------------------------------------------------------------- bad input


def test_invalid_utf8_is_reported_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("من هر روز به مدرسه می‌روم.\n".encode() + b"\xff\xfe broken line\n"
                    + "کتاب‌ها را روی میز گذاشتیم.\n".encode())
    with pytest.raises(InputError, match=r"bad\.txt:2: invalid UTF-8"):
        build(_cfg(bad), tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_invalid_utf8_lenient_is_counted(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("من هر روز به مدرسه می‌روم.\n".encode() + b"\xff\xfe broken line\n"
                    + "کتاب‌ها را روی میز گذاشتیم.\n".encode())
    out = tmp_path / "out"
    build(_cfg(bad, lenient=True), out, progress=False)
    docs = json.loads((out / "manifest.json").read_text())["counts"]["documents"]
    assert docs["skipped_by_reason"] == {"invalid_utf8": 1} and docs["kept"] == 2
    assert "bad.txt:2" in docs["examples"]["invalid_utf8"][0]


def test_control_chars_are_stripped_and_counted_in_the_manifest(tmp_path):
    src = tmp_path / "nul.txt"
    src.write_bytes("من هر روز به مدرسه می‌روم.\n".encode() + "کتاب\x00را روی میز کتابخانه گذاشتیم.\n".encode())
    out = tmp_path / "out"
    build(_cfg(src, split=[0.0, 0.0, 1.0]), out, progress=False)
    docs = json.loads((out / "manifest.json").read_text())["counts"]["documents"]
    assert docs["fixed_by_reason"] == {"control_chars": 1} and docs["kept"] == 2
    assert docs["fix_examples"]["control_chars"][0].startswith(f"{src}:2: removed U+0000")
    texts = pq.read_table(out / "parquet" / "test.parquet").column("ordered_text").to_pylist()
    assert texts and not any("\x00" in t for t in texts)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"punctuation": "strip"}, "punctuation"),  # unknown policy
        ({"split": [0.5, 0.5, 0.5]}, "split"),  # ratios do not sum to 1
        ({"test_min_words": 20, "test_max_words": 10}, "test"),  # empty bounds
        ({"corpora": []}, "corpora"),
    ],
)
def test_bad_config_rejected(override, message):
    with pytest.raises(ValueError, match=message):
        WordOrderConfig(**override)


# ---------------------------------------------------------------- CLI and real data


def test_cli_build_and_noop(corpus, tmp_path, capsys):
    from fa_nlp.cli import main

    out = tmp_path / "cli"
    argv = ["build", "wordorder", "--corpus", str(corpus), "--out", str(out), "--split", "0.6,0.2,0.2",
            "--test-min-words", "5", "--test-max-words", "15", "--no-progress"]
    assert main(argv) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["config"]["test_min_words"] == 5 and m["config"]["split"] == [0.6, 0.2, 0.2]
    assert main(argv) == 0
    assert "up to date" in capsys.readouterr().out


def test_sample_corpus(sample_dir, tmp_path):
    doc = sample_dir / "documents.txt"
    if not doc.is_file():
        pytest.skip("corpora/sample/documents.txt not present yet")
    dsd = build(WordOrderConfig(corpora=[str(doc)]), tmp_path / "s", progress=False)
    assert sum(len(dsd[s]) for s in SPLITS) > 0


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "licence", "min_kept"),
    [
        ("fa_text/little_prince_amr", "Apache-2.0", 500),  # plain lines, one paragraph per line
        ("ud_fa_sbd", "CC BY-SA 4.0", 2000),  # UD Persian dev/test documents (JSONL with gold spans)
    ],
)
def test_real_catalog_corpus(shared_data, tmp_path, name, licence, min_kept):
    out = tmp_path / "real"
    build(WordOrderConfig(corpora=[name], test_min_words=5, test_max_words=15), out, progress=False)
    m = json.loads((out / "manifest.json").read_text())
    c = m["counts"]["sentences"]
    assert c["read"] == c["kept"] + c["skipped"] and c["kept"] > min_kept
    for s in SPLITS:
        for r in _rows(out, s):
            assert r["source"] == name and r["doc_id"].startswith(name + ":")
            assert Counter(r["shuffled"].split(" ")) == Counter(r["ordered"].split(" "))
            if s == "test":
                assert 5 <= r["n_words"] <= 15
    card = (out / "README.md").read_text()
    assert licence in card and f"| {name} |" in card


def test_directory_and_glob_are_corpora(tmp_path):
    # a folder of .txt files is a corpus: ids from relative paths, `source` = the folder name
    docs = tmp_path / "notes"
    (docs / "sub").mkdir(parents=True)
    lines = _corpus_lines(12)
    (docs / "a.txt").write_text("\n".join(lines[:6]) + "\n", encoding="utf-8")
    (docs / "sub" / "b.txt").write_text("\n".join(lines[6:]) + "\n", encoding="utf-8")
    (docs / "skip.md").write_text("not a corpus file\n", encoding="utf-8")
    cfg = dict(split=[0.6, 0.2, 0.2], min_words=1)
    build(WordOrderConfig(corpora=[str(docs)], **cfg), tmp_path / "d", progress=False)
    rows = [r for s in SPLITS for r in _rows(tmp_path / "d", s)]
    assert {r["doc_id"].rsplit(":", 1)[0] for r in rows} == {"a.txt", "sub/b.txt"}
    assert {r["source"] for r in rows} == {"notes"}
    # the same files through a glob give the same documents (ids relative to the glob's folder)
    build(WordOrderConfig(corpora=[f"{docs}/**/*.txt"], **cfg), tmp_path / "g", progress=False)
    assert sorted(r["ordered"] for s in SPLITS for r in _rows(tmp_path / "g", s)) == sorted(
        r["ordered"] for r in rows)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: str(d / "missing.txt"), "no such file or directory"),  # a path, not "unknown corpus"
        (lambda d: str(d), "no \\*.txt files"),  # an empty folder
        (lambda d: str(d / "*.txt"), "matches no files"),  # an empty glob
    ],
)
def test_bad_corpus_paths_are_clear_errors(tmp_path, make, message):
    with pytest.raises(FileNotFoundError, match=message) as e:
        build(WordOrderConfig(corpora=[make(tmp_path)]), tmp_path / "out", progress=False)
    assert "unknown corpus" not in str(e.value)


def test_cli_missing_corpus_path(tmp_path, capsys):
    from fa_nlp.cli import main

    assert main(["build", "wordorder", "--corpus", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "no such file or directory" in err and "unknown corpus" not in err


def test_cli_settings_style(corpus, tmp_path, capsys):
    # --config, then alias flags, then --KEY=VALUE (dashes = underscores); --set still works; typos are errors
    from fa_nlp.cli import main

    toml = tmp_path / "c.toml"
    toml.write_text(f'corpora = ["{corpus}"]\nsplit = [0.6, 0.2, 0.2]\nseed = 1\n', encoding="utf-8")
    out = tmp_path / "o"
    assert main(["build", "wordorder", "--config", str(toml), "--seed", "2", "--test-max-words=20",
                 "--set", "min_words=4", "--out", str(out), "--no-progress"]) == 0
    m = json.loads((out / "manifest.json").read_text())["config"]
    assert (m["seed"], m["test_max_words"], m["min_words"], m["split"]) == (2, 20, 4, [0.6, 0.2, 0.2])
    assert main(["build", "wordorder", "--config", str(toml), "--min_wrods=3", "--out", str(out)]) == 1
    assert "unknown config key(s): min_wrods (did you mean min_words?)" in capsys.readouterr().err

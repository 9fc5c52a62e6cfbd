"""`normalize` (hazm's rules compiled, offsets built as it goes) against the reference (hazm itself).

hazm stays the reference: `normalize_reference` runs hazm's own `Normalizer` per segment and aligns
afterwards, as `normalize` did before. Here both run on a fa_text sample and every difference must
be one of the listed, intended ones (benchmarks/bench_normalize_diff.py does the same on all of
fa_text); the regex rewrites made for speed are checked against hazm's patterns on random text.
"""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fa_nlp.text import _hazm_rules as hr
from fa_nlp.text import normalize
from fa_nlp.text._mapped import MappedText, PlainText, compile_template
from fa_nlp.text.normalize import _PROTECTED, _STRAY_AT, _ZWNJ_STRAY, protected_spans
from fa_nlp.text.normalize_reference import explain_difference, normalize_reference

ZWNJ = "\u200c"


@pytest.fixture(scope="module")
def fa_text_lines(shared_data):
    """The first 20 non-empty lines of every fa_text file (about 1,350 lines)."""
    lines = []
    for path in sorted((shared_data / "fa_text").rglob("*.txt")):
        with path.open(encoding="utf-8", errors="replace") as f:
            got = [ln.rstrip("\n") for ln, _ in zip((x for x in f if x.strip()), range(20), strict=False)]
        lines += got
    assert len(lines) > 1000
    return lines


def test_same_text_as_the_reference_on_fa_text(fa_text_lines):
    unexplained = []
    for line in fa_text_lines:
        ref, new = normalize_reference(line).text, normalize(line).text
        if ref != new and explain_difference(ref, new) is None:
            unexplained.append((line, ref, new))
    assert unexplained == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("۲۰ می ۲۰۲۳ منتشر شد", "۲۰ می ۲۰۲۳ منتشر شد"),  # month «می» + year: not glued (was `می۲۰۲۳`)
        ("نمی ۳ بار", "نمی ۳ بار"),  # a number after «نمی»: the ZWNJ hazm adds goes, the space stays
        ("ماه می سال جدید", "ماه می سال جدید"),  # month «می» after «ماه»: not the verb prefix
        ("سال ۱۳۳۲ می گذرد", f"سال ۱۳۳۲ می{ZWNJ}گذرد"),  # after a number but a known verb: joined
        ("من می روم", f"من می{ZWNJ}روم"),  # the verb prefix is still joined
        ("کار ها", "کارها"),  # a suffix after a non-joining letter is still attached (no ZWNJ)
        ("ماه می", "ماه می"),  # nothing after «می»: unchanged
    ],
)
def test_no_two_words_merged(text, expected):
    n = normalize(text)
    assert n.text == expected
    assert normalize(n.text).text == n.text


def _merged_gaps(line: str) -> list[str]:
    """Whitespace gaps between two words (letters/digits on both sides, the second not a suffix or
    part of a verb hazm writes joined) that normalization removed without a space or ZWNJ left."""
    rules = hr.rules()
    table = hr._hazm.translation_table()  # `ترين` (Arabic yeh) is the suffix `ترین` to hazm
    n = normalize(line)
    bad = []
    for m in re.finditer(r"(\w+)(\s+)(?=(\w+))", line):
        w1, w2 = m.group(1).translate(table), m.group(3).translate(table)
        if w2 in rules.suffixes or (w1 + ZWNJ + w2) in rules.verbs or w1.isdecimal() and w2.isdecimal():
            continue
        s, e = n.to_normalized(m.start(2), m.end(2))
        if not any(c.isspace() or c == ZWNJ for c in n.text[s:e]):
            bad.append(line[max(0, m.start() - 10) : m.end() + 10])
    return bad


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_never_merges_two_words_on_fa_text(fa_text_lines, data):
    line = data.draw(st.sampled_from(fa_text_lines))
    extra = data.draw(st.sampled_from(["", " ماه می سال", " ۲۰ می ۲۰۲۳", " نمی ۳ بار", " می 12 روز"]))
    assert _merged_gaps(line + extra) == []


# ---------------------------------------------------------------- the rewrites made for speed

_ALPHABET = ["ا", "د", "ه", "ی", "م", "ن", "ک", "۱", "2", " ", " ", "\t", "\n", ZWNJ, ZWNJ, ".", "،", "!", "؟",
             "«", "»", "(", ")", ":", '"', "\u064e", "\u200f", "a", "-"]


def _random_texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 14))) for _ in range(n)]


@pytest.mark.parametrize("hazm_pattern", sorted(hr._REWRITES))
def test_rewritten_patterns_match_hazm(hazm_pattern):
    from hazm import constants

    repl = next(r for name in dir(constants) if name.endswith("PATTERNS")
                for p, r in getattr(constants, name) if p == hazm_pattern)
    ours, our_repl = hr._REWRITES[hazm_pattern]
    for t in _random_texts(4000):
        assert re.sub(ours, our_repl, t) == re.sub(hazm_pattern, repl, t), t


def test_line_spacing_matches_hazm_tokenizer():
    """`_space_line`, plain (hazm's padding regex) and mapped (our touch/run patterns), gives hazm's
    `" ".join(WordTokenizer.tokenize(line))` with `token_spacing`'s ZWNJs."""
    tokenizer = hr._hazm.normalizer()._tokenizer
    rules = hr.rules()
    for t in _random_texts(3000, seed=1):
        for line in t.split("\n"):
            if not line.strip():
                continue
            tokens = tokenizer.tokenize(line)
            joins = rules.token_joins(tokens)
            expected = "".join(
                (ZWNJ if j else " ") + tok if i else tok for i, (tok, j) in enumerate(zip(tokens, joins, strict=True))
            )
            plain = rules._space_line(PlainText(line), hr._Trace()).text
            replay = hr._Trace()
            replay.changed.append(True)
            replay.replay()
            mapped = rules._space_line(MappedText.identity(line), replay)
            assert plain == mapped.text == expected, line
            assert len(mapped.starts) == len(mapped.text)


def test_mi_pattern_matches_hazm():
    rules = hr.rules()
    for t in _random_texts(4000, seed=2):
        assert rules.mi.findall(t) == re.findall(r"\bن?می[آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی]+", t), t


def test_stray_zwnj_pattern_matches_the_original():
    for t in _random_texts(4000, seed=3):
        assert [m.start() for m in _STRAY_AT.finditer(t)] == [m.end() - 1 for m in _ZWNJ_STRAY.finditer(t)], t


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab1۲.@:/-_ wv\u200c«", max_size=30))
def test_protected_spans_scan_only_trigger_tokens(text):
    assert protected_spans(text) == [(m.lastgroup, m.start(), m.end()) for m in _PROTECTED.finditer(text)]


# ---------------------------------------------------------------- the mapped text itself


def test_mapped_sub_keeps_groups_and_places_inserted_chars():
    mt = MappedText.identity("ab.cd")
    out = mt.sub(re.compile(r"(\.)(c)"), compile_template(r"\1 \2"))  # a space inserted after "."
    assert out.text == "ab. cd"
    assert out.starts == [0, 1, 2, 2, 3, 4] and out.ends == [1, 2, 3, 3, 4, 5]
    gone = mt.sub(re.compile(r"\.c"), compile_template(""))  # deleted: no char maps there
    assert gone.text == "abd" and gone.starts == [0, 1, 4]
    spread = MappedText.identity("x...y").sub(re.compile(r"\.\.\."), compile_template("…"))
    assert spread.text == "x…y" and (spread.starts[1], spread.ends[1]) == (1, 4)  # covers all three dots


def test_long_single_line_keeps_a_full_map():
    """A long line (the 5 MiB case is in benchmarks/bench_normalize.py) normalizes with a complete map."""
    text = "قيمت 3.5 درصد شد . من می روم، کتاب ها را " * 2000
    n = normalize(text)
    assert len(n.offsets) == len(n.text) + 1 and n.offsets[-1] == len(text)
    assert n.text == " ".join([normalize(text[: len(text) // 2000]).text] * 2000)  # as one unit, repeated

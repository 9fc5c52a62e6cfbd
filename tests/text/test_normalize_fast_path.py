"""The shortcuts that make `normalize` faster than hazm (issue 21) give exactly what the full path gives.

- `HazmRules.quiet.unchanged(text)` may say True only where hazm's steps leave `text` as it is: it
  lets most segments skip the ~30 passes, so a wrong True would silently skip a normalization.
- A segment the check sends on goes straight to the mapped run; before, a plain run found which steps
  fire and the mapped run replayed only those. Both must give the same text and the same map.
- `MappedText.insert` / the `\\1` shortcut of `MappedText.sub` equal the general substitution loop.
(benchmarks/bench_normalize*.py prove the speed and run the same equalities over all of fa_text.)
"""

from __future__ import annotations

import random
import re

import pytest

from fa_nlp.text import _hazm_rules as hr
from fa_nlp.text import normalize
from fa_nlp.text._mapped import MappedText, PlainText, Template, compile_template

ZWNJ = "\u200c"
# chars and words that make hazm's steps fire: marks of each tokenizer class, digits, suffixes, verb
# parts, a participle and its auxiliary, diacritics, kashida, repeated letters, bidi marks
_PIECES = ["ا", "ه", "ی", "م", "ن", "ک", "۱", "2", " ", " ", " ", "\t", "\n", ZWNJ, ".", "،", "!", "؟", "?",
           "«", "»", "(", ")", "[", ":", "/", '"', "+", "\u064e", "ـ", "\u200f", "a", "می", "نمی", "روم", "ها",
           "تر", "ای", "ام", "شده", "است", "کتاب", "خانه", "ی ", "ههه", "...", "ﷲ"]


def _random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 12))) for _ in range(n)]


def _old_path(rules: hr.HazmRules, mt: MappedText) -> MappedText:
    """The path before the shortcuts: a plain run, then the mapped run replaying its changed steps."""
    trace = hr._Trace()
    if rules._run(PlainText(mt.text), trace).text == mt.text:
        return mt
    trace.replay()
    return rules._run(mt, trace)


@pytest.fixture(scope="module")
def fa_text_lines(shared_data):
    """The first 15 non-empty lines of every fa_text file (about 1,000 lines)."""
    lines = []
    for path in sorted((shared_data / "fa_text").rglob("*.txt")):
        with path.open(encoding="utf-8", errors="replace") as f:
            lines += [ln.strip() for ln, _ in zip((x for x in f if x.strip()), range(15), strict=False)]
    return lines


@pytest.mark.parametrize(
    ("text", "unchanged"),
    [
        ("او آمد.", True),  # the pad before a closing mark is taken out again by hazm's punctuation step
        ("«سلام» (یک)", True),  # pads after an opening mark / before a closing one: both undone
        ("او آمد.سپس", False),  # a pad after "." stays: `آمد. سپس`
        ("گفت:«سلام»", False),  # `گفت: «سلام»`
        ("من می روم", False),  # a verb prefix joined
        ("کتاب ها", False),  # a suffix joined
        ("ساخته شده است", True),  # «شده» heads verbs in hazm's list, but no pair here is one: checked pairwise
        ("۵درصد", False),  # a space between digits and letters
        ("سلامممم", False),  # a run of one letter
        ("خانه ی ما", False),  # ezafe ی
        ("a??ها", False),  # a pad before a suffix: `a ?? ها` → `a ??‌ها`
    ],
)
def test_quick_check_cases(text, unchanged):
    rules = hr.rules()
    assert rules.quiet.unchanged(text) is unchanged
    assert (rules._run(PlainText(text), hr._Trace()).text == text) is unchanged  # the full run agrees


def test_quick_check_is_on_for_the_default_flags_only():
    """Written for hazm 0.12's rules and every step on: other flags take the full run."""
    assert hr.rules().quiet is not None
    assert hr.rules(remove_diacritics=False).quiet is None


def test_quick_check_never_skips_a_change(fa_text_lines):
    rules = hr.rules()
    texts = fa_text_lines + _random_texts(6000, seed=7)
    passed = [t for t in texts if rules.quiet.unchanged(t)]
    assert [t for t in passed if rules._run(PlainText(t), hr._Trace()).text != t] == []
    already = [t for t in fa_text_lines if rules._run(PlainText(t), hr._Trace()).text == t]
    # and it is a shortcut: nearly every fa_text line the rules leave alone is seen as such
    assert len([t for t in already if rules.quiet.unchanged(t)]) >= 0.95 * len(already)


def test_direct_mapped_run_equals_plain_then_replay(fa_text_lines):
    rules = hr.rules()
    for t in fa_text_lines + _random_texts(3000, seed=8):
        mt = MappedText.identity(t, 3)
        new, old = rules.normalize(mt), _old_path(rules, mt)
        assert (new.text, new.starts, new.ends) == (old.text, old.starts, old.ends), t
        assert (new is mt) == (old is mt), t  # "unchanged" is still the same object (the segment loop stops)


def test_normalize_offsets_unchanged_by_the_shortcuts(fa_text_lines):
    """Whole `normalize` with the shortcuts off (the old path) and on: same text and offsets."""
    rules = hr.rules()
    quiet = rules.quiet
    lines = fa_text_lines[::4]
    new = [normalize(t) for t in lines]
    try:
        rules.quiet = None
        old = [normalize(t) for t in lines]
    finally:
        rules.quiet = quiet
    assert [(n.text, n.offsets, n.ends) for n in new] == [(o.text, o.offsets, o.ends) for o in old]


def test_insert_and_keep_group_equal_the_general_loop():
    general_keep = Template([1])
    general_keep.repl = r"\1"
    keep = [re.compile(r" ([.:!،؛؟»\])}])"), re.compile(r"([«\[({]) "),
            re.compile(r"(\u200c)(?<=\w\u200c)\u200c+(?=\w)|\u200c(?<!\w\u200c)\u200c*(?=\w)")]  # group 1 may not take part
    for t in _random_texts(3000, seed=9):
        mt = MappedText.identity(t).sub(re.compile(r"ا"), compile_template("آ‌"))  # a map that is not the identity
        for p in hr._TOUCH_AFTER:
            a, b = mt.sub(p, compile_template(r"\1 ")), mt.insert(p, " ", after=True)
            assert (a.text, a.starts, a.ends) == (b.text, b.starts, b.ends), t
        a, b = mt.sub(hr._TOUCH_BEFORE, compile_template(r" \1")), mt.insert(hr._TOUCH_BEFORE, " ", after=False)
        assert (a.text, a.starts, a.ends) == (b.text, b.starts, b.ends), t
        for p in keep:
            a, b = MappedText.sub(mt, p, general_keep), mt.sub(p, compile_template(r"\1"))
            assert (a.text, a.starts, a.ends) == (b.text, b.starts, b.ends), t
            assert b.text == p.sub(r"\1", mt.text)


@pytest.mark.parametrize("hazm_pattern", sorted(hr._REWRITES))
def test_rewritten_patterns_match_hazm_on_words(hazm_pattern):
    """The rewrites (a char class or literal first, for scan speed) on text with hazm's suffixes, verb
    parts and brackets (test_normalize_differential.py checks them on single chars)."""
    from hazm import constants

    repl = next(r for name in dir(constants) if name.endswith("PATTERNS")
                for p, r in getattr(constants, name) if p == hazm_pattern)
    ours, our_repl = hr._REWRITES[hazm_pattern]
    for t in _random_texts(4000, seed=10):
        assert re.sub(ours, our_repl, t) == re.sub(hazm_pattern, repl, t), t

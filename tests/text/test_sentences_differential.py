"""`sentence_spans` made faster (issue 21) gives exactly the spans it gave before.

The reference is a frozen copy of the splitter from before the change (benchmarks/_sentences_before.py);
benchmarks/bench_sbd.py runs the same comparison over all of UD and fa_text and records the count.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks._sentences_before import _spans as rules_before
from benchmarks._sentences_before import sentence_spans as spans_before
from fa_nlp.text import sentence_spans

# Pieces that reach every branch of the fast path: the `.`-only and mixed-mark regexes, settled and
# hard candidates, datelines (dash/colon), line breaks, vocatives, list numbers, closers, glued stops.
_PIECES = st.sampled_from(
    list("اب تد.!؟?…⸮»«()\"'\n\r\t م۱2:-–ـ\u200c\u2028")
    + ["ق.م", "و", "ایرنا", " - ", "است", "الف", "صص", "جان", "(؟)", "لندن - ایرنا:", "شد", "Dr", "۲.", "etc"]
)


def _differences(texts, modes=("split", "paragraph")):
    return [(mode, t) for t in texts for mode in modes if sentence_spans(t, line_breaks=mode) != spans_before(t, line_breaks=mode)]


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=50).map("".join))
def test_same_spans_as_before_on_random_text(text):
    for mode in ("split", "paragraph"):
        new = sentence_spans(text, line_breaks=mode)
        # the one allowed change: where the old fast path broke its own rules (below), the rules win
        assert new == spans_before(text, line_breaks=mode) or new == rules_before(text, mode, False)


def test_settled_boundary_inside_a_taken_dateline_is_skipped():
    """Before issue 21 the fast path emitted a backwards span here (`⸮` is a dateline word character,
    and the `⸮ ` inside the dateline was settled as a boundary); its own rules, and now it, skip it."""
    text = "او رفت؟ لندن⸮ - ایرنا: سلام."
    assert spans_before(text) == [(0, 7), (8, 22), (23, 13), (14, 28)]
    assert sentence_spans(text) == rules_before(text, "split", False) == [(0, 7), (8, 22), (23, 28)]


@pytest.mark.parametrize(
    "text",
    [
        "لندن - ایرنا: نخست‌وزیر آمد. تهران- ایرنا- او رفت. واحد مرکزی خبر: سلام.",  # datelines after boundaries
        "او گفت: «بروید!» آیا رفتند؟! نه... شد. من - تو: بله.",  # mixed marks, a colon and a dash mid-text
        "شد. ۱۲:۳۰ - ساعت. شد.\u2028او آمد.\rمن رفتم.",  # every kind of line break of `_LINES`
        "  \n شد.  ",  # leading and trailing whitespace
        # the one-sentence shortcut of `sentence_spans`: no candidate, or only a final run of marks
        "",
        "   ",
        ".",
        "شد.",
        "  شد.\t",
        "Dr.",
        "چرا؟»  ",
        "رفت… ",
        "چرا؟ »",
        "شد. «",
        "او گفت: سلام.",
        "لندن - ایرنا: سلام.",
        "لندن - ایرنا: سلام؟!",
        # the dateline lookahead of the settled boundaries (possessive spaces, several spaces and dashes)
        "ما رفتیم. لندن - ایرنا: سلام.",
        "ما رفتیم.   لندن   -   ایرنا:   سلام. شد.",
        "ما رفتیم؟ تهران- ایرنا- او رفت. آنها - که آمدند - رفتند. واحد مرکزی خبر: سلام.",
    ],
)
def test_same_spans_as_before_on_edge_cases(text):
    assert _differences([text]) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="اب \u200c\t.\u00a0\u2028x", max_size=70), st.data())
def test_word_before_is_the_regex_it_replaced(text, data):
    """`_word_before` (issue 21: str methods) finds what `\\S*\\Z` found in its 48-char window."""
    import re

    from fa_nlp.text.sentences import _word_before

    start = data.draw(st.integers(0, len(text)))
    lo = data.draw(st.integers(0, start))
    expected = re.compile(r"\S*\Z").search(text, max(lo, start - 48), start).group()
    assert _word_before(text, start, lo) == expected


@pytest.mark.shared_data
def test_same_spans_as_before_on_ud_and_fa_text(shared_data):
    from fa_nlp.metrics.sbd import read_gold

    texts = []
    for name in ("seraji_dev", "seraji_test", "perdt_dev", "perdt_test"):
        texts += [doc.text for doc in read_gold(shared_data / "ud_fa_sbd" / f"{name}.jsonl")]
    for path in sorted((shared_data / "fa_text").rglob("*.txt")):  # first 20 non-empty lines of each file
        with path.open(encoding="utf-8", errors="replace") as f:
            lines = [ln.rstrip("\n") for ln, _ in zip((x for x in f if x.strip()), range(20), strict=False)]
        texts += lines
        texts.append("\n".join(lines))  # the file's start as one multi-line text (blocks, paragraph mode)
    assert len(texts) > 1500
    assert _differences(texts) == []

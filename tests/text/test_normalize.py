"""Normalization: hazm's useful work kept, protected spans intact, offsets map back to the input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fa_nlp.text import NormalizeOptions, normalize
from fa_nlp.text.normalize import options_from_dict, protected_spans

ZWNJ = "\u200c"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قیمت ۳.۵ درصد", "قیمت ۳.۵ درصد"),  # Persian decimal kept (hazm: ۳ ٫ ۵)
        ("نرخ 3.5 درصد", "نرخ ۳.۵ درصد"),  # Latin decimal: digits converted, separator kept
        ("رشد ۲٫۵ درصد", "رشد ۲٫۵ درصد"),  # Persian decimal separator kept (hazm: ۲ ٫ ۵)
        ("جمعیت 12,500 نفر", "جمعیت ۱۲,۵۰۰ نفر"),  # thousands separator kept
        ("تاریخ ۱۴۰۲/۰۵/۱۲ بود", "تاریخ ۱۴۰۲/۰۵/۱۲ بود"),  # slash date kept (hazm: ۱۴۰۲ / ۰۵ / ۱۲)
        ("تاریخ ۱۴۰۲.۰۵.۱۲ بود", "تاریخ ۱۴۰۲.۰۵.۱۲ بود"),  # dotted date kept
        ("تاریخ 2023-05-01 بود", "تاریخ ۲۰۲۳-۰۵-۰۱ بود"),  # ISO date kept, digits converted
        ("ساعت 10:30 است", "ساعت ۱۰:۳۰ است"),  # time kept
        ("جمعیت ۳/۳ میلیون نفر", "جمعیت ۳/۳ میلیون نفر"),  # fraction kept (hazm: ۳ / ۳)
        (
            "سایت https://www.example.com/a_b.html?x=1 را ببینید",
            "سایت https://www.example.com/a_b.html?x=1 را ببینید",
        ),  # URL byte-exact (no Persian digits)
        ("به www.site.ir/page2 بروید", "به www.site.ir/page2 بروید"),  # www URL
        ("به ali.rezaei@example.com ایمیل بزنید", "به ali.rezaei@example.com ایمیل بزنید"),  # e-mail
        ("فایل report.pdf را باز کن", "فایل report.pdf را باز کن"),  # file name (hazm: report. pdf)
        ("نسخه v2.0.1 آمد", "نسخه v2.0.1 آمد"),  # version (hazm: v ۲ ٫ ۰.۱)
        ("در سال ۵۰۰ ق.م و ۱۳۰۰ ه.ش", "در سال ۵۰۰ ق.م و ۱۳۰۰ ه.ش"),  # Persian dotted abbreviations
        ("دولت ج.ا.ا اعلام کرد", "دولت ج.ا.ا اعلام کرد"),  # three-part abbreviation
        ("for example e.g. this", "for example e.g. this"),  # Latin abbreviation (hazm: e. g.)
        ("كتاب يك", "کتاب یک"),  # Arabic kaf/yeh → Persian
        ("من می روم", f"من می{ZWNJ}روم"),  # ZWNJ after the می prefix
        ("کتاب ها", f"کتاب{ZWNJ}ها"),  # ZWNJ before the plural suffix
        ("اِعلام کَرد", "اعلام کرد"),  # diacritics removed
        ("سلام دنیـــا", "سلام دنیا"),  # kashida removed
        ("گفت : «سلام»", "گفت: «سلام»"),  # no space before a colon
        ('او گفت "سلام" و رفت', "او گفت «سلام» و رفت"),  # straight quotes → guillemets
        ('او گفت "قیمت ۳.۵ است" و رفت', "او گفت «قیمت ۳.۵ است» و رفت"),  # quotes pair across a protected span
        ("سلام ... خوبی", "سلام … خوبی"),  # three dots → ellipsis character
        ("سلام   دنیا", "سلام دنیا"),  # repeated spaces collapsed
        ("  سلام  ", "سلام"),  # edges trimmed like hazm
        ("", ""),  # empty input
        ("۵درصد", "۵ درصد"),  # space between a number and a word
        ("خط اول\n\n\n\nخط دوم", "خط اول\n\nخط دوم"),  # at most one blank line
        ("قیمت ۳.۵. سپس", "قیمت ۳.۵. سپس"),  # decimal before a full stop (hazm: ۳ ٫ ۵.)
        ("تاریخ ۱۴۰۲/۰۵/۱۲. سپس", "تاریخ ۱۴۰۲/۰۵/۱۲. سپس"),  # date before a full stop
        ("نسخه v2.0.1. سپس", "نسخه v2.0.1. سپس"),  # version before a full stop
        ("فایل report.pdf. سپس", "فایل report.pdf. سپس"),  # file name before a full stop
        ("قیمت۳.۵درصد", "قیمت ۳.۵ درصد"),  # decimal glued to words: kept, and spaced like hazm spaces digits
        ("تاریخ۱۴۰۲/۰۵/۱۲بود", "تاریخ ۱۴۰۲/۰۵/۱۲ بود"),  # date glued to words
        ("IP 192.168.1.1 است", "IP 192.168.1.1 است"),  # IP address: a four-part version, byte-exact
        # --- ZWNJ only where it joins two joining letters (hazm #208, #367) ---
        ("کار ها", "کارها"),  # no ZWNJ after ر (hazm: کار‌ها)
        (f"آرزو{ZWNJ}ها", "آرزوها"),  # no ZWNJ after و
        (f"دارا{ZWNJ}ها", "داراها"),  # no ZWNJ after ا
        (f"کاغذ{ZWNJ}ها و برگ{ZWNJ}ها", f"کاغذها و برگ{ZWNJ}ها"),  # after ذ removed, after گ kept
        (f"کتاب{ZWNJ} خوب", "کتاب خوب"),  # no ZWNJ at a word's end
        (f"{ZWNJ}سلام", "سلام"),  # ... or start
        (f"کوچولو، {ZWNJ}", "کوچولو،"),  # ... or alone after punctuation
        (f"می{ZWNJ}\u200fشود", f"می{ZWNJ}شود"),  # ZWNJ + RLM (a ZWNJ stand-in) → one ZWNJ
        (f"می{ZWNJ}{ZWNJ}روم", f"می{ZWNJ}روم"),  # doubled ZWNJ → one
        # --- no joining of separate words from hazm's word list by default (hazm #318) ---
        ("سینه زن", "سینه زن"),  # "a woman's chest", not سینه‌زن "mourner"
        ("هیچ کس نیامد", "هیچ کس نیامد"),
        ("ایالات متحده آمریکا", "ایالات متحده آمریکا"),
        ("میان رشته ای", f"میان رشته{ZWNJ}ای"),  # the suffix is still attached, the words are not joined
        # --- full stop glued to a word, abbreviations (hazm #163, #216) ---
        ("در سال ۶۰۰ ه.ق. درگذشت", "در سال ۶۰۰ ه.ق. درگذشت"),  # ه.ق. kept whole
        ("در سال ۵۰۰ ق.م. بود", "در سال ۵۰۰ ق.م. بود"),  # ق.م. kept whole
    ],
)
def test_normalize(text, expected):
    assert normalize(text).text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("نرخ 3.5 درصد و 12 نفر", "نرخ 3.5 درصد و 12 نفر"),  # persian_digits=False keeps Latin digits
        ("تاریخ 2023/05/01", "تاریخ 2023/05/01"),  # ... also inside protected dates
    ],
)
def test_latin_digits_option(text, expected):
    assert normalize(text, NormalizeOptions(persian_digits=False)).text == expected


def test_latin_digits_option_keeps_offsets():
    # hazm #220: Latin digits kept, and the offset map still points at the original number
    n = normalize("قيمت 3.5 درصد و 12 نفر", NormalizeOptions(persian_digits=False))
    assert n.text == "قیمت 3.5 درصد و 12 نفر"
    i = n.text.index("12")
    assert n.original[slice(*n.to_original(i, i + 2))] == "12"


def test_join_compounds_is_opt_in():
    assert normalize("سینه زن", NormalizeOptions(join_compounds=True)).text == f"سینه{ZWNJ}زن"
    assert normalize("من می روم", NormalizeOptions(join_compounds=False)).text == f"من می{ZWNJ}روم"


def test_idempotent_on_the_sample_corpus(sample_dir):
    """normalize(normalize(x)) == normalize(x) on every line of the bundled sample corpus."""
    lines = [ln for ln in (sample_dir / "documents.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert len(lines) > 20
    changed = [(ln, once) for ln in lines if normalize(once := normalize(ln).text).text != once]
    assert changed == []


@pytest.mark.parametrize(
    "text",
    [
        "عجب برف قشنگی تو . . .",  # ". . ." joined after hazm's `...` → `…` step
        'آقای اینستاگرام """',  # quotes spaced into a pair after the quote step
        "به ۚ فمن اضطر",  # a Quranic mark removed after spacing left two spaces
        "آلیسون بکر، آ.اس\u200cرم",  # an abbreviation-like token glued to a ZWNJ is not protected
        "رمان نوشتهٔ م. ع. کرمانی",  # diacritic removed after spacing; `م.` is an initial, not a suffix
        "ترسیدی هاااا",  # letter run shortened after spacing
        f"کوچولو، {ZWNJ}",  # a ZWNJ hazm turned into a trailing space
        f"۵{ZWNJ}تایی",  # a ZWNJ between a protected number and a word
    ],
)
def test_idempotent_on_fa_text_regressions(text):
    """Lines of fa_text that a second pass used to change (benchmarks/bench_normalize_idempotence.py)."""
    once = normalize(text).text
    assert normalize(once).text == once


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["کتاب", "ها", "می", "روم", "کار", "آرزو", "سینه", "زن", " ۳.۵ ", " ق.م. ", "،",
                                 "«", "»", '"', "...", "!", "؟", ZWNJ, "\u200f", " ", "  ", "\n", "ی", "ای"]),
               max_size=14))
def test_idempotent_property(parts):
    # protected numbers and abbreviations come as whole words: glued to other dots and ZWNJs
    # (`ق.م.\u200c۳.۵`) they are ambiguous, and the first pass may legitimately read them differently
    once = normalize("".join(parts)).text
    assert normalize(once).text == once


def test_glued_number_without_correct_spacing():
    # with correct_spacing off nothing is inserted, and the decimal is still intact
    assert normalize("قیمت۳.۵درصد", NormalizeOptions(correct_spacing=False)).text == "قیمت۳.۵درصد"


def test_glued_number_offsets():
    n = normalize("قیمت۳.۵درصد")
    assert n.text == "قیمت ۳.۵ درصد"
    assert n.to_original(5, 8) == (4, 7)  # the number maps back exactly
    assert n.to_original(4, 5) == (3, 4)  # an inserted space belongs to the char before it
    assert n.original[slice(*n.to_original(9, 13))] == "درصد"


def test_protect_off_lets_hazm_damage_decimals():
    assert normalize("قیمت ۳.۵ درصد", NormalizeOptions(protect=False)).text == "قیمت ۳ ٫ ۵ درصد"


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("https://a.ir/x", ["url"]),  # URL
        ("a.b@c.com", ["email"]),  # e-mail
        ("data.csv", ["file"]),  # file name
        ("v1.2", ["version"]),  # version with v
        ("1.2.3.4", ["version"]),  # four-part version / IP
        ("۱۴۰۲/۰۵/۱۲", ["date"]),  # date
        ("۱۰:۳۰", ["time"]),  # time
        ("۳.۵", ["number"]),  # decimal
        ("ق.م", ["abbrev"]),  # abbreviation
        ("سلام دنیا", []),  # plain words
    ],
)
def test_protected_kinds(text, kinds):
    assert [k for k, _, _ in protected_spans(text)] == kinds


def test_options_from_dict_rejects_unknown():
    assert options_from_dict({"persian_digits": False}) == NormalizeOptions(persian_digits=False)
    with pytest.raises(ValueError, match="unknown normalize options"):
        options_from_dict({"persian_digit": False})


def test_offsets_map_a_number_back():
    n = normalize("قيمت 3.5 درصد شد . من می روم")
    assert n.text == f"قیمت ۳.۵ درصد شد. من می{ZWNJ}روم"
    i = n.text.index("۳.۵")
    assert n.original[slice(*n.to_original(i, i + 3))] == "3.5"
    j = n.text.index("من")
    assert n.original[slice(*n.to_original(j, len(n.text)))] == "من می روم"
    assert n.to_normalized(*n.to_original(i, i + 3)) == (i, i + 3)


def test_offsets_of_deleted_and_inserted_chars():
    n = normalize("اِعلام")  # the kasra is deleted
    assert n.text == "اعلام"
    assert n.to_original(0, 5) == (0, 6)
    m = normalize("۵درصد")  # a space is inserted
    assert m.text == "۵ درصد"
    assert m.original[slice(*m.to_original(2, 6))] == "درصد"


@pytest.mark.parametrize(
    ("text", "piece"),
    [
        ("سال ۳–۳ بود", "۳–۳"),  # hazm spaces the dash: each digit still maps to itself, not to its twin
        ("کتاب های من", "کتاب های"),  # space → ZWNJ is a substitution, the span keeps both words
        ('حرف "ه " را', '"ه "'),  # quotes turned into «» still cover the quoted letter
    ],
)
def test_changed_stretches_map_back_to_the_same_text(text, piece):
    n = normalize(text)
    start = text.index(piece)
    s, e = n.to_normalized(start, start + len(piece))
    assert n.original[slice(*n.to_original(s, e))] == piece


def test_out_of_range_spans_raise():
    n = normalize("سلام")
    with pytest.raises(ValueError):
        n.to_original(0, 9)
    with pytest.raises(ValueError):
        n.to_normalized(3, 2)


_PIECES = st.sampled_from(
    [
        "سلام",
        " ",
        "  ",
        "\n",
        "می",
        "روم",
        "ها",
        "كتاب",
        "ي",
        "3.5",
        "۳.۵",
        "۲٫۵",
        "۱۴۰۲/۰۵/۱۲",
        "10:30",
        "ق.م",
        "www.a.ir",
        "a@b.com",
        "x.pdf",
        "v1.2.3",
        ".",
        "...",
        "،",
        ":",
        "«",
        "»",
        '"',
        "(",
        ")",
        "ـ",
        "\u064e",
        "\u200c",
        "ﷲ",
        "!",
        "؟",
        "مممم",
        "e.g.",
        "7",
        "\t",
        "\r",
    ]
)


def _check_map(n):
    t, o = n.text, n.original
    assert len(n.offsets) == len(t) + 1 and len(n.ends) == len(t)
    assert n.offsets[-1] == len(o)
    assert all(0 <= a <= b <= len(o) for a, b in zip(n.offsets, n.ends, strict=False))
    assert all(x <= y for x, y in zip(n.offsets, n.offsets[1:], strict=False))
    assert all(x <= y for x, y in zip(n.ends, n.ends[1:], strict=False))


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join), st.data())
def test_offset_map_properties(text, data):
    n = normalize(text)
    _check_map(n)
    size = len(n.text)
    a = data.draw(st.integers(0, size))
    b = data.draw(st.integers(a, size))
    s, e = n.to_original(a, b)
    assert 0 <= s <= e <= len(text)
    s2, e2 = n.to_original(b, size)
    assert s <= s2 and e <= e2  # later spans map to later (or equal) original positions
    ns, ne = n.to_normalized(s, e)
    assert 0 <= ns <= ne <= size
    if b > a:  # a normalized span maps back to an original span that maps forward to cover it
        assert ns <= a and ne >= b


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_offset_map_any_unicode(text):
    n = normalize(text)
    _check_map(n)
    for a, b in ((0, len(n.text)), (len(n.text) // 2, len(n.text))):
        s, e = n.to_original(a, b)
        assert 0 <= s <= e <= len(text)


# ---------------------------------------------------------------- protected spans in any context

# (as written, as normalized): numbers and dates take Persian digits, everything else is byte-exact
_PROTECTED_PIECES = [
    ("3.5", "۳.۵"),
    ("۳.۵", "۳.۵"),
    ("۲٫۵", "۲٫۵"),
    ("12,500", "۱۲,۵۰۰"),
    ("۱۴۰۲/۰۵/۱۲", "۱۴۰۲/۰۵/۱۲"),
    ("۱۴۰۲.۰۵.۱۲", "۱۴۰۲.۰۵.۱۲"),
    ("2023-05-01", "۲۰۲۳-۰۵-۰۱"),
    ("10:30", "۱۰:۳۰"),
    ("https://a.ir/x?y=1", "https://a.ir/x?y=1"),
    ("www.site.ir/p2", "www.site.ir/p2"),
    ("ali.r@example.com", "ali.r@example.com"),
    ("report.pdf", "report.pdf"),
    ("v2.0.1", "v2.0.1"),
    ("192.168.1.1", "192.168.1.1"),
    ("ق.م", "ق.م"),
    ("ه.ش", "ه.ش"),
    ("ج.ا.ا", "ج.ا.ا"),
]
_BEFORE = ["", " ", "  ", "\n", "«", " (", ": ", "، "]
_AFTER = ["", " ", ". ", ".", "، ", "»", ") ", "! ", "؟ ", "\n", " ..."]
_WORDS = ["", "قیمت", "كتاب", "می روم", "اِعلام", "سلام!", "گفت :"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_WORDS),
            st.sampled_from(_BEFORE),
            st.sampled_from(_PROTECTED_PIECES),
            st.sampled_from(_AFTER),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_protected_pieces_survive_in_context(parts):
    """Wherever a protected piece stands (sentence end, brackets, quotes, line ends), it comes out
    intact, and the offset map takes it back to exactly the original piece."""
    text, located = "", []
    for word, before, (piece, expected), after in parts:
        text += (word + " " if word else "") + before
        located.append((len(text), len(text) + len(piece), expected))
        text += piece + after + " "
    n = normalize(text)
    for s, e, expected in located:
        ns, ne = n.to_normalized(s, e)
        assert n.text[ns:ne] == expected, (text, n.text)
        assert n.to_original(ns, ne) == (s, e)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"" ۳.۵ ""', "«« ۳.۵ »»"),  # a quote pair left around a protected number: paired at once (was `" « ۳.۵ » "`)
        ('"" عقب بیفتن""', "««عقب بیفتن»»"),  # no protected span inside: hazm's own second run pairs them
    ],
)
def test_quotes_paired_across_protected_spans(text, expected):
    n = normalize(text)
    assert n.text == expected
    assert normalize(n.text).text == n.text

"""`fa_nlp.text.sentence_spans` as it was before issue 21 (commit 8683423), frozen as the reference.

Why keep it: issue 21 made the splitter faster without changing a single span. This copy is what
"the same spans" means: tests/text/test_sentences_differential.py and benchmarks/bench_sbd.py compare
the two on UD and fa_text. Not for use; don't edit (fix bugs in fa_nlp/text/sentences.py).

Original docstring follows.

Persian sentence spans: hazm's rule (split after `.!?؟` + space) with the cases it gets wrong fixed.

Works on the ORIGINAL text (no normalization needed; spans index it directly) with compiled
regexes; Python only runs once per candidate terminal mark, not per character.

Rules, in the order they are applied (each has rows in tests/text/test_sentences.py):

- Line breaks end sentences (`line_breaks="split"`, the default: our corpora are one paragraph per
  line, and headings/list items have no final punctuation). With `line_breaks="paragraph"` only blank
  lines and lines that start a list item (`۱. `, `۲) `, `- `, `• `) do; other newlines are spaces.
- A candidate is a run of terminal marks `.!?؟⸮…` (runs like `؟!`, `!!!`, `...` stay together),
  optionally followed by closers `» " ' ” ’ ) ] }` (and more terminals: `«…؟».`), followed by
  whitespace or the end. The boundary goes after the closers.
- Runs with `!`, `?`, `؟`: always a boundary, except `(؟)`/`(!)` inside a sentence, and a closed
  quote followed by a continuation word (`«چرا؟» را پرسید`).
- A single `.` is NOT a boundary after: a single letter (initials `م. ع. کرمانی`, `ص. ۱۲`), a dotted
  abbreviation (`ق.م.`, `ر.ک.`, `ج.ا.ا.`, `e.g.`), a known abbreviation (`Dr.`, `Prof.`, `vs.`, `صص.`),
  or a list number/letter at the start of a sentence (`۱. مقدمه`). Numbers, decimals, versions,
  dates, times, URLs, e-mails and file names never match (their internal `.`/`:` isn't followed by space).
- Ellipsis (`...`, `…`): a boundary at the end of a line/text; otherwise only when the word before it
  looks like a verb (Persian is verb-final: `داد… در نشست`) and the next token is not punctuation or a
  continuation word (`و`, `که`, `یا`, `را`, ...); never after `و`/`یا` (`و…` means "etc.").
- News datelines at the start of a text or after a boundary are sentences of their own:
  `لندن - ایرنا:`, `تهران- ایرنا-`, `واحد مرکزی خبر:` (UD Seraji's convention). `:` otherwise never splits.

    >>> split_sentences("در سال ۵۰۰ ق.م. کوروش آمد. او گفت: «بروید!» آیا رفتند؟! نه...")
    ['در سال ۵۰۰ ق.م. کوروش آمد.', 'او گفت: «بروید!»', 'آیا رفتند؟!', 'نه...']
"""

from __future__ import annotations

import re

__all__ = ["sentence_spans", "split_sentences"]

_TERMINALS = ".!?؟⸮…"
_CLOSERS = "»\"'”’)]}›"
_OPENERS = "«\"'“‘([{‹"
_L = r"[\u0621-\u064a\u067e-\u06cc]"  # Persian/Arabic letters
# A full stop glued to the next word (`رفت.او`, hazm #163): a candidate when 2+ letters touch it on
# each side (`ق.م`, `ه.ق`, initials have one-letter parts; decimals, URLs, file names are not Persian letters)
_GLUED = rf"(?<={_L}{{2}}\.)(?={_L}{{2}}|«)"  # also before an opening quote: `گفت.«سلام»`
_CANDIDATE = re.compile(  # hard path; see _FAST below
    r"[.!?؟⸮…][»\"'”’)\]}›.!?؟⸮…]*(?=\s|\Z)" rf"|\.{_GLUED}"
)
_PERSIAN_WORD = re.compile(rf"(?:{_L}|\u200c)+")
_TERM_PREFIX = re.compile(r"[.!?؟⸮…]+")
_ELLIPSIS = re.compile(r"(?:\.{2,}|…)[.…]*")
_WORD_BEFORE = re.compile(r"\S*\Z")
_NEXT_WORD = re.compile(r"\s+(\S+)")
_LINES = re.compile(r"[^\n\r\u2028\u2029]+")
_PARAGRAPH_BREAK = re.compile(
    r"\n[ \t]*\n\s*"  # blank line
    r"|\n(?=[ \t]*(?:[-•*–]\s|[\d۰-۹]{1,3}[.)\-]\s|[^\W\d_][.)]\s))"  # newline before a list item
)
_LETTER = re.compile(r"[^\W\d_]")
_ITEM = re.compile(r"(?<![\w.])(\d{1,2})\.\s")  # an item number of an inline enumeration
_DOTTED_ABBREV = re.compile(r"[^\W\d_]{1,3}(?:\.[^\W\d_]{1,3})+\.?")
# Verb-final endings (3sg -د, plural -ند/-ید/-یم, perfect -‌ام/-‌اید, copula است): a cheap "looks like a verb".
# Past stems in -فت/-ست/-شت/-خت (رفت، خواست، داشت، ساخت) count too; other -ت words are mostly nouns.
_VERB_LIKE = re.compile(r"(?:است|ست|ند|ید|یم|\u200c(?:ام|ای|ایم|اید)|د|[فسشخ]ت)\Z")

# Latin abbreviations that are (almost) never sentence-final.
_LATIN_ABBREVIATIONS = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "jr",
        "sr",
        "vs",
        "cf",
        "fig",
        "figs",
        "no",
        "nos",
        "vol",
        "vols",
        "pp",
        "p",
        "ed",
        "eds",
        "eq",
        "approx",
        "dept",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "rev",
        "hon",
        "mt",
        "ft",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "e.g",
        "i.e",
        "inc",  # company suffixes: `Apple Inc. اعلام کرد`
        "ltd",
        "co",
        "corp",
        "llc",
        "plc",
        "et",
        "al",
    ]
)
_PERSIAN_ABBREVIATIONS = frozenset({"صص", "ر.ک", "ن.ک", "ه.ش", "ه.ق", "ق.م"})  # single letters: rule above
# List-item markers that are words, not digits: الف. ب. ج.
_LIST_WORDS = frozenset({"الف", "ب", "ج", "د", "ه"})
# Words that continue the clause after an ellipsis or a closed quote: `و…` lists, `«چرا؟» را پرسید`.
# Prepositions (در، از، به) are left out on purpose: they often start the next sentence.
_CONTINUATION = frozenset({"و", "که", "یا", "را", "تا", "هم", "نیز", "etc", "and", "or"})
_SPEECH_VERBS = frozenset({"گفت", "گفتم", "گفتند", "پرسید", "پرسیدم", "نوشت", "فرمود", "می‌گوید", "می‌گفت"})
_PUNCT_START = set("،,؛;:)]}»-–—/")
# Terms of address: `حسن جان! حسین جان! بیایید` is one sentence of vocatives, not three.
_VOCATIVE_ENDS = frozenset({"جان", "عزیزم"})

_DATELINE_WORD = r"[^\s\d.!?؟:؛،«»()\[\]\-–—]+"
_AGENCY = (
    r"(?:ایرنا|ایسنا|ایلنا|ایبنا|ایکنا|فارس|مهر|تسنیم|واحد مرکزی خبر|باشگاه خبرنگاران(?: جوان)?|IRNA|ISNA)"
)
_DATELINE = re.compile(
    rf"{_DATELINE_WORD}(?:[ \u200c]{_DATELINE_WORD})?[ \t]*[-–—][ \t]*"  # place: one or two words
    rf"(?:{_DATELINE_WORD}(?:[ \u200c]{_DATELINE_WORD}){{0,2}}[ \t]*:|{_AGENCY}[ \t]*[-–—:])(?=\s|\Z)"
    rf"|{_AGENCY}[ \t]*:(?=\s|\Z)"
)


def _blocks(text: str, line_breaks: str):
    """(start, end) of the stretches that sentences never cross."""
    if line_breaks == "split":
        for m in _LINES.finditer(text):
            yield m.start(), m.end()
    elif line_breaks == "paragraph":
        pos = 0
        for m in _PARAGRAPH_BREAK.finditer(text):
            yield pos, m.start()
            pos = m.end()
        yield pos, len(text)
    else:
        raise ValueError(f"line_breaks must be 'split' or 'paragraph', not {line_breaks!r}")


def _emit(text: str, a: int, b: int, out: list[tuple[int, int]]) -> None:
    seg = text[a:b]
    left = len(seg) - len(seg.lstrip())
    right = len(seg.rstrip())
    if right > left:
        out.append((a + left, a + right))


def _word_before(text: str, start: int, lo: int) -> str:
    return _WORD_BEFORE.search(text, max(lo, start - 48), start).group()


def _prev_token(text: str, start: int, lo: int) -> str:
    """The token the mark is attached to, or the one before it when the mark stands alone."""
    w = _word_before(text, start, lo)
    if w:
        return w
    i = start
    while i > lo and text[i - 1].isspace():
        i -= 1
    return _word_before(text, i, lo)


def _is_boundary(text: str, m: re.Match, lo: int, hi: int, sent_start: int) -> bool:
    run = m.group()
    start = m.start()
    term = _TERM_PREFIX.match(run).group()
    has_closer = len(term) < len(run)
    nm = _NEXT_WORD.match(text, m.end(), hi)
    nxt = nm.group(1) if nm else None

    if m.end() < hi and not text[m.end()].isspace():  # `.` glued to the next word (_GLUED)
        return _glued_boundary(text, start, lo, hi)
    if "!" in term or "?" in term or "؟" in term or "⸮" in term:
        if (
            run.startswith(term)
            and start > lo
            and text[start - 1] == "("
            and run[len(term) :].startswith(")")
        ):
            return False  # (؟) / (!) marks doubt or irony inside a sentence
        if has_closer and nxt is not None and (nxt in _CONTINUATION or nxt in _SPEECH_VERBS):
            return False  # «چرا؟» را پرسید
        if term == "!" and not has_closer and nxt is not None:
            clause = text[sent_start:start]
            before = clause[clause.rfind("!") + 1 :].split()  # words since the last vocative
            if 1 <= len(before) <= 2 and before[-1] in _VOCATIVE_ENDS:
                return False  # vocative: «علی جان! کجایی؟»
        return True

    if _ELLIPSIS.fullmatch(term) and not (term.endswith(".") and "…" in term and not term.endswith("..")):
        if nxt is None:
            return True
        if nxt[0] in _PUNCT_START or nxt in _CONTINUATION:
            return False
        prev = _prev_token(text, start, lo).strip(_OPENERS + _CLOSERS)
        if not prev or prev in ("و", "یا", "etc"):
            return False
        if prev.isascii():
            return nxt[0].isupper()
        return bool(_VERB_LIKE.search(prev))

    # a single "." (maybe with closers and more marks after them)
    if has_closer:
        return not (nxt is not None and (nxt in _CONTINUATION or nxt in _SPEECH_VERBS))
    if len(term) > 1:
        return True
    word = _word_before(text, start, lo).lstrip(_OPENERS)
    if not word:
        return True
    if len(word) == 1 and _LETTER.match(word):
        return False  # initial: م. ع. کرمانی
    if _DOTTED_ABBREV.fullmatch(word) and not word[-1].isdigit():
        return False  # ق.م. / ر.ک. / ج.ا.ا. / e.g.
    if word.lower() in _LATIN_ABBREVIATIONS or word in _PERSIAN_ABBREVIATIONS:
        return False
    if word.lower() == "etc":  # `etc.` ends a sentence only before a capitalized Latin word
        return nxt is not None and nxt[0].isascii() and nxt[0].isupper()
    if word.isdecimal() and len(word) <= 2 and _in_enumeration(text, sent_start, start - len(word), int(word)):
        return False  # `مراحل: ۱. ثبت‌نام ۲. پرداخت`: an item number inside the sentence
    if (word.isdigit() and len(word) <= 3 or word in _LIST_WORDS) and not text[
        sent_start : start - len(word)
    ].strip():
        return False  # list item: ۱. مقدمه
    return True


def _in_enumeration(text: str, sent_start: int, num_start: int, k: int) -> bool:
    """Is the number `k.` at `num_start` an item of an inline list: the first after a colon
    (`مراحل: ۱. ثبت‌نام`), or the one after item k-1 of the same sentence?"""
    before = text[sent_start:num_start].rstrip()
    if k <= 1:
        return before.endswith(":")
    return any(int(m.group(1)) == k - 1 for m in _ITEM.finditer(text, sent_start, num_start))


def _glued_boundary(text: str, dot: int, lo: int, hi: int) -> bool:
    """`رفت.او`: a boundary when the words on both sides are plain Persian words (no digits, no other
    dots: `ج.ا.ا`, `www.سایت.ایران` stay whole) and the word before is not an abbreviation."""
    word = _word_before(text, dot, lo).lstrip(_OPENERS)
    if not _PERSIAN_WORD.fullmatch(word) or word in _PERSIAN_ABBREVIATIONS:
        return False
    if text[dot + 1] == "«":
        return True  # `گفت.«سلام»`: a quote opens the next sentence
    after = _PERSIAN_WORD.match(text, dot + 1, hi)
    end = after.end()
    return not (end < hi and text[end] == "." and end + 1 < hi and _LETTER.match(text[end + 1]))


def _dateline_end(text: str, pos: int, hi: int) -> tuple[int, int] | None:
    pos = _SPACES.match(text, pos, hi).end()
    m = _DATELINE.match(text, pos, hi)
    return (pos, m.end()) if m else None


# Speed: one regex finds every candidate and, in C, settles the common ones that `_is_boundary` would
# call boundaries anyway (a lone `.` after 2+ Persian letters that aren't `الف`, `صص` or an
# abbreviation's last part; a bare `!?؟` run not after `(`), when no dateline follows. Only groups "h"
# and "g" run Python.
# tests/text/test_sentences.py checks that the fast path changes no result.
_NO_DATELINE = r"(?=\s|\Z)(?!\s+(?:" + _DATELINE.pattern + r"))"
_SETTLED = (  # the candidates the regex settles as boundaries (<DL>: no dateline after them)
    rf"(?<={_L}{{2}}\.)(?<!الف\.)(?<!صص\.)(?<!\.{_L}{{2}}\.)(?<!\.{_L}{{3}}\.)<DL>"  # "شد. "
    rf"|(?<=[!?؟⸮])(?<!\([!?؟⸮])(?<!جان!)(?<!عزیزم!)[!?؟⸮]*<DL>"  # "؟ " / "!! " not after "(" or a vocative
)
_HARD = r"(?P<h>[»\"'”’)\]}›.!?؟⸮…]*)(?=\s|\Z)" rf"|(?P<g>){_GLUED}"  # Python decides these
_FAST = re.compile(  # starts with a literal class so the scan skips ordinary text quickly
    rf"[.!?؟⸮…](?:{_SETTLED.replace("<DL>", _NO_DATELINE)}|{_HARD})(?P<ws>\s*)"
)
# Blocks without a dash or colon hold no dateline (each has one): there the regex skips the
# dateline check it would otherwise run after every settled boundary (most of the split's time).
_NO_DL = r"(?=\s|\Z)"
_FAST_NO_DL = re.compile(rf"[.!?؟⸮…](?:{_SETTLED.replace("<DL>", _NO_DL)}|{_HARD})(?P<ws>\s*)")
_DASH_OR_COLON = re.compile(r"[-–—:]")
_SPACES = re.compile(r"\s*")


def _split_block(text: str, lo: int, hi: int, out: list[tuple[int, int]], fast: bool = True) -> None:
    """Append the sentences of text[lo:hi]. `fast=False` sends every candidate through `_is_boundary`
    (the reference the fast path is tested against)."""
    start = _SPACES.match(text, lo, hi).end()  # sentence start, always on a non-space
    datelines = _DASH_OR_COLON.search(text, start, hi) is not None  # each dateline has one
    d = datelines and _dateline_end(text, start, hi)
    if d:
        out.append(d)
        start = _SPACES.match(text, d[1], hi).end()
    append = out.append
    for m in ((_FAST if datelines else _FAST_NO_DL) if fast else _CANDIDATE).finditer(text, start, hi):
        if fast:
            if m.start("h") < 0 and m.start("g") < 0:  # settled by the regex: a boundary
                append((start, m.start("ws")))
                start = m.end()
                continue
            cand = _CANDIDATE.match(text, m.start(), hi)
        else:
            cand = m
        if cand.start() >= start and _is_boundary(text, cand, lo, hi, start):
            append((start, cand.end()))
            start = _SPACES.match(text, cand.end(), hi).end()
            d = datelines and _dateline_end(text, start, hi)
            if d:
                append(d)
                start = _SPACES.match(text, d[1], hi).end()
    _emit(text, start, hi, out)


def sentence_spans(text: str, *, line_breaks: str = "split") -> list[tuple[int, int]]:
    """Half-open (start, end) spans of the sentences of `text`: sorted, non-overlapping, no
    surrounding whitespace, indexing `text` itself (not a normalized copy)."""
    return _spans(text, line_breaks, fast=True)


def _spans(text: str, line_breaks: str, fast: bool) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in _blocks(text, line_breaks):
        _split_block(text, lo, hi, out, fast)
    return out


def split_sentences(text: str, *, line_breaks: str = "split") -> list[str]:
    """The sentences of `text` as strings (see `sentence_spans`)."""
    return [text[s:e] for s, e in sentence_spans(text, line_breaks=line_breaks)]

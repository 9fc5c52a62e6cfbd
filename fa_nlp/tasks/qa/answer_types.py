"""The question word a cloze answer asks for: a number with `چند`, a year with `چه سالی`, a person with
`چه کسی`, a place with `کجا`, anything else with `چه` / `چه چیزی`.

    from fa_nlp.tasks.qa.answer_types import answer_type, question_word
    answer_type("۱۳۵۷", before=["انقلاب", "در", "سال"], after=["پیروز", "شد"])   # → "year"
    question_word("year", "سال", random.Random(0))                               # → ("چه سالی", True)

Why: a question word that does not fit its answer (a number asked with «کجا») teaches the span
model to ignore the question word, which is the one clue PQuAD and ParsiNLU questions give about
the answer's kind. Rules, not a tagger: hazm ships no offline POS/NER model (its data files are
word lists), and the classes below are decided by the answer's own characters and the words right
around it. The rules, first match wins (`answer_type`):

| type     | rule                                                                               | asked with        |
|----------|------------------------------------------------------------------------------------|-------------------|
| year     | one 4-digit number (Persian, Arabic or ASCII digits) in 1000–2100, a number right after `سال`, or `سال N` | `چه سالی` (absorbs `سال`) |
| date     | a month name (solar Hijri, Gregorian, lunar Hijri) or `قرن`/`سده` with a number in or beside the answer | `کی`, `چه زمانی` |
| quantity | a number then only units / numbers (`۵ کیلومتر`, `۲۰ درصد`)                         | `چقدر`            |
| number   | only digits / number words (`سه`, `سه هزار`); the noun after it stays in the question: `[چند] نفر` | `چند` |
| person   | a title before or at the start of the answer (`آقای`, `دکتر`, `امام`, `شاه`, ...), or a common first name starting it | `چه کسی` (absorbs the title) |
| place    | a place noun before it (`شهر`, `استان`, `کشور`, `رود`, ...), or a country/city of the gazetteer starting it | `کدام شهر` (absorbs the noun), `کجا` (absorbs `در`/`به`) |
| other    | everything else                                                                    | `چه`, `چه چیزی`   |

Words are compared after stripping edge punctuation, ZWNJ-attached suffixes (`تهرانِ`, `ایران‌`) are
not analysed: a word matches a list only as written. Pure functions; the only randomness is the
caller's `random.Random` choosing between a type's question words.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

_EDGE = "«»\"'()[]{}.,;:!?،؛؟…-–—"
_DIGITS = re.compile(r"^[0-9۰-۹٠-٩]+([.,/٫٬][0-9۰-۹٠-٩]+)*$")


def _wordset(text: str) -> frozenset[str]:
    """A word list written as one space-separated string (easier to read and extend in Persian)."""
    return frozenset(text.split())


_TRANS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")

NUMBER_WORDS = _wordset(
    "یک دو سه چهار پنج شش هفت هشت نه ده یازده دوازده سیزده چهارده پانزده شانزده هفده هجده نوزده بیست سی "
    "چهل پنجاه شصت هفتاد هشتاد نود صد یکصد دویست سیصد چهارصد پانصد ششصد هفتصد هشتصد نهصد هزار میلیون "
    "میلیارد نیم دهها ده‌ها صدها هزاران میلیون‌ها")  # ordinals are not: they ask «چندم»
UNITS = _wordset(
    "کیلومتر متر سانتیمتر سانتی‌متر میلیمتر کیلوگرم گرم تن لیتر درصد تومان ریال دلار یورو هکتار کیلومترمربع "
    "مایل درجه ساعت دقیقه ثانیه سال روز ماه هفته برابر نفر")
MONTHS = _wordset(
    "فروردین اردیبهشت خرداد تیر مرداد شهریور مهر آبان آذر دی بهمن اسفند "
    "ژانویه فوریه مارس آوریل مه ژوئن ژوئیه ژوئیهٔ اوت آگوست سپتامبر اکتبر نوامبر دسامبر "
    "محرم صفر ربیع‌الاول ربیع‌الثانی جمادی‌الاول جمادی‌الثانی رجب شعبان رمضان شوال ذیقعده ذی‌القعده ذیحجه "
    "ذی‌الحجه قرن سده")
PERSON_TITLES = _wordset(
    "آقای آقا خانم دکتر استاد مهندس امام حضرت شاه سلطان شیخ میرزا سید ملا پادشاه ملکه شاهزاده "
    "رئیس‌جمهور رئیس‌جمهوری نخست‌وزیر وزیر سردار ژنرال پیامبر خلیفه امیر حکیم شاعر نویسنده")
FIRST_NAMES = _wordset(
    "محمد علی حسن حسین رضا احمد مهدی محمود مصطفی جواد ابراهیم اسماعیل یوسف داوود عباس جعفر کاظم "
    "فاطمه زهرا مریم زینب سارا لیلا شیرین فرهاد کوروش داریوش خشایار اردشیر نادر ناصر")
PLACE_NOUNS = _wordset(  # nouns a place name follows («شهر کاشان»); not کشور/منطقه/پایتخت: adjectives follow them as often
    "شهر شهرستان استان روستای جزیره رود رودخانه دریای کوه دریاچهٔ بندر ایالت")
PLACES = _wordset(
    "ایران تهران اصفهان شیراز مشهد تبریز کرمان یزد قم کاشان همدان رشت اهواز کرمانشاه زنجان قزوین "
    "اراک ساری گرگان بوشهر خراسان فارس گیلان مازندران آذربایجان کردستان خوزستان سیستان بلوچستان "
    "عراق افغانستان ترکیه پاکستان هند چین ژاپن روسیه آمریکا انگلستان انگلیس فرانسه آلمان ایتالیا "
    "اسپانیا مصر عربستان سوریه لبنان یونان اروپا آسیا آفریقا بغداد کابل لندن پاریس")

QUESTION_WORDS: dict[str, tuple[str, ...]] = {
    "year": ("چه سالی",), "date": ("کی", "چه زمانی"), "quantity": ("چقدر",), "number": ("چند",),
    "person": ("چه کسی",), "place": ("کجا",), "other": ("چه", "چه چیزی"),
}


def _bare(w: str) -> str:
    return w.strip(_EDGE)


def _is_number(w: str) -> bool:
    return bool(_DIGITS.match(w)) or w in NUMBER_WORDS


def _is_year(w: str, after_sal: bool) -> bool:
    if not _DIGITS.match(w):
        return False
    if after_sal:
        return True
    t = w.translate(_TRANS)
    return t.isdigit() and len(t) == 4 and 1000 <= int(t) <= 2100


def answer_type(answer: str, before: Sequence[str] = (), after: Sequence[str] = ()) -> str:
    """The answer's type (module docstring table) from its words and the words around it."""
    words = [b for b in (_bare(w) for w in answer.split()) if b]
    if not words:
        return "other"
    prev = _bare(before[-1]) if before else ""
    nxt = _bare(after[0]) if after else ""
    if (len(words) == 1 and _is_year(words[0], prev == "سال")) or (
            len(words) == 2 and words[0] == "سال" and _DIGITS.match(words[1])):
        return "year"
    numeric = any(_is_number(w) for w in words)
    if (any(w in MONTHS for w in words) and (numeric or _is_number(prev) or _is_number(nxt))) or (
            numeric and nxt in MONTHS):
        return "date"  # a month name alone is often another word (تیر, مهر, دی, مه): a number must be beside it
    if all(_is_number(w) for w in words):
        return "number"  # «[۲۰] درصد» → «چند درصد»: the noun after it stays in the question
    if _is_number(words[0]) and all(w in UNITS or _is_number(w) for w in words[1:]):
        return "quantity"  # «۵ کیلومتر» → «چقدر»
    if prev in PERSON_TITLES or words[0] in PERSON_TITLES or words[0] in FIRST_NAMES:
        return "person"
    if prev in PLACE_NOUNS or words[0] in PLACES:
        return "place"
    return "other"


def question_word(kind: str, prev_word: str, rng: random.Random) -> tuple[str, bool]:
    """(question word for an answer of `kind`, whether it replaces the word before the answer too):
    «در سال ۱۳۵۷» → «در چه سالی», «در شهر اصفهان» → «در کدام شهر», «به تهران» → «کجا»,
    «شیخ سعدی» → «چه کسی».
    The only randomness: the choice between a type's question words (`rng`, the caller's)."""
    prev = _bare(prev_word)
    if kind == "year" and prev == "سال":
        return "چه سالی", True
    if kind == "person" and prev in PERSON_TITLES:
        return "چه کسی", True
    if kind == "place" and prev in PLACE_NOUNS:
        return f"کدام {prev}", True
    if kind == "place" and prev in ("در", "به"):
        return "کجا", True
    options = QUESTION_WORDS[kind]
    return (options[0] if len(options) == 1 else rng.choice(options)), False

"""Write corpora/sample/qa.json (SQuAD v2) from the question table below.

    .venv/bin/python corpora/sample/tools/build_qa.py          # rewrite qa.json
    .venv/bin/python corpora/sample/tools/build_qa.py --check  # exit 1 if qa.json is stale

Why a script: every context is copied from documents.txt by (doc id, line number) and every
`answer_start` is found with `str.find`, never typed by hand, so editing a document and re-running
this keeps the offsets right (or fails loudly naming the answer that no longer occurs).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

# The sibling stats.py, loaded by path so this works without touching sys.path (also from tests).
_spec = importlib.util.spec_from_file_location("sample_stats", Path(__file__).with_name("stats.py"))
_stats = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_stats)
SAMPLE, read_documents = _stats.SAMPLE, _stats.read_documents

# An answer is a string (first occurrence in the context) or (string, n): its n-th occurrence, 0-based.
# answers=None marks an unanswerable question (plausible, but the context does not say).
# (doc id, line of the document body, 0-based, title, [(question, answers), ...])
TABLE = [
    (
        "sample-01-weather",
        1,
        "sample-01-weather: سامانهٔ بارشی تازه",
        [
            ("سامانهٔ بارشی تازه از چه زمانی وارد کشور می‌شود؟", ["صبح فردا", "از صبح فردا"]),
            ("بارش‌ها ابتدا در کدام استان‌ها آغاز می‌شود؟", ["استان‌های شمال‌غربی"]),
            ("در کدام ارتفاعات احتمال بارش برف وجود دارد؟", ["البرز و زاگرس", "ارتفاعات البرز و زاگرس"]),
            ("دمای هوای تهران تا پایان هفته چقدر کاهش می‌یابد؟", ["حدود شش درجه", "شش درجه"]),
            ("بارش‌ها تا چه روزی ادامه خواهد داشت؟", None),
            ("میزان بارش پیش‌بینی‌شده برای تهران چند میلی‌متر است؟", None),
        ],
    ),
    (
        "sample-02-library",
        1,
        "sample-02-library: کتابخانهٔ عمومی اصفهان",
        [
            ("کتابخانهٔ تازه در کدام شهر افتتاح شد؟", ["اصفهان", ("اصفهان", 1)]),
            ("کتابخانه چند طبقه دارد؟", ["سه طبقه"]),
            ("کتابخانه چند جلد کتاب دارد؟", ["بیش از هشتاد هزار جلد", "هشتاد هزار جلد"]),
            ("بخش کودکان و نوجوانان در کدام طبقه قرار دارد؟", ["طبقهٔ همکف"]),
            ("سالن مطالعه تا چه ساعتی باز است؟", ["ساعت ۲۲", "تا ساعت ۲۲"]),
            ("هزینهٔ ساخت کتابخانه چقدر بوده است؟", None),
            ("نام کتابخانهٔ تازه چیست؟", None),
        ],
    ),
    (
        "sample-07-pasargadae",
        1,
        "sample-07-pasargadae: کوروش و پاسارگاد",
        [
            ("شاهنشاهی هخامنشی در چه زمانی بنیان گذاشته شد؟", ["حدود ۵۵۰ ق.م", "۵۵۰ ق.م"]),
            ("کوروش پیش از بنیان‌گذاری شاهنشاهی بر چه کسی پیروز شد؟", ["آستیاگ", "آستیاگ، پادشاه ماد"]),
            ("پاسارگاد در کدام دشت ساخته شد؟", ["دشت مرغاب"]),
            ("آرامگاه کوروش چند پله دارد؟", ["شش پله"]),
            ("کوروش در چه سالی درگذشت؟", None),
            ("ارتفاع آرامگاه کوروش چند متر است؟", None),
        ],
    ),
    (
        "sample-12-football",
        1,
        "sample-12-football: آرمان تبریز و ستارهٔ کرمان",
        [
            ("آرمان تبریز با چه نتیجه‌ای پیروز شد؟", ["۲ بر ۱"]),
            ("بازی در چه ساعتی برگزار شد؟", ["ساعت ۱۸:۳۰", "۱۸:۳۰"]),
            ("چند تماشاگر در ورزشگاه حضور داشتند؟", ["حدود پانزده هزار تماشاگر", "پانزده هزار"]),
            ("تیم مهمان در کدام دقیقه پیش افتاد؟", ["دقیقهٔ ۲۳"]),
            ("داور این بازی چه کسی بود؟", None),
            ("گل پیروزی آرمان را چه کسی به ثمر رساند؟", None),
        ],
    ),
    (
        "sample-13-editor-release",
        3,
        "sample-13-editor-release: دریافت نسخهٔ جدید ویراست",
        [
            ("نسخهٔ جدید ویراست را از کجا می‌توان دریافت کرد؟", ["https://example.com/fa"]),
            ("گزارش آزمون‌ها در کدام فایل آمده است؟", ["گزارش.pdf"]),
            ("داده‌های خام آزمون سرعت در چه فایلی منتشر شده است؟", ["data.csv"]),
            ("اشکالات نرم‌افزار را به چه نشانی باید گزارش داد؟", ["info@example.ir"]),
            ("حجم فایل نصب نسخهٔ جدید چقدر است؟", None),
        ],
    ),
    (
        "sample-19-moon",
        2,
        "sample-19-moon: گردش ماه",
        [
            ("گردش ماه به دور زمین چقدر طول می‌کشد؟", ["حدود ۲۷.۳ روز", "۲۷.۳ روز"]),
            ("طرف دیگر ماه نخستین بار در چه سالی عکاسی شد؟", ["سال ۱۹۵۹ میلادی", "۱۹۵۹"]),
            ("چه چیزی نخستین بار از طرف دیگر ماه عکس گرفت؟", ["یک فضاپیمای شوروی"]),
            ("نام فضاپیمایی که طرف دیگر ماه را عکاسی کرد چه بود؟", None),
        ],
    ),
    (
        "sample-21-saffron",
        2,
        "sample-21-saffron: برداشت زعفران",
        [
            ("هر گل زعفران چند کلاله دارد؟", ["سه کلالهٔ سرخ", "سه"]),
            ("برای یک کیلوگرم زعفران خشک چند گل لازم است؟", ["حدود ۱۵۰ هزار گل", "۱۵۰ هزار"]),
            ("قیمت هر کیلوگرم زعفران چقدر است؟", None),
        ],
    ),
    (
        "sample-16-lake-urmia",
        0,
        "sample-16-lake-urmia: بحران دریاچهٔ ارومیه",
        [
            ("بزرگ‌ترین دریاچهٔ داخلی ایران کدام است؟", ["دریاچهٔ ارومیه"]),
            (
                "مهم‌ترین دلایل انسانی بحران دریاچه کدام‌اند؟",
                ["سدسازی روی رودخانه‌های منتهی به دریاچه، حفر چاه‌های غیرمجاز و گسترش کشاورزی پرآب"],
            ),
            ("جز دلایل انسانی، چه عواملی وضع دریاچه را بدتر کرده است؟", ["کاهش بارندگی و افزایش دما"]),
            ("مساحت دریاچهٔ ارومیه چند کیلومتر مربع است؟", None),
            ("دریاچه از چه سالی شروع به خشک شدن کرد؟", None),
        ],
    ),
    (
        "sample-10-headphone-review",
        2,
        "sample-10-headphone-review: باتری هدفون",
        [
            ("باتری هدفون طبق ادعای سازنده چقدر دوام دارد؟", ["۳۰ ساعت"]),
            ("نویسنده در عمل چند ساعت از باتری کار کشید؟", ["حدود ۲۶ ساعت", "۲۶ ساعت"]),
            ("شارژ کامل هدفون چقدر طول می‌کشد؟", ["حدود ۱.۵ ساعت", "۱.۵ ساعت"]),
            ("قیمت هدفون چقدر است؟", None),
        ],
    ),
]


def locate(context: str, answer: str | tuple[str, int], where: str) -> dict:
    """{"text", "answer_start"} for the intended occurrence of `answer` in `context`."""
    text, nth = (answer, 0) if isinstance(answer, str) else answer
    start = -1
    for _ in range(nth + 1):
        start = context.find(text, start + 1)
        if start < 0:
            raise ValueError(f"{where}: answer {text!r} (occurrence {nth}) not found in its context")
    assert context[start : start + len(text)] == text
    return {"text": text, "answer_start": start}


def build() -> dict:
    docs = dict(read_documents())
    data, n = [], 0
    for doc_id, line, title, questions in TABLE:
        lines = docs[doc_id].split("\n")
        context = lines[line]
        qas = []
        for question, answers in questions:
            n += 1
            qid = f"sample-q{n:03d}"
            qas.append(
                {
                    "id": qid,
                    "question": question,
                    "answers": [locate(context, a, qid) for a in answers or []],
                    "is_impossible": answers is None,
                }
            )
        data.append({"title": title, "paragraphs": [{"context": context, "qas": qas}]})
    return {"version": "v2.0", "data": data}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with qa.json instead of writing it")
    args = ap.parse_args()
    qa = build()
    target = SAMPLE / "qa.json"
    text = json.dumps(qa, ensure_ascii=False, indent=2) + "\n"
    if args.check:
        same = target.exists() and target.read_text(encoding="utf-8") == text
        print(f"{target}: {'up to date' if same else 'STALE: re-run build_qa.py'}")
        return 0 if same else 1
    from fa_nlp.io import write_text  # atomic write; only needed when writing

    write_text(target, text)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

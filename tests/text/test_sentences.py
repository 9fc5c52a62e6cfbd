"""Sentence splitting: one row per rule (see the rule list in fa_nlp/text/sentences.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fa_nlp.text import sentence_spans, split_sentences

CASES = [
    # --- basic terminal marks (what hazm already does) ---
    ("جدا کردن ساده است. تقریبا البته!", ["جدا کردن ساده است.", "تقریبا البته!"]),  # . and ! end sentences
    ("کجا رفتی؟ خانه بودم.", ["کجا رفتی؟", "خانه بودم."]),  # Persian question mark
    ("Where? Here.", ["Where?", "Here."]),  # Latin question mark
    ("او آمد.", ["او آمد."]),  # single sentence, final mark kept
    ("او آمد", ["او آمد"]),  # no final mark: the whole text is one sentence
    ("", []),  # empty text: no sentences
    ("   \n  ", []),  # whitespace only: no sentences
    ("  او آمد.   من رفتم.  ", ["او آمد.", "من رفتم."]),  # spans are trimmed of surrounding whitespace
    ("او آمد.من رفتم.", ["او آمد.", "من رفتم."]),  # full stop glued to the next word still ends it (hazm #163)
    ("رفت.او", ["رفت.", "او"]),  # hazm #163: `.` directly followed by a letter
    ("کتاب را خواند.سپس رفت.", ["کتاب را خواند.", "سپس رفت."]),  # ... also mid-text
    ("قیمت ۳.۵ درصد شد.", ["قیمت ۳.۵ درصد شد."]),  # glued: a decimal is not a boundary
    ("سایت www.example.com است.", ["سایت www.example.com است."]),  # glued: a URL stays whole
    ("فایل report.pdf را دیدم.", ["فایل report.pdf را دیدم."]),  # glued: a file name stays whole
    ("سال ۵۰۰ ق.م بود.", ["سال ۵۰۰ ق.م بود."]),  # glued: one-letter abbreviation parts (ق.م)
    ("دولت ج.ا.ا اعلام کرد.", ["دولت ج.ا.ا اعلام کرد."]),  # glued: three-part abbreviation
    ("دکتر م.ع.کرمانی آمد.", ["دکتر م.ع.کرمانی آمد."]),  # glued: initials before a name
    ("سایت فارسی.ایران.ir را ببینید.", ["سایت فارسی.ایران.ir را ببینید."]),  # glued: a dotted name, not a stop
    ("در سال ۶۰۰ ه.ق. درگذشت.", ["در سال ۶۰۰ ه.ق. درگذشت."]),  # hazm #216: ه.ق. stays whole
    ("در سال ۵۰۰ ق.م. کوروش آمد.", ["در سال ۵۰۰ ق.م. کوروش آمد."]),  # hazm #216: ق.م. stays whole
    ("این در ۱۳۰۰ ه.ق. بود. سپس رفت.", ["این در ۱۳۰۰ ه.ق. بود.", "سپس رفت."]),  # ... and a real stop after it
    ("او آمد.\tمن رفتم.", ["او آمد.", "من رفتم."]),  # tab counts as whitespace
    # --- vocatives: a term of address with ! does not end the sentence ---
    (
        "حسن جان! حسین جان! بیایید برویم.",
        ["حسن جان! حسین جان! بیایید برویم."],
    ),  # «X جان!» chains are addresses inside one sentence
    ("ای معاویه! تو را چه شده است؟", ["ای معاویه!", "تو را چه شده است؟"]),  # other exclamations still split
    ("آفرین! کارت خوب بود.", ["آفرین!", "کارت خوب بود."]),  # an interjection is its own sentence
    ("گفتم که جانم را دوست دارم جان! بعد رفتم.", ["گفتم که جانم را دوست دارم جان!", "بعد رفتم."]),  # جان ends a long clause: split
    # --- runs of marks stay together ---
    ("واقعا؟! باور نمی‌کنم.", ["واقعا؟!", "باور نمی‌کنم."]),  # ؟! is one run
    ("عالی بود!!! دوباره می‌آییم.", ["عالی بود!!!", "دوباره می‌آییم."]),  # !!! is one run
    ("چرا؟؟ نمی‌دانم.", ["چرا؟؟", "نمی‌دانم."]),  # ؟؟ is one run
    ("What?! No.", ["What?!", "No."]),  # Latin ?! is one run
    ("گفت: «واقعا؟!» بعد خندید.", ["گفت: «واقعا؟!»", "بعد خندید."]),  # ؟! run inside quotes, then a closer
    ("آیا او آمد?! نه.", ["آیا او آمد?!", "نه."]),  # Latin ? in Persian text, ?! run
    ("تمام شد…. بعدی شروع شد.", ["تمام شد….", "بعدی شروع شد."]),  # …. (ellipsis + full stop) ends a sentence
    # --- closers after the mark: boundary goes after the closer ---
    ("گفت: «با من بیا!» همه آماده شدند.", ["گفت: «با من بیا!»", "همه آماده شدند."]),  # !» then new sentence
    ("گفت: «با من بیا!» آیا آمدی؟", ["گفت: «با من بیا!»", "آیا آمدی؟"]),  # !» آیا
    (
        "جواب داد: «همه رفتند.» بار اول بود.",
        ["جواب داد: «همه رفتند.»", "بار اول بود."],
    ),  # .» then new sentence
    (
        'می‌گویند: "فلانی زرد کرده است." از تپه رفتیم.',
        ['می‌گویند: "فلانی زرد کرده است."', "از تپه رفتیم."],
    ),  # ." closer
    ("او رفت (و برنگشت؟) سپس باران آمد.", ["او رفت (و برنگشت؟)", "سپس باران آمد."]),  # ؟) then new sentence
    ("(این مهم است.) بعد رفتیم.", ["(این مهم است.)", "بعد رفتیم."]),  # .) closer
    (
        "گفت: «چرا دسته حرکت نمی‌کند؟». همه ساکت شدند.",
        ["گفت: «چرا دسته حرکت نمی‌کند؟».", "همه ساکت شدند."],
    ),  # ؟». ends after the final .
    ("گفت: «یواش‌تر». با تحکم گفت.", ["گفت: «یواش‌تر».", "با تحکم گفت."]),  # ». after a closed quote
    ('He said "Go." Then he left.', ['He said "Go."', "Then he left."]),  # Latin ." closer
    ("«چرا؟» را از او پرسیدم.", ["«چرا؟» را از او پرسیدم."]),  # closed quote followed by را continues
    ("«بیا!» و رفت.", ["«بیا!» و رفت."]),  # closed quote followed by و continues
    ("«کجایی؟» گفت و رفت.", ["«کجایی؟» گفت و رفت."]),  # closed quote followed by a speech verb continues
    ("او گفت: «می‌آیم.» و رفت.", ["او گفت: «می‌آیم.» و رفت."]),  # .» followed by و continues
    ("در سال ۱۳۰۰ (؟) به دنیا آمد.", ["در سال ۱۳۰۰ (؟) به دنیا آمد."]),  # (؟) marks doubt, not an end
    ("او گفت که برنده شده (!) است.", ["او گفت که برنده شده (!) است."]),  # (!) marks irony, not an end
    # --- initials ---
    ("دکتر م. ع. کرمانی آمد. او گفت.", ["دکتر م. ع. کرمانی آمد.", "او گفت."]),  # Persian initials م. ع.
    ("نوشتهٔ ع. پاشایی است.", ["نوشتهٔ ع. پاشایی است."]),  # single Persian initial
    ("J. R. R. Tolkien wrote it. It sold.", ["J. R. R. Tolkien wrote it.", "It sold."]),  # Latin initials
    ("به کوشش (م. سرشار) چاپ شد.", ["به کوشش (م. سرشار) چاپ شد."]),  # initial after an opening bracket
    (
        "در تاریخ 31/10/1917 م. و اولین شکست آغاز شد.",
        ["در تاریخ 31/10/1917 م. و اولین شکست آغاز شد."],
    ),  # م. = میلادی
    ("رجوع کنید به ص. ۱۲ کتاب.", ["رجوع کنید به ص. ۱۲ کتاب."]),  # ص. = page
    (
        "نام پیامبر (ص). او آمد.",
        ["نام پیامبر (ص).", "او آمد."],
    ),  # (ص) then . is a real end: bracketed, not an initial
    # --- abbreviations ---
    ("در سال ۵۰۰ ق.م. کوروش آمد.", ["در سال ۵۰۰ ق.م. کوروش آمد."]),  # ق.م. with final dot
    (
        "در سال ۵۰۰ ق.م کوروش آمد. بعد رفت.",
        ["در سال ۵۰۰ ق.م کوروش آمد.", "بعد رفت."],
    ),  # ق.م without final dot
    ("سال ۱۳۰۰ ه.ش. آغاز شد.", ["سال ۱۳۰۰ ه.ش. آغاز شد."]),  # ه.ش. (solar hijri)
    ("سال ۱۳۴۰ ه.ق. بود.", ["سال ۱۳۴۰ ه.ق. بود."]),  # ه.ق. (lunar hijri)
    ("ر.ک. فصل دوم.", ["ر.ک. فصل دوم."]),  # ر.ک. = see
    ("دولت ج.ا.ا. اعلام کرد.", ["دولت ج.ا.ا. اعلام کرد."]),  # ج.ا.ا. = Islamic Republic of Iran
    ("Dr. Smith came. He left.", ["Dr. Smith came.", "He left."]),  # Latin title Dr.
    ("Prof. Brown and Mr. Green met.", ["Prof. Brown and Mr. Green met."]),  # Prof. and Mr.
    ("Fruit, e.g. apples. Done.", ["Fruit, e.g. apples.", "Done."]),  # e.g.
    ("That is, i.e. this one. OK.", ["That is, i.e. this one.", "OK."]),  # i.e.
    ("Iran vs. Japan ended. Good.", ["Iran vs. Japan ended.", "Good."]),  # vs.
    ("see Fig. 3 here. Next.", ["see Fig. 3 here.", "Next."]),  # Fig.
    ("صص. ۱۰ تا ۲۰ را بخوانید.", ["صص. ۱۰ تا ۲۰ را بخوانید."]),  # صص. = pages
    (
        "دولت ج.ا.ا اعلام کرد. بعد رفت.",
        ["دولت ج.ا.ا اعلام کرد.", "بعد رفت."],
    ),  # ج.ا.ا without its final dot
    ("سال ۱۳۰۰ ه.ش آغاز شد. بعد رفت.", ["سال ۱۳۰۰ ه.ش آغاز شد.", "بعد رفت."]),  # ه.ش without its final dot
    ("ن.ک. فصل دوم. او آمد.", ["ن.ک. فصل دوم.", "او آمد."]),  # ن.ک. = see
    (
        "مقاله (ر.ک. فصل ۲) خوب است. بعد رفتیم.",
        ["مقاله (ر.ک. فصل ۲) خوب است.", "بعد رفتیم."],
    ),  # ر.ک. after an opening bracket
    ("نام او م.ع. کرمانی است. آمد.", ["نام او م.ع. کرمانی است.", "آمد."]),  # initials written without a space
    # --- numbers, decimals, versions, dates, times ---
    ("قیمت ۳.۵ درصد بالا رفت. سپس افت کرد.", ["قیمت ۳.۵ درصد بالا رفت.", "سپس افت کرد."]),  # Persian decimal
    ("نرخ 3.5 درصد شد. خوب است.", ["نرخ 3.5 درصد شد.", "خوب است."]),  # Latin decimal
    ("رشد ۲٫۵ درصد بود. کم است.", ["رشد ۲٫۵ درصد بود.", "کم است."]),  # Persian decimal separator
    ("در سال ۱۳۵۷. انقلاب شد.", ["در سال ۱۳۵۷.", "انقلاب شد."]),  # a number before . mid-line is a real end
    ("نسخهٔ v2.0.1 آمد. نصب کنید.", ["نسخهٔ v2.0.1 آمد.", "نصب کنید."]),  # version
    ("تاریخ ۱۴۰۲/۰۵/۱۲ بود. یادم است.", ["تاریخ ۱۴۰۲/۰۵/۱۲ بود.", "یادم است."]),  # slash date
    ("تاریخ ۱۴۰۲.۰۵.۱۲ بود. یادم است.", ["تاریخ ۱۴۰۲.۰۵.۱۲ بود.", "یادم است."]),  # dotted date
    ("ساعت ۱۰:۳۰ رسید. دیر بود.", ["ساعت ۱۰:۳۰ رسید.", "دیر بود."]),  # time (colon inside)
    ("جمعیت ۱۲,۵۰۰ نفر است. زیاد است.", ["جمعیت ۱۲,۵۰۰ نفر است.", "زیاد است."]),  # thousands separator
    ("قیمت ۳.۵. سپس افت کرد.", ["قیمت ۳.۵.", "سپس افت کرد."]),  # decimal at a sentence end
    ("تاریخ ۱۴۰۲/۰۵/۱۲. بعد رفتیم.", ["تاریخ ۱۴۰۲/۰۵/۱۲.", "بعد رفتیم."]),  # date at a sentence end
    ("در تاریخ 2023-05-12 آمد. رفت.", ["در تاریخ 2023-05-12 آمد.", "رفت."]),  # ISO date
    ("ساعت 10:30:15 رسید. دیر بود.", ["ساعت 10:30:15 رسید.", "دیر بود."]),  # time with seconds
    ("ساعت ۱۰:۳۰. بعد رفتیم.", ["ساعت ۱۰:۳۰.", "بعد رفتیم."]),  # time at a sentence end
    ("نسخهٔ 3.10.2 آمد. نصب کنید.", ["نسخهٔ 3.10.2 آمد.", "نصب کنید."]),  # version without v
    ("Version 2.0. Next.", ["Version 2.0.", "Next."]),  # version at a sentence end
    # --- URLs, e-mails, file names ---
    ("به www.example.com بروید. آنجا است.", ["به www.example.com بروید.", "آنجا است."]),  # www URL
    (
        "سایت https://example.ir/a?b=1 را ببینید. ممنون.",
        ["سایت https://example.ir/a?b=1 را ببینید.", "ممنون."],
    ),  # URL with ?
    (
        "به ali.rezaei@example.com نامه بدهید. ممنون.",
        ["به ali.rezaei@example.com نامه بدهید.", "ممنون."],
    ),  # e-mail
    ("فایل report.pdf را باز کن. بعد ببند.", ["فایل report.pdf را باز کن.", "بعد ببند."]),  # file name
    ("فایل report.pdf. بعد ببند.", ["فایل report.pdf.", "بعد ببند."]),  # file name at a sentence end
    ("به ali@example.com. سپس رفت.", ["به ali@example.com.", "سپس رفت."]),  # e-mail at a sentence end
    ("سایت www.example.com/a. بعد رفت.", ["سایت www.example.com/a.", "بعد رفت."]),  # URL path at a sentence end
    (
        "آدرس ما example.com. با ما تماس بگیرید.",
        ["آدرس ما example.com.", "با ما تماس بگیرید."],
    ),  # URL at sentence end
    # --- ellipsis ---
    ("سلام… خوبی؟", ["سلام… خوبی؟"]),  # ellipsis after a non-verb word stays inside
    (
        "سروسامان داد… در نشست دیروز گفتند.",
        ["سروسامان داد…", "در نشست دیروز گفتند."],
    ),  # ellipsis after a verb ends a sentence
    ("او رفت... من ماندم.", ["او رفت...", "من ماندم."]),  # three dots after a verb end a sentence
    ("او رفت ... من ماندم.", ["او رفت ...", "من ماندم."]),  # detached ... after a verb ends a sentence
    ("کتاب و دفتر و… خرید.", ["کتاب و دفتر و… خرید."]),  # و… means "etc."
    (
        "لب و... بر صورت دارند. دو نفر آمدند.",
        ["لب و... بر صورت دارند.", "دو نفر آمدند."],
    ),  # و... means "etc."
    ("کتاب، دفتر و ... را خرید.", ["کتاب، دفتر و ... را خرید."]),  # detached و ... means "etc."
    ("دراج و بلبل… باضافهٔ حیوانات دیگر.", ["دراج و بلبل… باضافهٔ حیوانات دیگر."]),  # ellipsis after a noun
    ("می‌خواستم بگویم... که نشد.", ["می‌خواستم بگویم... که نشد."]),  # continuation word که after ellipsis
    ("او آمد… و رفت.", ["او آمد… و رفت."]),  # continuation word و after ellipsis
    ("آمد…، و نشست.", ["آمد…، و نشست."]),  # punctuation after ellipsis continues
    ("قرار است پروژه را…؟! به نظر می‌رسد.", ["قرار است پروژه را…؟!", "به نظر می‌رسد."]),  # …؟! is a run with ؟
    ("و سپس…", ["و سپس…"]),  # ellipsis at the end of the text
    ("اول رفتیم…\nبعد برگشتیم.", ["اول رفتیم…", "بعد برگشتیم."]),  # ellipsis before a line break
    ("Wait... Then go.", ["Wait...", "Then go."]),  # Latin: capital after ellipsis starts a sentence
    ("wait... then go.", ["wait... then go."]),  # Latin: lowercase after ellipsis continues
    # --- colons and datelines ---
    ("وی گفت: این کار خوب است.", ["وی گفت: این کار خوب است."]),  # a colon never splits by itself
    ("لندن - ایرنا: هفته‌نامه چاپ شد.", ["لندن - ایرنا:", "هفته‌نامه چاپ شد."]),  # dateline at text start
    (
        "تمام شد. پکن - ایرنا: کودکان آمدند.",
        ["تمام شد.", "پکن - ایرنا:", "کودکان آمدند."],
    ),  # dateline after a boundary
    (
        "تمام شد. دهلی نو - ایرنا: سونیا آمد.",
        ["تمام شد.", "دهلی نو - ایرنا:", "سونیا آمد."],
    ),  # two-word place
    ("تهران - واحد مرکزی خبر: طرح آمد.", ["تهران - واحد مرکزی خبر:", "طرح آمد."]),  # multi-word agency
    ("واحد مرکزی خبر: درگیری شد.", ["واحد مرکزی خبر:", "درگیری شد."]),  # agency without place
    ("تبریز - ایسنا: جلسه برگزار شد.", ["تبریز - ایسنا:", "جلسه برگزار شد."]),  # another agency
    ("تهران- ایرنا- رئیس جمهور گفت.", ["تهران- ایرنا-", "رئیس جمهور گفت."]),  # dash-final dateline
    (
        "تکواندو آسیا - اقیانوسیه: تکرار مقام.",
        ["تکواندو آسیا - اقیانوسیه:", "تکرار مقام."],
    ),  # headline X - Y:
    (
        "سیروس ناصری: اروپا باید ضمانت بدهد.",
        ["سیروس ناصری: اروپا باید ضمانت بدهد."],
    ),  # name: quote is no dateline
    ("او گفت تهران - ایرنا: خبر.", ["او گفت تهران - ایرنا: خبر."]),  # dateline only at a sentence start
    ("وی - که دیروز آمد - گفت: نه.", ["وی - که دیروز آمد - گفت: نه."]),  # dashes around an aside, no dateline
    # --- line breaks, headings, lists ---
    ("مقدمه\nاین کتاب خوب است.", ["مقدمه", "این کتاب خوب است."]),  # heading without final mark
    ("۱. مقدمه\n۲. روش کار", ["۱. مقدمه", "۲. روش کار"]),  # numbered list items
    ("1. Intro\n2. Methods", ["1. Intro", "2. Methods"]),  # Latin-digit list items
    ("۱) نان\n۲) پنیر", ["۱) نان", "۲) پنیر"]),  # parenthesis list items
    ("- نان\n- پنیر", ["- نان", "- پنیر"]),  # dash list items
    ("• نان\n• پنیر", ["• نان", "• پنیر"]),  # bullet list items
    (
        "موضوع: هوش مصنوعی\n۱. مقدمه\n۲. روش‌ها",
        ["موضوع: هوش مصنوعی", "۱. مقدمه", "۲. روش‌ها"],
    ),  # heading, then numbered items, none with a final mark
    ("الف. نان بخرید.\nب. پنیر بخرید.", ["الف. نان بخرید.", "ب. پنیر بخرید."]),  # letter list items
    ("خط اول\r\nخط دوم", ["خط اول", "خط دوم"]),  # CRLF line breaks
    ("پاراگراف یک.\n\nپاراگراف دو.", ["پاراگراف یک.", "پاراگراف دو."]),  # blank line
    # --- mirrored parentheses in RTL text (UD Seraji) ---
    (
        "پیامبر) ص (فرمود: بروید. آنها رفتند.",
        ["پیامبر) ص (فرمود: بروید.", "آنها رفتند."],
    ),  # ) ص ( is not a bracket to track
    ("علی) ع (و… تبعیت می‌کنند. اگر بروند.", ["علی) ع (و… تبعیت می‌کنند.", "اگر بروند."]),  # (و… = etc.
    # --- issue 21: open cases ---
    ("او گفت.«سلام» و رفت.", ["او گفت.", "«سلام» و رفت."]),  # a full stop glued to an opening quote ends it
    ("گفت.«سلام»", ["گفت.", "«سلام»"]),  # ... also when the quote ends the text
    (
        "مراحل: ۱. ثبت‌نام ۲. پرداخت ۳. دریافت.",
        ["مراحل: ۱. ثبت‌نام ۲. پرداخت ۳. دریافت."],
    ),  # an inline enumeration after a colon is one sentence, not one per item number
    (
        "مراحل: 1. ثبت‌نام 2. پرداخت. سپس صبر کنید.",
        ["مراحل: 1. ثبت‌نام 2. پرداخت.", "سپس صبر کنید."],
    ),  # Latin item numbers; the sentence after the list still splits
    ("قیمت به ۱۲. رسید. او رفت.", ["قیمت به ۱۲.", "رسید.", "او رفت."]),  # a lone number before `.` still ends it
    ("شرکت Apple Inc. اعلام کرد. او رفت.", ["شرکت Apple Inc. اعلام کرد.", "او رفت."]),  # company suffix
    ("شرکت Foo Ltd. و Bar Co. ادغام شدند.", ["شرکت Foo Ltd. و Bar Co. ادغام شدند."]),  # Ltd. / Co.
    ("میوه‌هایی مثل e.g. سیب خوبند.", ["میوه‌هایی مثل e.g. سیب خوبند."]),  # e.g. inside Persian text
    ("سیب، موز etc. را خرید. او رفت.", ["سیب، موز etc. را خرید.", "او رفت."]),  # etc. before a Persian word
    ("apples, pears etc. Then he left.", ["apples, pears etc.", "Then he left."]),  # etc. before a capital
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_enough_cases():
    assert len(CASES) >= 80


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # paragraph mode: a single newline inside a sentence is a space
        ("این جمله\nادامه دارد. تمام.", ["این جمله\nادامه دارد.", "تمام."]),
        # paragraph mode: a blank line still ends a sentence
        ("عنوان\n\nمتن اصلی.", ["عنوان", "متن اصلی."]),
        # paragraph mode: a line starting a list item ends the previous sentence
        ("موارد زیر\n۱. نان\n۲. پنیر", ["موارد زیر", "۱. نان", "۲. پنیر"]),
        # paragraph mode: dash list items
        ("خرید:\n- نان\n- پنیر", ["خرید:", "- نان", "- پنیر"]),
    ],
)
def test_paragraph_mode(text, expected):
    assert split_sentences(text, line_breaks="paragraph") == expected


def test_bad_line_breaks_mode():
    with pytest.raises(ValueError, match="line_breaks"):
        sentence_spans("x", line_breaks="nope")


def _check_spans(text, spans):
    prev = 0
    for s, e in spans:
        assert prev <= s < e <= len(text)
        assert text[s:e].strip() == text[s:e]
        prev = e


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_spans_index_original(text, expected):
    spans = sentence_spans(text)
    _check_spans(text, spans)
    assert [text[s:e] for s, e in spans] == expected


_ALPHABET = st.sampled_from(list("اب تد.!؟?…»«()\"'\n\t م۱2:-ـ\u200c") + ["ق.م", "و", "ایرنا", " - "])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_spans_valid_for_any_text(text):
    for mode in ("split", "paragraph"):
        spans = sentence_spans(text, line_breaks=mode)
        _check_spans(text, spans)
        # nothing but whitespace is left out
        covered = set()
        for s, e in spans:
            covered.update(range(s, e))
        assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


@pytest.mark.shared_data
def test_beats_hazm_on_ud_dev(shared_data):
    from fa_nlp.metrics.sbd import SYSTEMS, read_gold, score

    for name in ("seraji_dev", "perdt_dev"):
        docs = read_gold(shared_data / "ud_fa_sbd" / f"{name}.jsonl")
        ours = score(docs, SYSTEMS["fa_nlp"]).to_dict()["f1"]
        hazm = score(docs, SYSTEMS["hazm"]).to_dict()["f1"]
        assert ours >= hazm, (name, ours, hazm)
        assert ours >= 99.5, (name, ours)


def test_import_does_not_load_hazm():
    code = "import fa_nlp, fa_nlp.text, fa_nlp.commands.text, sys; assert 'hazm' not in sys.modules, 'hazm imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_split_jsonl(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("سلام. خوبی؟\nدکتر م. ع. کرمانی آمد.\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "fa_nlp", "split", str(src), "--format", "jsonl"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["doc"] for r in rows] == ["a:1", "a:2"]  # ids from fa_nlp.data.readers: <stem>:<line>
    assert [s["text"] for s in rows[0]["sentences"]] == ["سلام.", "خوبی؟"]
    assert rows[1]["sentences"] == [{"start": 0, "end": 22, "text": "دکتر م. ع. کرمانی آمد."}]


def test_cli_split_bad_utf8(tmp_path):
    src = tmp_path / "bad.txt"
    src.write_bytes("خوب.\n".encode() + b"\xff\xfe\n")
    res = subprocess.run([sys.executable, "-m", "fa_nlp", "split", str(src)], check=False, capture_output=True, text=True)
    assert res.returncode == 1
    assert "bad.txt:2: invalid UTF-8" in res.stderr


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_fast_path_matches_rules(text, expected):
    """The regex fast path in _split_block must never change a decision of `_is_boundary`."""
    from fa_nlp.text.sentences import _spans

    assert _spans(text, "split", fast=True) == _spans(text, "split", fast=False)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        _ALPHABET | st.sampled_from(["است", "الف", "ق.ماه", "(؟)", "لندن - ایرنا:", "شد", "Dr"]), max_size=40
    ).map("".join)
)
def test_fast_path_matches_rules_random(text):
    from fa_nlp.text.sentences import _spans

    for mode in ("split", "paragraph"):
        assert _spans(text, mode, fast=True) == _spans(text, mode, fast=False)


@pytest.mark.shared_data
def test_fast_path_matches_rules_on_ud(shared_data):
    from fa_nlp.metrics.sbd import read_gold
    from fa_nlp.text.sentences import _spans

    for name in ("seraji_dev", "perdt_dev"):
        for doc in read_gold(shared_data / "ud_fa_sbd" / f"{name}.jsonl"):
            assert _spans(doc.text, "split", fast=True) == _spans(doc.text, "split", fast=False), doc.id


def test_cli_split_blank_docs_use_id_lines_and_report_stats(tmp_path):
    src = tmp_path / "docs.txt"
    src.write_text("# id: doc-a\nعنوان بدون نقطه\nمتن اول. متن دوم!\n\n# id: doc-b\nفقط یک جمله.\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "fa_nlp", "split", str(src), "--doc-mode", "blank", "--format", "jsonl", "--stats"],
        check=True,
        capture_output=True,
        text=True,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["doc"] for r in rows] == ["doc-a", "doc-b"]  # the "# id:" line names the doc, and is not text
    assert [s["text"] for s in rows[0]["sentences"]] == ["عنوان بدون نقطه", "متن اول.", "متن دوم!"]  # heading line
    assert "2 documents, 4 sentences" in proc.stderr


def _fa_nlp(*args, stdin: str | None = None, check: bool = True):
    return subprocess.run(
        [sys.executable, "-m", "fa_nlp", *args], input=stdin, check=check, capture_output=True, text=True
    )


def test_cli_split_stdin_lines():
    # stdin, default format: one sentence per line, a blank line between documents (= input lines)
    out = _fa_nlp("split", stdin="سلام. خوبی؟\nدر سال ۵۰۰ ق.م. کوروش آمد.\n").stdout
    assert out == "سلام.\nخوبی؟\n\nدر سال ۵۰۰ ق.م. کوروش آمد.\n"


def test_cli_split_several_files_file_mode(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("عنوان\nمتن اول. متن دوم!\n", encoding="utf-8")
    b.write_text("فقط یک جمله.\n", encoding="utf-8")
    rows = [json.loads(x) for x in _fa_nlp("split", str(a), str(b), "--doc-mode", "file", "--format", "jsonl").stdout.splitlines()]
    assert [r["doc"] for r in rows] == ["a.txt", "b.txt"]  # one document per file
    text = "عنوان\nمتن اول. متن دوم!"
    # spans index the file's text (lines joined by "\n"); the heading line is a sentence of its own
    assert [text[s["start"] : s["end"]] for s in rows[0]["sentences"]] == ["عنوان", "متن اول.", "متن دوم!"]
    assert [s["text"] for s in rows[1]["sentences"]] == ["فقط یک جمله."]


def test_cli_split_lenient_skips_are_reported(tmp_path):
    src = tmp_path / "bad.txt"
    src.write_bytes("خوب است.\n".encode() + b"\xff\n" + "بد نیست.\n".encode())
    res = _fa_nlp("split", str(src), "--lenient")  # no --stats: the skip is still reported
    assert res.stdout == "خوب است.\n\nبد نیست.\n"
    assert "read 3, kept 2, skipped 1 (invalid_utf8=1)" in res.stderr
    res = _fa_nlp("split", str(src), "--lenient", "--doc-mode", "file")  # whole file = one doc: dropped once
    assert res.stdout == "" and "skipped 1 (invalid_utf8=1)" in res.stderr


def test_cli_normalize_stdin_and_bad_utf8(tmp_path):
    assert _fa_nlp("normalize", stdin="قيمت 3.5 درصد\nمن می روم\n").stdout == "قیمت ۳.۵ درصد\nمن می\u200cروم\n"
    src = tmp_path / "bad.txt"
    src.write_bytes("خوب\n".encode() + b"\xff\n")
    res = _fa_nlp("normalize", str(src), check=False)
    assert res.returncode == 1 and "bad.txt:2: invalid UTF-8" in res.stderr

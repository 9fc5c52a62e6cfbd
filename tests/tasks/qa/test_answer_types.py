"""Answer typing for cloze questions: table-driven, one rule per row."""

from __future__ import annotations

import random

import pytest

from fa_nlp.tasks.qa.answer_types import QUESTION_WORDS, answer_type, question_word


@pytest.mark.parametrize(("before", "answer", "after", "expected"), [
    ("انقلاب در سال", "۱۳۵۷", "پیروز شد", "year"),  # a number after «سال»
    ("این بنا", "1925", "ساخته شد", "year"),  # a 4-digit number in 1000–2100, ASCII digits
    ("جمعیت شهر", "۱۲۵۰۰", "نفر است", "number"),  # five digits: not a year
    ("این کتاب در", "ده", "باب است", "number"),  # a number word; the noun follows
    ("قیمت نان", "۲۰ درصد", "افزایش یافت", "quantity"),  # number + unit inside the answer
    ("طول رود", "۸۵۰ کیلومتر", "است", "quantity"),
    ("جنگ در", "سال ۱۹۹۱", "پایان یافت", "year"),  # «سال» + a number inside the answer: a year, not a quantity
    ("معاهده", "۱۹۲۸ هاوانا بی‌اثر", "شد", "other"),  # a number among other words is not a number answer
    ("او در", "۱۵ خرداد", "به دنیا آمد", "date"),  # a month name with a number
    ("جنگ در", "قرن ۱۸", "پایان یافت", "date"),
    ("تیراندازی با", "تیر", "و کمان", "other"),  # «تیر» (arrow) alone is not the month
    ("کتاب را آقای", "احمدی", "نوشت", "person"),  # a title before the answer
    ("این شعر از", "حضرت مولانا", "است", "person"),  # a title starting the answer
    ("پدرش", "محمد", "نام داشت", "person"),  # a common first name
    ("او در شهر", "کاشان", "زندگی می‌کرد", "place"),  # a place noun before the answer
    ("کاروان به", "اصفهان", "رسید", "place"),  # a gazetteer city
    ("او", "کتاب", "را خواند", "other"),
    ("این", "«۱۳۴۰»", "بود", "year"),  # edge punctuation is stripped first
])
def test_answer_type(before, answer, after, expected):
    assert answer_type(answer, before.split(), after.split()) == expected


@pytest.mark.parametrize(("kind", "prev", "expected"), [
    ("year", "سال", ("چه سالی", True)),  # «سال ۱۳۵۷» → «چه سالی»
    ("year", "در", ("چه سالی", False)),
    ("place", "شهر", ("کدام شهر", True)),  # «شهر کاشان» → «کدام شهر»
    ("place", "به", ("کجا", True)),  # «به اصفهان» → «کجا»
    ("person", "آقای", ("چه کسی", True)),
    ("number", "در", ("چند", False)),
    ("quantity", "", ("چقدر", False)),
])
def test_question_word(kind, prev, expected):
    assert question_word(kind, prev, random.Random(0)) == expected


def test_question_word_choice_is_seeded_and_from_the_type():
    picks = [question_word("other", "", random.Random(i))[0] for i in range(30)]
    assert set(picks) == set(QUESTION_WORDS["other"])
    assert picks == [question_word("other", "", random.Random(i))[0] for i in range(30)]

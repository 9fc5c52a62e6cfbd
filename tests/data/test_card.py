"""Dataset cards: generic README writer shared by the dataset builders."""

from __future__ import annotations

import pytest

from fa_nlp.data.card import histogram_png, markdown_table, render_card, write_card


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("a|b", "a\\|b"),  # a pipe would split the cell
        ("خط یک\nخط دو", "خط یک خط دو"),  # newlines would end the row
        (None, ""),  # missing values render empty
        (12, "12"),  # numbers as text
    ],
)
def test_markdown_table_escapes_cells(cell, expected):
    table = markdown_table(["x"], [[cell]])
    assert table.splitlines()[2] == f"| {expected} |"


def test_markdown_table_alignment():
    lines = markdown_table(["name", "count"], [["train", 3]], ["l", "r"]).splitlines()
    assert lines[1] == "| --- | ---: |"


def test_write_card(tmp_path):
    path = write_card(tmp_path, "داده", [("Sources", "one"), ("Samples", "two\n")])
    text = path.read_text(encoding="utf-8")
    assert path.name == "README.md"
    assert text == render_card("داده", [("Sources", "one"), ("Samples", "two")])
    assert text.startswith("# داده\n") and "## Sources\n\none\n" in text and text.index("Sources") < text.index("Samples")
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]  # no temp files left


def test_histogram_png(tmp_path):
    path = histogram_png(tmp_path / "h.png", {"train": {3: 10, 4: 20}, "test": {4: 2}}, "t", "words", share=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

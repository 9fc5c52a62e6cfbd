"""Sentence-boundary scoring: the metric on hand-checked examples, located gold errors, hazm's
spans mapped back to offsets, and the `eval-sbd` CLI (both systems, P/R/F1 and paragraph EM)."""

from __future__ import annotations

import json

import pytest

from fa_nlp.cli import main
from fa_nlp.metrics.sbd import SBDScore, errors, hazm_spans, read_gold, score
from fa_nlp.report import InputError

TEXT = "او آمد. من رفتم."  # gold: two sentences, ends at 7 and 16


@pytest.mark.parametrize(
    ("pred", "expected"),
    [
        # perfect: every end found, the paragraph matches exactly
        (
            [(0, 7), (8, 16)],
            {"precision": 100.0, "recall": 100.0, "f1": 100.0, "f1_inner": 100.0, "paragraph_em": 100.0},
        ),
        # one missed boundary: only the doc-final end is found (P 1/1, R 1/2); f1_inner sees 0 of 1
        (
            [(0, 16)],
            {"precision": 100.0, "recall": 50.0, "f1": 66.67, "f1_inner": 0.0, "paragraph_em": 0.0},
        ),
        # one spurious boundary inside the first sentence: P 2/3, R 2/2
        (
            [(0, 2), (3, 7), (8, 16)],
            {"precision": 66.67, "recall": 100.0, "f1": 80.0, "f1_inner": 66.67, "paragraph_em": 0.0},
        ),
    ],
)
def test_score_by_hand(pred, expected):
    s = SBDScore()
    s.add([(0, 7), (8, 16)], pred)
    got = s.to_dict()
    assert {k: got[k] for k in expected} == expected
    assert got["docs"] == 1 and got["gold_boundaries"] == 2


def test_paragraph_em_needs_starts_too():
    # same ends, a different start: every boundary right, the paragraph not exact
    s = SBDScore()
    s.add([(0, 7), (8, 16)], [(0, 7), (9, 16)])
    d = s.to_dict()
    assert d["f1"] == 100.0 and d["paragraph_em"] == 0.0


def _gold_file(tmp_path, rows):
    p = tmp_path / "gold.jsonl"
    p.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
        encoding="utf-8",
    )
    return p


GOOD = {"id": "d1", "text": TEXT, "sentences": [[0, 7], [8, 16]]}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"text": TEXT, "sentences": []}, "gold.jsonl:2: missing field 'id'"),  # no id
        (
            {"id": "x", "text": TEXT, "sentences": "0-7"},
            "gold.jsonl:2: field 'sentences' must be list",
        ),  # wrong type
        (
            {"id": "x", "text": TEXT, "sentences": [[0, 99]]},
            "gold.jsonl:2: sentences[0] = [0, 99]",
        ),  # out of bounds
        (
            {"id": "x", "text": TEXT, "sentences": [[8, 16], [0, 7]]},
            "sentences[1] = [0, 7]: not a sorted",
        ),  # unsorted
        ('{"id": "x", ', "gold.jsonl:2: malformed JSON"),  # truncated line
        ("[1, 2]", "gold.jsonl:2: expected a JSON object"),  # not an object
    ],
)
def test_read_gold_errors_are_located(tmp_path, bad, message):
    p = _gold_file(tmp_path, [GOOD, bad])
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_gold(p)


def test_score_and_errors_on_a_file(tmp_path):
    docs = read_gold(_gold_file(tmp_path, [GOOD]))
    assert score(docs, lambda t: [(0, len(t))]).to_dict()["recall"] == 50.0
    (err,) = errors(docs, lambda t: [(0, len(t))], context=5)
    assert err["kind"] == "missed" and err["offset"] == 7 and err["context"] == " آمد.‖ من ر"


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("سلام. خوبی؟ من ۳.۵ دارم.", ["سلام.", "خوبی؟", "من ۳.۵ دارم."]),  # hazm splits after . and ؟
        ("خط اول.\nخط دوم!  آخر", ["خط اول.", "خط دوم!", "آخر"]),  # newline and double space
        ("عنوان\nمتن.", ["عنوان\nمتن."]),  # hazm does not split at a bare newline: mapped back across it
    ],
)
def test_hazm_spans_index_the_text(text, sentences):
    assert [text[s:e] for s, e in hazm_spans(text)] == sentences


def test_cli_eval_sbd_reports_both_systems(tmp_path, capsys):
    gold = _gold_file(
        tmp_path,
        [GOOD, {"id": "d2", "text": "دکتر م. ع. کرمانی آمد. رفت.", "sentences": [[0, 22], [23, 27]]}],
    )
    out_json = tmp_path / "scores.json"
    assert main(["eval-sbd", "--gold", str(gold), "--json", str(out_json), "--errors", "5"]) == 0
    out = capsys.readouterr().out
    header, rule, *rows = [line for line in out.splitlines() if line.strip()][:4]
    assert header.split() == ["file", "system", "P", "R", "F1", "F1inner", "paraEM"]
    assert [r.split()[:2] for r in rows] == [["gold.jsonl", "fa_nlp"], ["gold.jsonl", "hazm"]]
    results = json.loads(out_json.read_text(encoding="utf-8"))["results"]
    by_system = {r["system"]: r for r in results}
    assert by_system["fa_nlp"]["f1"] == 100.0 and by_system["fa_nlp"]["paragraph_em"] == 100.0
    # hazm splits after the initials م. and ع.: two spurious ends, the second paragraph not exact
    assert by_system["hazm"]["precision"] < 100.0 and by_system["hazm"]["paragraph_em"] == 50.0


def test_cli_eval_sbd_bad_gold_is_a_clean_error(tmp_path, capsys):
    gold = _gold_file(tmp_path, [GOOD, {"id": "x"}])
    assert main(["eval-sbd", "--gold", str(gold)]) == 1
    assert "gold.jsonl:2: missing field 'text'" in capsys.readouterr().err

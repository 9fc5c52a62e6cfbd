"""One parameter table for every model kind: rows cover every parameter exactly once, in layout order."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from fa_nlp.cli import main
from fa_nlp.models import MODEL_KINDS, build_model, model_config
from fa_nlp.models.summary import format_table, parameter_table


@pytest.mark.parametrize("kind", MODEL_KINDS)
@pytest.mark.parametrize("n_segments", [0, 2])
def test_every_kind_sums_to_its_parameter_count(kind, n_segments):
    with torch.device("meta"):
        model = build_model(model_config("tiny", vocab_size=500, kind=kind, n_segments=n_segments))
    rows = parameter_table(model)
    assert sum(n for _, n in rows) == model.num_parameters() == sum(p.numel() for p in model.parameters())
    labels = [label for label, _ in rows]
    assert len(labels) == len(set(labels))
    assert ("segment_embed" in labels) == (n_segments > 0)  # the vocabulary decoder's used to fall out
    assert labels.index("encoder.0") < labels.index("encoder.1") < labels.index("encoder_norm")


def test_unclaimed_parameters_get_their_own_row_and_zero_size_modules_show():
    class Toy(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList(nn.Linear(3, 3) for _ in range(2))
            self.norm = nn.Identity()
            self.extra = nn.Linear(2, 1, bias=False)

        def table_layout(self):
            return [("norm", "norm"), ("layer {i}", "layers.{i}")]

    assert parameter_table(Toy()) == [("norm", 0), ("layer 0", 12), ("layer 1", 12), ("extra", 2)]
    plain = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))  # no layout: one row per child
    assert parameter_table(plain) == [("0", 6), ("2", 3)]
    lines = format_table([("a", 3), ("bb", 1)])
    assert lines[0].split() == ["a", "3", "75.0%"] and lines[-1].split() == ["total", "4"]


def test_summary_command_takes_every_kind(capsys):
    for kind in MODEL_KINDS:
        assert main(["model", "summary", "--model", "tiny", "--kind", kind, "--vocab-size", "300", "--json"]) == 0
        info = json.loads(capsys.readouterr().out)
        assert info["config"]["kind"] == kind and sum(info["modules"].values()) == info["total"] > 0

"""A task defined entirely in this file, registered through the public hook, runs the whole contract
through the CLI: build → prepare → train → evaluate → predict, with no edit to any shared file.

The task ("digits"): sort a short sequence of digits ("3 1 2" → "1 2 3"), a tiny seq2seq model. It
uses only public components: the prepared-folder helpers, the training loop, checkpoints and the
greedy search. Also here: the RUN verbs take only the run's task's flags, and the registry's
entry-point group.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from fa_nlp.cli import main
from fa_nlp.config import add_config_arguments
from fa_nlp.data.prepared import load_arrays, open_prepared, ragged, save_array, write_manifest
from fa_nlp.io import iter_jsonl, write_json, write_jsonl
from fa_nlp.tasks import base
from fa_nlp.tasks.base import Predictor, Task, register_task

PAD, BOS, EOS, FIRST_DIGIT = 0, 2, 3, 4  # ids: specials, then the digits 0-9
VOCAB = FIRST_DIGIT + 10


def encode(text: str) -> list[int]:
    return [FIRST_DIGIT + int(d) for d in text.split()]


def decode(ids) -> str:
    return " ".join(str(int(i) - FIRST_DIGIT) for i in ids if int(i) >= FIRST_DIGIT)


class DigitsPredictor(Predictor):
    task = "digits"

    def __init__(self, run_dir, device: str = "cpu"):
        from fa_nlp.training import checkpoint

        self.model, _ = checkpoint.load_model(run_dir, device=device)

    def predict(self, inputs, **options):
        import torch

        from fa_nlp.decoding.search import greedy_search

        single = isinstance(inputs, str)
        texts = [inputs] if single else list(inputs)
        rows = [encode(t) + [EOS] for t in texts]
        src = torch.full((len(rows), max(map(len, rows))), PAD, dtype=torch.long)
        for i, r in enumerate(rows):
            src[i, : len(r)] = torch.tensor(r)
        out, _ = greedy_search(self.model, src, max_len=12)
        results = [{"input": t, "output": decode(o)} for t, o in zip(texts, out)]
        return results[0] if single else results


class DigitsTask(Task):
    name = "digits"
    help = "sort a few digits (a test task)"
    model_kinds = ("seq2seq",)

    # build: generated examples → <out>/<split>.jsonl
    def add_build_arguments(self, parser) -> None:
        parser.add_argument("--out", required=True)
        parser.add_argument("--examples", type=int, default=600)

    def build_main(self, args) -> int:
        for split, n in (("train", args.examples), ("validation", 40), ("test", 40)):
            rng = random.Random(f"digits:{split}")
            rows = []
            for _ in range(n):
                digits = [rng.randint(0, 9) for _ in range(rng.randint(2, 5))]
                rows.append({"src": " ".join(map(str, digits)), "tgt": " ".join(map(str, sorted(digits)))})
            write_jsonl(Path(args.out) / f"{split}.jsonl", rows)
        return 0

    # prepare: jsonl → ragged id arrays + manifest (the shared prepared-folder component)
    def add_prepare_arguments(self, parser) -> None:
        parser.add_argument("--dataset", required=True)
        parser.add_argument("--out", required=True)

    def prepare_main(self, args) -> int:
        out = Path(args.out)
        splits = []
        for split in ("train", "validation", "test"):
            rows = [r for _, r in iter_jsonl(Path(args.dataset) / f"{split}.jsonl")]
            for side, key, tail in (("src", "src", [EOS]), ("tgt", "tgt", [])):
                ids, offsets = ragged([encode(r[key]) + tail for r in rows])
                save_array(out / f"{split}.{side}_ids.npy", ids)
                save_array(out / f"{split}.{side}_offsets.npy", offsets)
            splits.append(split)
        write_manifest(out, {"kind": "digits", "vocab_size": VOCAB, "pad_id": PAD, "bos_id": BOS, "eos_id": EOS,
                             "max_len": 16, "splits": splits})
        return 0

    # train
    def load(self, cfg) -> None:
        self.cfg = cfg
        path, self.meta = open_prepared(cfg.data.prepared, "fa-nlp prepare digits", "digits")
        names = ("src_ids", "src_offsets", "tgt_ids", "tgt_offsets")
        self.splits = {s: load_arrays(path, s, names, mmap=False) for s in self.meta["splits"]}

    def model_config(self, cfg):
        from fa_nlp.training.config import resolve_model_config

        return resolve_model_config(cfg.model, self.meta)

    def has_split(self, split: str) -> bool:
        return split in self.splits

    def lengths(self, split: str):
        sp = self.splits[split]
        return np.diff(sp["src_offsets"]), np.diff(sp["tgt_offsets"]) + 1

    def _rows(self, split: str, side: str, indices):
        sp = self.splits[split]
        ids, off = sp[f"{side}_ids"], sp[f"{side}_offsets"]
        return [ids[off[i] : off[i + 1]].astype(np.int64).tolist() for i in indices]

    def batch(self, split: str, indices, epoch: int, train: bool = True):
        import torch

        def pad(rows):
            t = torch.full((len(rows), max(map(len, rows))), PAD, dtype=torch.long)
            for i, r in enumerate(rows):
                t[i, : len(r)] = torch.tensor(r, dtype=torch.long)
            return t

        src, tgt = self._rows(split, "src", indices), self._rows(split, "tgt", indices)
        tout = pad([t + [EOS] for t in tgt])
        return {"src": pad(src), "tgt_in": pad([[BOS] + t for t in tgt]), "tgt_out": tout,
                "n_targets": int(tout.ne(PAD).sum())}

    def loss(self, model, batch, label_smoothing: float = 0.0):
        import torch.nn.functional as F

        logits = model(batch["src"], batch["tgt_in"])
        return F.cross_entropy(logits.float().flatten(0, 1), batch["tgt_out"].flatten(), ignore_index=PAD,
                               reduction="sum", label_smoothing=label_smoothing)

    # evaluate: exact match of greedy sorts on a split → RUN/eval-<split>/metrics.json
    def add_eval_arguments(self, parser) -> None:
        add_config_arguments(parser)
        parser.add_argument("--split", default="test")

    def evaluate_main(self, run_dir, args) -> int:
        cfg = json.loads((Path(run_dir) / "config.json").read_text(encoding="utf-8"))["config"]
        self.load(type("Cfg", (), {"data": type("D", (), {"prepared": cfg["data"]["prepared"]})})())
        n = len(self.splits[args.split]["src_offsets"]) - 1
        srcs = [decode(r[:-1]) for r in self._rows(args.split, "src", range(n))]
        refs = [decode(r) for r in self._rows(args.split, "tgt", range(n))]
        preds = [p["output"] for p in self.predictor(run_dir).predict(srcs)]
        em = 100.0 * sum(p == r for p, r in zip(preds, refs)) / n
        write_json(Path(run_dir) / f"eval-{args.split}" / "metrics.json", {"split": args.split, "n": n, "em": em})
        print(f"{args.split}: EM {em:.1f} on {n}")
        return 0

    # predict: digits as arguments → one JSON line each
    def add_predict_arguments(self, parser) -> None:
        parser.add_argument("inputs", nargs="+")

    def predictor(self, run_dir, device: str = "auto", **options):
        return DigitsPredictor(run_dir, device="cpu")

    def predict_main(self, run_dir, args) -> int:
        for r in self.predictor(run_dir).predict(args.inputs):
            print(json.dumps(r))
        return 0


@pytest.fixture
def digits_registered():
    register_task("digits", DigitsTask)
    yield
    base.TASKS.pop("digits", None)


def test_a_task_defined_outside_fa_nlp_runs_every_verb(digits_registered, tmp_path, capsys):
    data, prepared, run = tmp_path / "data", tmp_path / "prepared", tmp_path / "run"
    assert main(["build", "digits", "--out", str(data)]) == 0
    assert main(["prepare", "digits", "--dataset", str(data), "--out", str(prepared)]) == 0
    assert main(["train", "--task=digits", f"--data.prepared={prepared}", f"--log.run_dir={run}", "--device=cpu",
                 "--threads=1", "--model.d_model=64", "--model.d_ff=128", "--optim.max_steps=150", "--optim.lr=3e-3",
                 "--optim.warmup_steps=10", "--optim.label_smoothing=0", "--data.max_tokens=800",
                 "--log.progress=false", "--log.eval_every=1000", "--log.save_every=1000", "--log.log_every=10"]) == 0
    recorded = json.loads((run / "config.json").read_text(encoding="utf-8"))["config"]
    assert recorded["task"] == "digits" and recorded["model"]["kind"] == "seq2seq"  # the task's default kind
    losses = [json.loads(line)["loss"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert losses[-1] < 0.7 * losses[0], losses  # it learns (sorting well takes ~400 steps: too slow for a test)
    assert main(["evaluate", str(run), "--split", "test"]) == 0
    metrics = json.loads((run / "eval-test" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["n"] == 40 and 0 <= metrics["em"] <= 100, metrics
    capsys.readouterr()
    assert main(["predict", str(run), "3 1 2", "9 0"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["input"] for r in rows] == ["3 1 2", "9 0"]
    assert all(set(r["output"].split()) <= set("0123456789") for r in rows)
    # a flag the task does not take is an argparse error, a verb it lacks a clear one
    with pytest.raises(SystemExit) as e:
        main(["evaluate", str(run), "--beam", "5"])
    assert e.value.code == 2 and "unrecognized arguments: --beam 5" in capsys.readouterr().err
    assert main(["export", str(run), "--out", str(tmp_path / "hf")]) == 1
    assert "task 'digits' has no export" in capsys.readouterr().err


def test_run_verbs_take_only_the_recorded_tasks_flags(tmp_path, capsys):
    qa_run = tmp_path / "qa-run"
    write_json(qa_run / "config.json", {"config": {"task": "qa"}})
    with pytest.raises(SystemExit) as e:  # --beam is word order's, never silently ignored on a QA run
        main(["evaluate", str(qa_run), "--beam", "5"])
    assert e.value.code == 2 and "--beam" in capsys.readouterr().err
    old_run = tmp_path / "old-run"  # written before runs recorded their task: read as word order, saying so
    write_json(old_run / "config.json", {"config": {"seed": 1}})
    assert base.run_task(old_run) == "wordorder"
    assert "records no task" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path / "missing")]) == 1
    assert "no such run directory" in capsys.readouterr().err


def test_unknown_task_and_missing_task_are_clear_errors(tmp_path, capsys):
    assert main(["build", "nope"]) == 1
    assert "unknown task 'nope'" in capsys.readouterr().err
    assert main(["train", f"--log.run_dir={tmp_path / 'r'}"]) == 1
    assert "no task" in capsys.readouterr().err
    assert main(["train", "--task=qa", "--model.kind=pointer"]) == 1
    assert "task qa trains span, not 'pointer'" in capsys.readouterr().err


def test_old_verbs_still_work_and_say_what_replaces_them(capsys):
    with pytest.raises(SystemExit) as e:
        main(["prepare-qa", "--help"])
    assert e.value.code == 0
    captured = capsys.readouterr()
    assert "use `fa-nlp prepare qa`" in captured.err and "--dev-fraction" in captured.out


def test_entry_point_tasks_are_registered(monkeypatch):
    class EntryPoint:
        name, value = "plugin_digits", f"{__name__}:DigitsTask"

    monkeypatch.setattr(base, "entry_points", lambda group: [EntryPoint()] if group == base.ENTRY_POINT_GROUP else [])
    monkeypatch.setattr(base, "_entry_points_read", False)
    monkeypatch.setattr(base, "TASKS", dict(base.TASKS))
    assert "plugin_digits" in base.task_names()
    assert base.make_task("plugin_digits").supports("build")
    with pytest.raises(ValueError, match="identifier"):
        register_task("not a name", DigitsTask)

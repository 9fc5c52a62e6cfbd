"""Toy seq2seq data for training tests: sort short digit sequences (tokens 4..13, EOS=3)."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from fa_nlp.tasks.wordorder.prepare import write_meta, write_split

torch.set_num_threads(1)  # fastest on a shared 2-core box
VOCAB = 16
EOS = 3


def make_sort_pairs(n: int, seed: str, min_len: int = 3, max_len: int = 8):
    rng = random.Random(seed)
    src, tgt = [], []
    for _ in range(n):
        s = [rng.randint(4, 13) for _ in range(rng.randint(min_len, max_len))]
        src.append(s + [EOS])
        tgt.append(sorted(s))
    return src, tgt


@pytest.fixture(scope="session")
def toy_prepared(tmp_path_factory):
    d = tmp_path_factory.mktemp("toy_sort")
    write_split(d, "train", *make_sort_pairs(4000, "train"))
    write_split(d, "validation", *make_sort_pairs(200, "validation"))
    write_meta(d, VOCAB, max_len=32)
    np.save(d / "word_start.npy", np.ones(VOCAB, dtype=bool))  # every digit token is a word of its own
    return d


GPU_BOX_SENTENCES = ["من به خانه رفتم .", "کتاب‌ها را دیروز خواندم .", "او در سال ۱۴۰۲ به مدرسه آمد .",
                     "هوا امروز سرد است ؟", "ما فردا به مدرسه می‌رویم ."]


def write_wordorder_prepared(root):
    """A word-order Parquet dataset of GPU_BOX_SENTENCES (train/validation/test) prepared into arrays, as
    `make gpu-data` writes them (tokenizer, test.eval.jsonl): what the GPU box receives. Returns the dir."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from fa_nlp.tasks.wordorder.prepare import prepare
    from fa_nlp.tokenization import train_seq2seq_tokenizer

    ds = root / "wordorder" / "parquet"
    ds.mkdir(parents=True)
    for split, reps in (("train", 12), ("validation", 1), ("test", 2)):
        rows = [s for s in GPU_BOX_SENTENCES for _ in range(reps)]
        pq.write_table(pa.table({"id": [f"{split}-{i}" for i in range(len(rows))],
                                 "shuffled": [" ".join(reversed(s.split())) for s in rows], "ordered": rows}),
                       ds / f"{split}.parquet")
    tok = train_seq2seq_tokenizer(GPU_BOX_SENTENCES * 4, root / "tok", vocab_size=400)
    prepare(ds.parent, tok, root / "prepared", max_len=64)
    return root / "prepared"


def toy_overrides(prepared, run_dir, *extra: str) -> list[str]:
    return ["task=wordorder", f"data.prepared={prepared}", f"log.run_dir={run_dir}", "threads=1", "log.progress=false",
            "data.max_tokens=1200", "optim.warmup_steps=30", "optim.lr=3e-3", "optim.label_smoothing=0.0",
            "log.log_every=1", "log.eval_every=100000", "log.save_every=100000", *extra]


def greedy(model, src: list[list[int]], max_steps: int = 12) -> list[list[int]]:
    """Minimal batched greedy decode (independent of fa_nlp.decoding) for the learning test."""
    width = max(map(len, src))
    s = torch.zeros(len(src), width, dtype=torch.long)
    for i, x in enumerate(src):
        s[i, : len(x)] = torch.tensor(x)
    with torch.no_grad():
        memory, pad = model.encode(s)
        ys = torch.full((len(src), 1), model.cfg.bos_id)
        for _ in range(max_steps):
            ys = torch.cat([ys, model.decode(ys, memory, pad)[:, -1].argmax(-1, keepdim=True)], 1)
    out = []
    for row in ys[:, 1:].tolist():
        out.append(row[: row.index(EOS)] if EOS in row else row)
    return out


class Toy:
    """Helpers handed to tests through the `toy` fixture (test modules don't import conftest)."""

    sort_pairs = staticmethod(make_sort_pairs)
    overrides = staticmethod(toy_overrides)
    greedy = staticmethod(greedy)


@pytest.fixture(scope="session")
def toy():
    return Toy


@pytest.fixture(scope="session")
def task_prepared(toy_prepared, sample_dir, tmp_path_factory):
    """Overrides naming one tiny prepared dir per model kind: the toy sort pairs (pointer, seq2seq), the
    sample's QA windows (span), MLM rows of the sample documents (mlm)."""
    from fa_nlp.tasks.mlm.prepare import prepare_mlm
    from fa_nlp.tasks.qa.build import QABuildConfig, build
    from fa_nlp.tokenization import train_qa_tokenizer

    root = tmp_path_factory.mktemp("ddp_data")
    ctxs = [p["context"] for a in json.loads((sample_dir / "qa.json").read_text(encoding="utf-8"))["data"]
            for p in a["paragraphs"]]
    train_qa_tokenizer(ctxs, root / "tok", vocab_size=400, min_frequency=1)
    build(QABuildConfig(dataset=str(sample_dir / "qa.json"), tokenizer=str(root / "tok"), max_length=64,
                        overlap=16, dev_fraction=0.2, seed=7), root / "qa", log=lambda *a: None)
    prepare_mlm(str(sample_dir / "documents.txt"), root / "tok", root / "mlm-prep", max_len=32, dev_docs=3,
                log=lambda *a: None)
    toy = ["task=wordorder", f"data.prepared={toy_prepared}", "data.max_tokens=300", "data.max_train_examples=400",
           "optim.lr=3e-3"]
    return {"wordorder": [*toy, "model.kind=pointer"], "seq2seq": [*toy, "model.kind=seq2seq"],
            "qa": ["task=qa", f"data.prepared={root / 'qa' / 'prepared'}", "model.kind=span", "model.preset=tiny",
                   "data.dev_split=dev", "data.max_tokens=512"],
            "mlm": ["task=mlm", f"data.prepared={root / 'mlm-prep'}", "model.kind=mlm", "model.preset=tiny",
                    "data.dev_split=validation", "data.max_tokens=256"]}

"""Export of word-order runs: no transformers class matches, so the folder carries the modelling file
and a sentencepiece tokenizer class (both `trust_remote_code`). The pointer model gives fa_nlp's
pointer logits within 1e-4 and the same greedy permutation as fa_nlp's decode; the vocabulary
decoder gives fa_nlp's logits and the same unconstrained greedy output."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict

import pytest
import torch
import transformers

from fa_nlp.cli import main
from fa_nlp.export import export_run
from fa_nlp.io import write_json
from fa_nlp.models import build_model, model_config
from fa_nlp.tasks.wordorder.predict import decode_texts, pad_batch, pointer_inputs
from fa_nlp.tokenization import load_tokenizer, train_seq2seq_tokenizer
from fa_nlp.training import checkpoint

SENTENCES = [
    "من دیروز با دوستم به کتابخانه رفتم .",
    "او هر روز صبح زود از خواب بیدار می‌شود .",
    "ما فردا به مدرسه می‌رویم و کتاب ۱۲۳ را می‌خوانیم .",
    "هوا امروز خیلی سرد است و برف برف می‌بارد .",
]


@pytest.fixture(scope="module")
def spm_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("spm") / "tok"
    train_seq2seq_tokenizer(SENTENCES * 5, out, vocab_size=300)
    return out


def _random_run(run, tok_dir, **model_kw):
    """A word-order run folder holding one checkpoint of random (jittered: decisive) weights."""
    torch.manual_seed(0)
    cfg = model_config("tiny", vocab_size=load_tokenizer(tok_dir).vocab_size, max_len=64, **model_kw)
    model = build_model(cfg).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    train_cfg = {"task": "wordorder", "data": {"prepared": ""}}
    checkpoint.save(run, 1, model, extra_state={"model_config": asdict(cfg), "config": train_cfg})
    write_json(run / "config.json", {"config": train_cfg})
    shutil.copytree(tok_dir, run / "tokenizer")
    return model, cfg


def test_pointer_round_trips_through_remote_code(spm_dir, tmp_path):
    tok = load_tokenizer(spm_dir)
    run = tmp_path / "run"
    model, cfg = _random_run(run, spm_dir, kind="pointer", pooling="attention")
    out = export_run(run, tmp_path / "hf", log=lambda *a: None)
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["auto_map"]["AutoModel"] == "modeling_fa_pointer.FaPointerModel"
    hf_tok = transformers.AutoTokenizer.from_pretrained(out, trust_remote_code=True)
    hf = transformers.AutoModel.from_pretrained(out, trust_remote_code=True).eval()
    for s in SENTENCES:  # same ids, word by word and whole (digits split, ZWNJ kept)
        assert hf_tok(s, add_special_tokens=False)["input_ids"] == tok.encode(s)
        assert hf_tok(s)["input_ids"] == tok.encode(s) + [tok.eos_id]

    shuffled = [" ".join(reversed(s.split())) for s in SENTENCES]
    pieces, index = pointer_inputs(tok, shuffled, cfg.pad_id, "cpu")
    tgt = torch.tensor([[0, 3, 1, 2], [0, 2, 2, 1], [0, 1, 4, 3], [0, 5, 1, 2]])
    with torch.no_grad():
        mine = model((pieces, index), tgt)
        theirs = hf(input_ids=pieces, word_index=index, decoder_input_ids=tgt)
    finite = mine.isfinite()
    assert torch.equal(finite, theirs.isfinite()) and torch.allclose(mine[finite], theirs[finite], atol=1e-4)

    ours = decode_texts(model, tok, shuffled, beam_size=1)
    assert hf.order_words(shuffled, hf_tok) == ours
    assert ours != shuffled  # the order was decided by the model, not left as given

    # the verb: the run's task (word order) delegates to fa_nlp.export
    assert main(["export", str(run), "--out", str(tmp_path / "hf-cli")]) == 0
    assert (tmp_path / "hf-cli" / "tokenization_fa_spm.py").is_file()


def test_vocabulary_decoder_round_trips_through_remote_code(spm_dir, tmp_path):
    tok = load_tokenizer(spm_dir)
    model, cfg = _random_run(tmp_path / "run", spm_dir, kind="seq2seq")
    out = export_run(tmp_path / "run", tmp_path / "hf", log=lambda *a: None)
    assert json.loads((out / "config.json").read_text(encoding="utf-8"))["architectures"] == ["FaSeq2SeqModel"]
    hf_tok = transformers.AutoTokenizer.from_pretrained(out, trust_remote_code=True)
    hf = transformers.AutoModel.from_pretrained(out, trust_remote_code=True).eval()
    shuffled = [" ".join(reversed(s.split())) for s in SENTENCES]
    src = pad_batch([tok.encode(s) + [tok.eos_id] for s in shuffled], cfg.pad_id, "cpu")
    tgt = torch.cat([torch.full((4, 1), cfg.bos_id), src[:, :6]], dim=1)
    with torch.no_grad():
        assert torch.allclose(model(src, tgt), hf(input_ids=src, decoder_input_ids=tgt), atol=1e-4)
    ours = decode_texts(model, tok, shuffled, beam_size=1)
    assert hf.order_words(shuffled, hf_tok) == ours and any(ours)

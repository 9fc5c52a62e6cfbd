"""Export of default-arch (RoPE, pre-LN) span and MLM runs: no transformers class matches, so the
folder carries fa_nlp's tensors, a self-contained modelling file and `auto_map`; loaded with
`trust_remote_code=True` it gives fa_nlp's logits within 1e-4 (exact-match feature included)."""

from __future__ import annotations

import json
import re

import numpy as np
import torch
import transformers

from fa_nlp.export import export_run
from fa_nlp.tasks.qa.prepare import load_qa_prepared
from fa_nlp.tokenization import load_fast_tokenizer
from tests.export.conftest import save_random_run


def test_rope_span_with_match_feature_loads_with_remote_code(qa_prepared, tmp_path):
    tok_dir = qa_prepared / "tokenizer"
    vocab = load_fast_tokenizer(tok_dir).get_vocab_size()
    model = save_random_run(tmp_path / "run", "span", tok_dir, vocab, match_feature=True)
    out = export_run(tmp_path / "run", tmp_path / "hf", log=lambda *a: None)
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["auto_map"]["AutoModelForQuestionAnswering"] == "modeling_fa_encoder.FaEncoderForQuestionAnswering"
    code = (out / "modeling_fa_encoder.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import) fa_nlp", code, flags=re.M)  # self-contained: torch + transformers
    assert "trust_remote_code=True" in (out / "README.md").read_text(encoding="utf-8")

    hf = transformers.AutoModelForQuestionAnswering.from_pretrained(out, trust_remote_code=True).eval()
    sp = load_qa_prepared(qa_prepared).splits["test"]
    ids = torch.from_numpy(np.asarray(sp.input_ids[:24], dtype=np.int64))
    seg = torch.from_numpy(np.asarray(sp.token_type_ids[:24], dtype=np.int64))
    real = ids.ne(0)
    with torch.no_grad():
        s, e = model(ids, seg)
        got = hf(input_ids=ids, token_type_ids=seg, attention_mask=real.long())
    assert s.std() > 0.1
    assert torch.allclose(s, got.start_logits, atol=1e-4) and torch.allclose(e, got.end_logits, atol=1e-4)
    with torch.no_grad():  # the exact-match feature matters: without segments the logits differ
        assert not torch.allclose(s, hf(input_ids=ids, attention_mask=real.long()).start_logits, atol=1e-2)


def test_rope_mlm_loads_with_remote_code(qa_prepared, tmp_path):
    tok_dir = qa_prepared / "tokenizer"
    ours = load_fast_tokenizer(tok_dir)
    model = save_random_run(tmp_path / "run", "mlm", tok_dir, ours.get_vocab_size())
    out = export_run(tmp_path / "run", tmp_path / "hf", log=lambda *a: None)
    hf = transformers.AutoModelForMaskedLM.from_pretrained(out, trust_remote_code=True).eval()
    auto = transformers.AutoTokenizer.from_pretrained(out)
    text = "تهران [MASK] ایران است"
    assert auto(text)["input_ids"] == ours.encode(text).ids
    ids = torch.tensor([ours.encode(text).ids])
    with torch.no_grad():
        assert torch.allclose(model(ids, torch.zeros_like(ids)), hf(**auto(text, return_tensors="pt")).logits,
                              atol=1e-4)

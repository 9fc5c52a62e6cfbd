"""`fa-nlp export` of `arch = "bert"` runs: plain transformers BERT gives fa_nlp's logits (1e-4), the
same tokenizer ids, the same QA answers through `pipeline("question-answering")` and the same top-k
through `pipeline("fill-mask")`; the model card carries the data's licence. Offline (HF_HUB_OFFLINE)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
import transformers
from safetensors import safe_open

from benchmarks._hf_qa_pipeline import qa_pipeline
from fa_nlp.cli import main
from fa_nlp.export import export_run
from fa_nlp.export.card import catalog_entries, licence_id
from fa_nlp.models import build_model, model_config
from fa_nlp.tasks.qa.inference import predict_split
from fa_nlp.tasks.qa.prepare import load_qa_prepared
from fa_nlp.tokenization import load_fast_tokenizer
from fa_nlp.training import checkpoint
from tests.export.conftest import save_random_run


@pytest.fixture(scope="module")
def qa_export(bert_qa_run, tmp_path_factory):
    return export_run(bert_qa_run, tmp_path_factory.mktemp("hf") / "qa-bert", log=lambda *a: None)


def test_bert_arch_is_checked():
    with pytest.raises(ValueError, match="match_feature"):
        model_config("tiny", kind="span", arch="bert", match_feature=True)
    with pytest.raises(ValueError, match="encoder"):
        model_config("tiny", kind="pointer", arch="bert")
    cfg = model_config("tiny", kind="span", arch="bert")  # the default "rope" becomes BERT's learned positions
    assert cfg.positional == "learned"
    m = build_model(cfg)
    assert m.num_parameters() == sum(n for _, n in m.parameter_table())
    mlm = build_model(model_config("tiny", kind="mlm", arch="bert"))  # pretraining -> QA moves the encoder
    enc = {k: v.shape for k, v in m.state_dict().items() if k.startswith("encoder.")}
    assert enc == {k: v.shape for k, v in mlm.state_dict().items() if k.startswith("encoder.")}
    assert "encoder.emb_norm.weight" in enc and "encoder.layers.0.attn.qkv.bias" in enc


def test_export_command(bert_qa_run, tmp_path, capsys):
    assert main(["export", str(bert_qa_run), "--out", str(tmp_path / "hf"), "--step", "8"]) == 0
    assert (tmp_path / "hf" / "model.safetensors").is_file() and "step 8" in capsys.readouterr().out
    assert main(["export", str(bert_qa_run), "--out", str(tmp_path / "hf2"), "--step", "3"]) == 1  # no such step
    assert "no checkpoint for step 3" in capsys.readouterr().err and not (tmp_path / "hf2").exists()


@pytest.mark.parametrize(("spec", "names", "licence"), [
    ("pquad:Test", ["pquad"], "cc-by-sa-4.0"),  # NAME:SPLIT names the corpus
    ("parsinlu_rc", ["parsinlu_rc"], "cc-by-nc-sa-4.0"),  # non-commercial data: non-commercial weights
    ("corpora/sample/qa.json", ["sample"], "cc0-1.0"),  # a path inside a catalog entry's folder
    ("nowhere/own.json", [], None),  # not in the catalog: listed as unknown, never guessed
])
def test_card_licence_follows_the_catalog(spec, names, licence):
    entries = catalog_entries(spec)
    assert [e.name for e in entries] == names
    assert (licence_id([e.licence for e in entries]) if entries else None) == licence


def test_folder_layout_and_card(qa_export, bert_qa_run):
    names = {p.name for p in qa_export.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "README.md"} <= names
    config = json.loads((qa_export / "config.json").read_text(encoding="utf-8"))
    assert config["architectures"] == ["BertForQuestionAnswering"] and "auto_map" not in config
    card = (qa_export / "README.md").read_text(encoding="utf-8")
    front = card.split("---")[1]
    assert "- fa" in front and "pipeline_tag: question-answering" in front
    assert "license: cc0-1.0" in front and "- sample" in front  # the sample corpus's catalog licence
    assert "Intended use and limits" in card and "max_length=128, stride=32" in card
    with safe_open(str(qa_export / "model.safetensors"), "pt") as f:
        assert "qa_outputs.weight" in set(f.keys())


def test_qa_logits_and_tokenizer_match(qa_export, bert_qa_run, qa_prepared):
    model, _ = checkpoint.load_model(bert_qa_run)
    hf = transformers.BertForQuestionAnswering.from_pretrained(qa_export).eval()
    sp = load_qa_prepared(qa_prepared).splits["test"]
    ids = torch.from_numpy(np.asarray(sp.input_ids, dtype=np.int64))
    seg = torch.from_numpy(np.asarray(sp.token_type_ids, dtype=np.int64))
    real = ids.ne(model.cfg.pad_id)
    with torch.no_grad():
        s, e = model(ids, seg)
        out = hf(input_ids=ids, token_type_ids=seg, attention_mask=real.long())
    assert s.std() > 0.1  # a model that discriminates positions, not a constant
    assert torch.allclose(s[real], out.start_logits[real], atol=1e-4)
    assert torch.allclose(e[real], out.end_logits[real], atol=1e-4)

    auto = transformers.AutoTokenizer.from_pretrained(qa_export)
    ours = load_fast_tokenizer(bert_qa_run / "tokenizer")
    for ex in sp.examples()[:10]:
        assert auto(ex.question, ex.context)["input_ids"] == ours.encode(ex.question, ex.context).ids


def test_question_answering_pipeline_gives_fa_nlp_answers(qa_export, bert_qa_run, qa_prepared):
    """`pipeline("question-answering")` (or, on transformers 5 which removed it, the v4 pipeline's
    decoding over the exported model: benchmarks/_hf_qa_pipeline.py) answers as fa_nlp does.
    Questions whose context fits one window: the pipeline normalizes span scores per window, fa_nlp
    compares raw logit sums across windows, so only single-window answers are comparable."""
    model, _ = checkpoint.load_model(bert_qa_run)
    sp = load_qa_prepared(qa_prepared).splits["test"]
    best = predict_split(model, sp, n_best=128)  # every start x end pair, as the pipeline; threshold +inf
    single = [ex for i, ex in enumerate(sp.examples()) if (sp.example_index == i).sum() == 1]
    assert len(single) >= 10
    qa = qa_pipeline(qa_export)  # transformers 5 removed the QA pipeline: its v4 algorithm then
    kw = {"max_seq_len": 128, "doc_stride": 32, "max_answer_len": 30, "align_to_words": False}
    for ex in single:
        mine = best[ex.id]
        got = qa(question=ex.question, context=ex.context, handle_impossible_answer=False, **kw)
        assert (got["start"], got["end"]) == mine.span and got["answer"] == ex.context[slice(*mine.span)], ex.id
        got = qa(question=ex.question, context=ex.context, handle_impossible_answer=True, **kw)
        want = "" if mine.score_diff > 0.0 else ex.context[slice(*mine.span)]  # fa_nlp's rule at threshold 0
        assert got["answer"] == want, ex.id


def test_mlm_logits_and_fill_mask_pipeline(qa_prepared, tmp_path):
    tok_dir = qa_prepared / "tokenizer"
    ours = load_fast_tokenizer(tok_dir)
    model = save_random_run(tmp_path / "mlm", "mlm", tok_dir, ours.get_vocab_size(), arch="bert")
    out = export_run(tmp_path / "mlm", tmp_path / "hf-mlm", log=lambda *a: None)
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["architectures"] == ["BertForMaskedLM"]
    hf = transformers.BertForMaskedLM.from_pretrained(out).eval()
    text = "تهران [MASK] ایران است و بزرگ‌ترین شهر کشور است"
    ids = torch.tensor([ours.encode(text).ids])
    with torch.no_grad():
        mine = model(ids, torch.zeros_like(ids))
        theirs = hf(input_ids=ids).logits
    assert torch.allclose(mine, theirs, atol=1e-4)

    fill = transformers.pipeline("fill-mask", model=str(out), device="cpu")
    got = fill(text, top_k=5)
    pos = ids[0].tolist().index(ours.token_to_id("[MASK]"))
    probs = mine[0, pos].softmax(-1)
    top = probs.topk(5)
    assert [g["token"] for g in got] == top.indices.tolist()
    assert np.allclose([g["score"] for g in got], top.values.numpy(), atol=1e-5)


def test_a_run_without_its_tokenizer_is_a_clear_error(qa_prepared, tmp_path):
    tok_dir = qa_prepared / "tokenizer"
    save_random_run(tmp_path / "run", "span", tok_dir, load_fast_tokenizer(tok_dir).get_vocab_size(), arch="bert")
    shutil.rmtree(tmp_path / "run" / "tokenizer")
    with pytest.raises(FileNotFoundError, match="no tokenizer/tokenizer.json or tokenizer/spm.model"):
        export_run(tmp_path / "run", tmp_path / "out", log=lambda *a: None)
    assert not (tmp_path / "out").exists()

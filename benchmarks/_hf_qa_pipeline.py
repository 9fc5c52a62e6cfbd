"""Reference: `transformers.pipeline("question-answering")`, the baseline for export parity and speed.

transformers 5 removed the question-answering pipeline (`pipeline("question-answering")` raises
KeyError: "has been removed"). `qa_pipeline(DIR)` returns the real pipeline where it exists
(transformers < 5) and otherwise `PipelineQA`: the v4 `QuestionAnsweringPipeline` decoding
(`preprocess` / `postprocess` / `decode_spans`, transformers 4.46) on plain `AutoTokenizer` +
`AutoModelForQuestionAnswering` outputs, one question per call as the pipeline runs it. Do not
"fix" anything here: per-window softmax, p_mask and the null rule are the reference's.

    qa = qa_pipeline("export/qa-bert")
    qa(question=q, context=c, max_seq_len=384, doc_stride=128, max_answer_len=30,
       handle_impossible_answer=True, align_to_words=False)   # {"answer", "start", "end", "score"}
"""

from __future__ import annotations

import numpy as np


def decode_spans(start, end, topk: int, max_answer_len: int, undesired_tokens):
    """v4 `transformers.pipelines.question_answering.decode_spans` (batch of one)."""
    if start.ndim == 1:
        start = start[None]
    if end.ndim == 1:
        end = end[None]
    outer = np.matmul(np.expand_dims(start, -1), np.expand_dims(end, 1))
    candidates = np.tril(np.triu(outer), max_answer_len - 1)
    scores_flat = candidates.flatten()
    if topk == 1:
        idx_sort = [np.argmax(scores_flat)]
    elif len(scores_flat) < topk:
        idx_sort = np.argsort(-scores_flat)
    else:
        idx = np.argpartition(-scores_flat, topk)[0:topk]
        idx_sort = idx[np.argsort(-scores_flat[idx])]
    starts, ends = np.unravel_index(idx_sort, candidates.shape)[1:]
    desired = np.isin(starts, undesired_tokens.nonzero()) & np.isin(ends, undesired_tokens.nonzero())
    starts, ends = starts[desired], ends[desired]
    return starts, ends, candidates[0, starts, ends]


class PipelineQA:
    """The v4 question-answering pipeline's algorithm over a plain transformers model (CPU, fp32)."""

    def __init__(self, model_dir: str):
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForQuestionAnswering.from_pretrained(model_dir).eval()

    def __call__(self, question: str, context: str, max_seq_len: int = 384, doc_stride: int = 128, top_k: int = 1,
                 max_answer_len: int = 15, handle_impossible_answer: bool = False, align_to_words: bool = True):
        import torch

        if align_to_words:
            raise NotImplementedError("reference kept to align_to_words=False (token offsets, as fa_nlp)")
        tok = self.tokenizer
        enc = tok(text=question, text_pair=context, padding="longest", truncation="only_second",
                  max_length=max_seq_len, stride=doc_stride, return_token_type_ids=True,
                  return_overflowing_tokens=True, return_offsets_mapping=True, return_special_tokens_mask=True,
                  return_tensors="pt")
        n = enc["input_ids"].shape[0]
        p_mask = np.array([[tok_ != 1 for tok_ in enc.sequence_ids(i)] for i in range(n)])
        for i in range(n):
            p_mask[i][np.nonzero(enc["input_ids"][i].numpy() == tok.cls_token_id)] = 0
        with torch.no_grad():
            out = self.model(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"],
                             attention_mask=enc["attention_mask"])
        min_null, answers = 1000000, []
        for i in range(n):
            start, end = out.start_logits[i : i + 1].numpy(), out.end_logits[i : i + 1].numpy()
            undesired = np.abs(p_mask[i].astype(np.int64) - 1) & enc["attention_mask"][i].numpy()
            mask = undesired == 0.0
            start, end = np.where(mask, -10000.0, start), np.where(mask, -10000.0, end)
            start = np.exp(start - start.max(axis=-1, keepdims=True))
            start = start / start.sum()
            end = np.exp(end - end.max(axis=-1, keepdims=True))
            end = end / end.sum()
            if handle_impossible_answer:
                min_null = min(min_null, (start[0, 0] * end[0, 0]).item())
            start[0, 0] = end[0, 0] = 0.0
            starts, ends, scores = decode_spans(start, end, top_k, max_answer_len, undesired)
            offsets = enc["offset_mapping"][i].tolist()
            for s, e, score in zip(starts, ends, scores):
                a, b = offsets[s][0], offsets[e][1]
                answers.append({"score": score.item(), "start": a, "end": b, "answer": context[a:b]})
        if handle_impossible_answer:
            answers.append({"score": min_null, "start": 0, "end": 0, "answer": ""})
        answers = sorted(answers, key=lambda x: x["score"], reverse=True)[:top_k]
        return answers[0] if len(answers) == 1 else answers


def qa_pipeline(model_dir: str):
    """`transformers.pipeline("question-answering", model=DIR)`, or `PipelineQA` where it was removed."""
    import transformers

    try:
        return transformers.pipeline("question-answering", model=str(model_dir), device="cpu")
    except KeyError:  # transformers >= 5: task removed
        return PipelineQA(str(model_dir))

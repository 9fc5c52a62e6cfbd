"""Extractive QA (SQuAD v2 style): validated examples, token windows, the feature build, post-processing.

`examples` (answers checked against the context) → `windows` (tokenizer windows and labels) →
`features` (one encoding → run_qa's Arrow features + numpy arrays) → `build` (`fa-nlp build qa`,
writing both; `prepare` is the prepared/ folder it writes and `train` reads); `postprocess` maps
start/end logits back to answer text. No eager imports.
"""

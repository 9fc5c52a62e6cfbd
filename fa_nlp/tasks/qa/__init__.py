"""Extractive QA (SQuAD v2 style): validated examples, token windows, the feature build, post-processing.

`examples` (answers checked against the context) → `windows` (tokenizer windows and labels) →
`build` (`fa-nlp build qa`); `postprocess` maps start/end logits back to answer text. No eager imports.
"""

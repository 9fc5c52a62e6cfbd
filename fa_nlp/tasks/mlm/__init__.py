"""Masked-LM pretraining of the shared encoder on plain text: `prepare` (packed WordPiece rows, the
QA tokenizer) and `task` (15% of tokens predicted, BERT's 80/10/10 corruption). No eager imports."""

"""Word-order restoration: shuffled words → the ordered sentence.

`build` makes the dataset (`fa-nlp build wordorder`); the other modules of this folder train,
decode and evaluate on it. No eager imports: pick the module you need.
"""

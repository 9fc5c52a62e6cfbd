"""Self-contained modelling files copied into exported folders (torch + transformers only, no fa_nlp):
loaded with `AutoModel...from_pretrained(DIR, trust_remote_code=True)` for model kinds that have no
exact transformers counterpart. Never imported by fa_nlp itself."""

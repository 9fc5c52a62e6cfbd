"""Decoding: greedy and beam search over any model with encode/decode/new_cache, with per-row
constraints (`Constraint`); the word bag and the slot bag are constraints, and shallow fusion with
an n-gram LM wraps any of them."""

"""fa_nlp: a Persian NLP data-and-training toolkit."""

__version__ = "0.1.0"

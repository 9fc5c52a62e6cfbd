"""Output heads that sit on the public `Encoder` (imports only torch).

Why separate modules: the encoder is shared by every kind and is what `load_encoder` moves from
one checkpoint to another (state-dict prefix `encoder.`); a head is what a task adds on top and
is never transferred. Pretraining (masked LM) and fine-tuning (span QA) therefore differ only here.

- `SpanHead`: one linear map d -> 2, giving the start and the end logit of every token (BERT/SQuAD);
  the [CLS] token at position 0 is the "no answer" position, as `run_qa.py` labels it.
- `MaskedLMHead`: dense + GELU + LayerNorm, then the output layer TIED to the token embedding
  (plus a per-token bias), as in BERT; tying saves V*D parameters and makes the pretraining signal
  reach the input embedding directly.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class SpanHead(nn.Module):
    def __init__(self, d_model: int):
        super().__init__()
        self.proj = nn.Linear(d_model, 2)

    def forward(self, hidden: Tensor, pad: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """hidden [B,S,D] -> (start, end) logits [B,S] in float32; padding positions get -1e4
        (finite, so a fully padded row cannot produce NaN)."""
        logits = self.proj(hidden).float()
        if pad is not None:
            logits = logits.masked_fill(pad[..., None], -1e4)
        return logits[..., 0], logits[..., 1]


class MaskedLMHead(nn.Module):
    def __init__(self, d_model: int, vocab_size: int):
        super().__init__()
        self.dense = nn.Linear(d_model, d_model)
        self.norm = nn.LayerNorm(d_model)
        self.bias = nn.Parameter(torch.zeros(vocab_size))

    def forward(self, hidden: Tensor, embedding: Tensor) -> Tensor:
        """hidden [..., D], the token embedding matrix [V, D] -> logits [..., V]."""
        return F.linear(self.norm(F.gelu(self.dense(hidden))), embedding, self.bias)


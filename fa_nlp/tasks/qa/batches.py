"""Batches of QA windows: what the training loop and the evaluation's inference both collate.

Why its own module: training (`task.py`) and evaluation (`evaluate.py`) both need it, and neither
should import the other.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def window_batch(sp, indices) -> dict[str, Any]:
    """Collate windows `indices` of a `QASplit`, trimmed to the longest one."""
    import torch

    idx = np.asarray(indices, dtype=np.int64)
    width = int(sp.lengths[idx].max()) if len(idx) else 1
    ids = torch.from_numpy(np.asarray(sp.input_ids[idx, :width], dtype=np.int64))
    seg = torch.from_numpy(np.asarray(sp.token_type_ids[idx, :width], dtype=np.int64))
    return {"input_ids": ids, "token_type_ids": seg,
            "start_positions": torch.from_numpy(np.asarray(sp.start_positions[idx], dtype=np.int64)),
            "end_positions": torch.from_numpy(np.asarray(sp.end_positions[idx], dtype=np.int64)),
            "n_targets": 2 * len(idx)}

"""The GPU box's Python, simulated: `gpu_run.sh --dry-run` puts this directory first on PYTHONPATH, so
every Python process of the rehearsal finds hazm, datasets and matplotlib missing, as on the device
machine (which has torch, numpy, sentencepiece, tokenizers, sacrebleu, safetensors, tqdm, pyarrow and
transformers only). An import chain that reaches one of them fails the rehearsal here, not the GPU call.
"""

import os
import sys

BLOCKED = set(filter(None, os.environ.get("FA_NLP_BLOCKED_IMPORTS", "hazm,datasets,matplotlib").split(",")))


class _NotOnTheGpuBox:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (not installed on the GPU box; gpu_run.sh --dry-run)",
                                      name=name)
        return None


sys.meta_path.insert(0, _NotOnTheGpuBox())

"""`python -m fa_nlp train` and `python -m fa_nlp evaluate RUN` work on a bare GPU box: one with torch,
numpy, sentencepiece, sacrebleu, safetensors and tqdm, but without pyarrow, datasets, hazm or matplotlib.

`prepare` runs here (with everything, from a Parquet dataset, as `make gpu-data` does); train and
evaluate then run in a subprocess whose import system refuses the missing packages.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fa_nlp.settings import REPO_ROOT
from tests.training.conftest import write_wordorder_prepared

BLOCKED = ("pyarrow", "datasets", "hazm", "matplotlib")

# Runs `python -m fa_nlp ARGS...` with a meta-path finder that makes BLOCKED look uninstalled.
_BLOCKING_MAIN = """
import runpy, sys
BLOCKED = set(sys.argv[1].split(","))

class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
        return None

sys.meta_path.insert(0, Missing())
sys.argv = ["fa_nlp", *sys.argv[2:]]
try:
    runpy.run_module("fa_nlp", run_name="__main__", alter_sys=True)
finally:
    leaked = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
    assert not leaked, leaked
"""



def _blocked(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _BLOCKING_MAIN, ",".join(BLOCKED), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin", "HOME": str(cwd),
                               "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"})


def test_blocker_really_blocks(tmp_path):
    r = subprocess.run([sys.executable, "-c", _BLOCKING_MAIN.replace('runpy.run_module("fa_nlp", run_name="__main__", '
                                                                    'alter_sys=True)', "import matplotlib"),
                        ",".join(BLOCKED)], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "blocked by the test" in r.stderr


def test_train_and_evaluate_without_pyarrow_datasets_hazm_matplotlib(tmp_path):
    write_wordorder_prepared(tmp_path)
    assert (tmp_path / "prepared" / "test.eval.jsonl").is_file()

    run = tmp_path / "run"
    r = _blocked("train", "--config", str(REPO_ROOT / "fa_nlp/configs/smoke.toml"),
                 f"--data.prepared={tmp_path / 'prepared'}", f"--log.run_dir={run}", "--log.progress=false",
                 "--optim.max_steps=4", "--log.save_every=2", "--log.eval_every=2", "--log.dev_metric_sentences=3",
                 cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "curves.png not drawn" in r.stdout  # said once, not silently skipped
    rows = [json.loads(ln) for ln in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[-1]["step"] == 4 and any("dev_em" in row for row in rows)
    assert not (run / "curves.png").exists()

    r = _blocked("evaluate", str(run), "--split", "test", "--beam", "2", "--no-progress", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    out = run / "eval-test"
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["data"].endswith("test.eval.jsonl") and metrics["n"] == 10
    assert "matplotlib" in metrics["plot"] and not (out / "by_length.png").exists()
    assert set(metrics["systems"]) == {"greedy", "greedy+constrained", "beam2", "beam2+constrained",
                                       "greedy+constrained+lm", "beam2+constrained+lm"}  # fusion: no pyarrow either
    assert "ngram3_beam10" in metrics["baselines"]  # trained on the prepared train pairs, no pyarrow
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "by_length.png not drawn" in report and "- reference: " in report

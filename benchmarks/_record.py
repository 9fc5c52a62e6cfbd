"""JSON records for benchmark runs: every result carries the machine it was measured on."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

# FA_NLP_BENCH_RESULTS: another folder (gpu_run.sh keeps a job's records, and its dry run's, in the job dir)
RESULTS_DIR = Path(os.environ.get("FA_NLP_BENCH_RESULTS") or Path(__file__).resolve().parent / "results")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _mem_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": _mem_gib(),
        "python": platform.python_version(),
    }
    if "torch" in sys.modules or os.environ.get("FA_NLP_BENCH_TORCH", "1") == "1":
        try:
            import torch

            info["torch"] = torch.__version__
            if torch.cuda.is_available():
                props = torch.cuda.get_device_properties(0)
                info["gpu"] = props.name
                info["gpu_count"] = torch.cuda.device_count()
                info["gpu_mem_gib"] = round(props.total_memory / 2**30, 1)
                info["cuda"] = torch.version.cuda
                try:
                    out = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                                         capture_output=True, text=True, timeout=10)
                    info["driver"] = out.stdout.strip().splitlines()[0] if out.stdout.strip() else None
                except (OSError, subprocess.SubprocessError):
                    info["driver"] = None
            else:
                info["gpu"] = None
        except ImportError:
            info["torch"] = None
    return info


def _portable(obj: Any) -> Any:
    """Every string of a record with absolute data/repository paths made portable (`$FA_NLP_DATA/...`)."""
    from fa_nlp.settings import portable_text

    if isinstance(obj, str):
        return portable_text(obj)
    if isinstance(obj, dict):
        return {k: _portable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_portable(v) for v in obj]
    return obj


def record(name: str, results: dict[str, Any], results_dir: Path | None = None) -> Path:
    """Write `results` plus machine info to benchmarks/results/<name>-<UTC timestamp>.json (atomically)."""
    from fa_nlp.io import write_json

    now = _dt.datetime.now(_dt.UTC)
    payload = {
        "benchmark": name,
        "timestamp": now.isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "machine": machine_info(),
        "results": results,
    }
    out = (results_dir or RESULTS_DIR) / f"{name}-{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    write_json(out, _portable(payload))
    print(f"record written: {out}")
    return out


def real_data_root(what: str = "the PQuAD mirror") -> Path | None:
    """The real-data folder (FA_NLP_DATA), or None after saying on stderr that the benchmark needs `what`
    from it: a benchmark on real data must not fall back to something else and report it as real."""
    from fa_nlp.settings import data_root

    root = data_root()
    if root is None:
        print(f"needs {what}: set FA_NLP_DATA", file=sys.stderr)
    return root

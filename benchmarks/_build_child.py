"""The measured part of a word-order build benchmark (bench_build.py, bench_wordorder.py): one build in
this (fresh child) process, and what it cost. Why shared: both compare builds by the same numbers, so
they must be taken the same way."""

from __future__ import annotations

import hashlib
import json
import resource
import time
from pathlib import Path
from typing import Any


def _vm_hwm_mib() -> float | None:
    """Peak RSS of this process since its exec (`VmHWM` of /proc/self/status), None where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def measure_build(cfg, out: str | Path) -> dict[str, Any]:
    """Build `cfg` (a WordOrderConfig) into `out` with --force: wall and CPU seconds, counts from the
    manifest, peak RSS of this process and of its largest worker, and the Parquet files' sha256.
    The worker figure is ru_maxrss of the finished children: a floor of the driver's RSS when it started
    them (see `_vm_hwm_mib`), above which each worker's own peak shows."""
    from fa_nlp.tasks.wordorder.build import build

    t0 = time.perf_counter()
    build(cfg, out, force=True, progress=False, log=lambda m: None)
    wall = time.perf_counter() - t0
    manifest = json.loads((Path(out) / "manifest.json").read_text())
    c = manifest["counts"]
    usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return {
        "wall_s": wall,
        "phases_s": manifest["runtime"].get("phases_s"),
        "documents": c["documents"]["read"],
        "sentences_read": c["sentences"]["read"],
        "sentences_kept": c["sentences"]["kept"],
        "duplicates": c["sentences"]["skipped_by_reason"].get("duplicate", 0),
        "examples": sum(c["examples"].values()),
        "examples_per_split": c["examples"],
        # CPU seconds of this process and its (finished) workers: robust to other jobs sharing the cores
        "cpu_s": sum(u.ru_utime + u.ru_stime for u in usage),
        # VmHWM, not ru_maxrss: Linux keeps in ru_maxrss the peak the parent had when it forked this process
        # (the benchmark's parent holds the whole base corpus), so every build read the same ~500 MiB
        "peak_rss_main_mib": _vm_hwm_mib() or usage[0].ru_maxrss / 1024,  # Linux ru_maxrss is in KiB
        "peak_rss_largest_worker_mib": usage[1].ru_maxrss / 1024,
        "input_bytes": sum(i["bytes"] for i in manifest["inputs"]),
        "parquet_sha256": {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                           for p in sorted((Path(out) / "parquet").glob("*"))},
    }

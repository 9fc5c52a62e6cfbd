#!/usr/bin/env bash
# The GPU job, one command: train a word-order model (default: the pointer kind,
# fa_nlp/configs/wordorder-pointer-gpu.toml, ~6 minutes; CONFIG=... for another), evaluate it (greedy,
# beam 10, 3-gram fusion, baselines), then benchmark training and decoding speed.
#
#   here (CPU):  make gpu-data        # dataset + tokenizer + token arrays, built where hazm/datasets exist
#   GPU machine: bash benchmarks/gpu_run.sh
#
# Needs only torch, numpy, sentencepiece, sacrebleu, safetensors and tqdm (checked first, so a missing one
# fails in seconds, not after 30 minutes of training); pyarrow, datasets, hazm and matplotlib are not
# used (without matplotlib the PNGs are skipped with a note). No install step: the package runs from the
# checkout. Carry build/prepared/fa_text (token arrays, tokenizer copy, <split>.eval.jsonl test pairs)
# with the working tree. Results land in runs/wordorder-base-gpu/ and benchmarks/results/ (copied to
# $OUT when set, as on the device tool).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" TOKENIZERS_PARALLELISM=false
PY=${PY:-python3}
PREP=build/prepared/fa_text
for need in "$PREP/manifest.json" "$PREP/tokenizer" "$PREP/test.eval.jsonl"; do
  [ -e "$need" ] || { echo "missing $need: run 'make gpu-data' first (on a machine with the dev install)" >&2; exit 2; }
done
$PY - <<'PYEOF'
import importlib.util, sys
missing = [m for m in ("torch", "numpy", "sentencepiece", "sacrebleu", "safetensors", "tqdm")
           if importlib.util.find_spec(m) is None]
if missing:
    sys.exit(f"gpu_run.sh: missing Python packages: {' '.join(missing)} (pip install them first)")
import torch
if not torch.cuda.is_available():
    sys.exit("gpu_run.sh: torch sees no CUDA device")
PYEOF
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
CONFIG=${CONFIG:-fa_nlp/configs/wordorder-pointer-gpu.toml}
RUN=$($PY -c "import tomllib,sys; print(tomllib.load(open(sys.argv[1],'rb'))['log']['run_dir'])" "$CONFIG")
$PY -m fa_nlp train --config "$CONFIG" --log.progress=false
$PY -m fa_nlp evaluate "$RUN" --split test --beam 10 --no-progress
$PY benchmarks/bench_train.py --prepared "$PREP" --model base
$PY benchmarks/bench_decode.py --run "$RUN"
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT/runs" "$OUT/benchmarks"
  rsync -a --exclude checkpoints "$RUN" "$OUT/runs/" 2>/dev/null \
    || { cp -r "$RUN" "$OUT/runs/" && rm -rf "$OUT/runs/$(basename "$RUN")/checkpoints"; }
  cp -r benchmarks/results "$OUT/benchmarks/"
fi

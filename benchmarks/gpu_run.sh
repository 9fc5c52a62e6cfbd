#!/usr/bin/env bash
# The GPU job, one command (issues 6 and 7): train the base word-order model for at most 30 minutes,
# evaluate it (greedy, beam, constrained, baselines), then benchmark training and decoding speed.
#
#   here (CPU):  make gpu-data        # dataset + tokenizer + token arrays, built where hazm/datasets exist
#   GPU machine: bash benchmarks/gpu_run.sh
#
# Needs only what a bare PyTorch GPU image has (torch, numpy, sentencepiece, sacrebleu, pyarrow for the
# test split): no install step, the package runs from the checkout. Carry build/prepared/fa_text,
# build/tok/fa_text and build/wordorder/fa_text/parquet with the working tree. Results land in
# runs/wordorder-base-gpu/ and benchmarks/results/ (copied to $OUT when set, as on the device tool).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" TOKENIZERS_PARALLELISM=false
PY=${PY:-python3}
for need in build/prepared/fa_text build/tok/fa_text build/wordorder/fa_text/parquet; do
  [ -e "$need" ] || { echo "missing $need: run 'make gpu-data' first (on a machine with the dev install)" >&2; exit 2; }
done
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
$PY -m fa_nlp train --config fa_nlp/configs/wordorder-base-gpu.toml --log.progress=false
$PY -m fa_nlp evaluate runs/wordorder-base-gpu --split test --beam 5 --constrained both
$PY benchmarks/bench_train.py --prepared build/prepared/fa_text --model base
$PY benchmarks/bench_decode.py --run runs/wordorder-base-gpu
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT/runs" "$OUT/benchmarks"
  rsync -a --exclude checkpoints runs/wordorder-base-gpu "$OUT/runs/" 2>/dev/null \
    || { cp -r runs/wordorder-base-gpu "$OUT/runs/" && rm -rf "$OUT/runs/wordorder-base-gpu/checkpoints"; }
  cp -r benchmarks/results "$OUT/benchmarks/"
fi

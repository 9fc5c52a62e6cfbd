#!/usr/bin/env bash
# The whole GPU job in one command, sized for ONE 9-minute call on one H100/H200:
#   1. word order: the pointer model (wordorder-pointer-gpu.toml) trained for WO_MIN minutes, then
#      evaluated on 1,000 test sentences (greedy, beam 10, 3-gram fusion, baselines);
#   2. QA chain: MLM pretraining (mlm-fa_text-gpu.toml) -> cloze QA (qa-cloze-gpu.toml) -> PQuAD
#      (qa-pquad-gpu.toml), MLM_MIN / CLOZE_MIN / QA_MIN minutes each, then PQuAD Test EM/F1;
#   3. speed: bench_train.py (training tokens/s vs nn.Transformer), bench_decode.py (decoding
#      sentences/s), bench_compile.py (compile time and steps/s compiled vs eager).
# Every stage runs under a hard `timeout` (its training budget + start-up and evaluation time): a hang
# or a crash costs that stage only; the QA stages after a failed one are skipped. Each training loop
# stops cleanly at its `optim.max_minutes` (evaluates, saves). Default budgets: 1.25 + 0.75 + 0.5 + 1.0
# training minutes; about 8 minutes in all with start-ups, evaluations and benchmarks; no stage runs past
# TOTAL_S (510 s), a stage without time left is skipped and listed.
#
#   here (CPU):  make gpu-data                      # arrays of both tasks, built where hazm/datasets exist
#   GPU machine: bash benchmarks/gpu_run.sh         # (device tool: carry the four build dirs below)
#   rehearsal:   bash benchmarks/gpu_run.sh --dry-run   # the same script on CPU (or DEVICE=cpu), tiny models,
#                                                   # hazm/datasets/matplotlib made unimportable as on the GPU box
#
# Data (env vars; defaults = what `make gpu-data` writes): WO_PREP, MLM_PREP, CLOZE_PREP, QA_PREP; WO_CONFIG for
# the word-order config; budgets WO_MIN, MLM_MIN, CLOZE_MIN, QA_MIN (minutes).
# Needs torch, numpy, sentencepiece, tokenizers, sacrebleu, safetensors, tqdm (checked first). Compile is
# off in the training stages: with 1-minute stages its start-up would cost more than it saves;
# bench_compile.py measures both. Everything (run dirs without checkpoints, stage logs, stages.jsonl,
# benchmark records in RUNS/records) lands in RUNS (default runs/gpu-job-<UTC time>) and is copied to $OUT when set.
set -euo pipefail
cd "$(dirname "$0")/.."
DRY=0
for a in "$@"; do
  case $a in --dry-run) DRY=1 ;; *) echo "usage: $0 [--dry-run]" >&2; exit 2 ;; esac
done
[ "${DEVICE:-cuda}" = cpu ] && DRY=1
PY=${PY:-python3}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1
[ $DRY = 1 ] && export PYTHONPATH="$PWD/benchmarks/gpu_box:$PYTHONPATH"  # sitecustomize: the GPU box's imports
RUNS=${RUNS:-runs/gpu-job-$(date -u +%Y%m%dT%H%M%SZ)}
WO_PREP=${WO_PREP:-build/prepared/fa_text}
MLM_PREP=${MLM_PREP:-build/mlm/prepared}
CLOZE_PREP=${CLOZE_PREP:-build/qa/cloze/prepared}  # `fa-nlp build qa` writes the arrays to OUT/prepared
QA_PREP=${QA_PREP:-build/qa/pquad/prepared}
WO_MIN=${WO_MIN:-1.25} MLM_MIN=${MLM_MIN:-0.75} CLOZE_MIN=${CLOZE_MIN:-0.5} QA_MIN=${QA_MIN:-1.0}
TOTAL_S=${TOTAL_S:-510}  # the whole job's deadline: no stage may run past it (the device call allows 540-600 s)
C=fa_nlp/configs
WO_CONFIG=${WO_CONFIG:-$C/wordorder-pointer-gpu.toml}  # or $C/wordorder-base-gpu.toml: the vocabulary decoder

for need in "$WO_PREP/manifest.json" "$WO_PREP/tokenizer" "$WO_PREP/test.eval.jsonl" "$MLM_PREP/manifest.json" \
            "$CLOZE_PREP/manifest.json" "$QA_PREP/manifest.json"; do
  [ -e "$need" ] || { echo "gpu_run.sh: missing $need: run 'make gpu-data' first (on a machine with the dev install)" >&2
                      exit 2; }
done
$PY - "$DRY" <<'PYEOF'
import importlib.util, sys
missing = [m for m in ("torch", "numpy", "sentencepiece", "tokenizers", "sacrebleu", "safetensors", "tqdm")
           if importlib.util.find_spec(m) is None]
if missing:
    sys.exit(f"gpu_run.sh: missing Python packages: {' '.join(missing)} (pip install them first)")
import torch
if sys.argv[1] == "0" and not torch.cuda.is_available():
    sys.exit("gpu_run.sh: torch sees no CUDA device (use --dry-run to rehearse on CPU)")
PYEOF

mkdir -p "$RUNS/logs" "$RUNS/records"
export FA_NLP_BENCH_RESULTS="$PWD/$RUNS/records"  # benchmark records of this job (copy them to benchmarks/results)
[[ $RUNS = /* ]] && FA_NLP_BENCH_RESULTS="$RUNS/records"
if [ $DRY = 1 ]; then
  # tiny models, a few steps, bf16 autocast on CPU (the GPU configs' dtype), same commands otherwise
  TRAIN=(--device=cpu --threads=1 --compile=false --log.progress=false --model.preset=tiny --optim.max_steps=3 --optim.warmup_steps=1
         --log.log_every=1 --log.eval_every=3 --log.save_every=3 --log.dev_metric_sentences=4 --log.dev_max_batches=2)
  WO_EVAL=(--max-sentences 6 --beam 2 --no-progress)
  BENCH_TRAIN=(--cpu-smoke)
  BENCH_DECODE=(--device cpu --max-sentences 8 --batch-sizes 4 --beam 2 --threads 1)
  BENCH_COMPILE=(--device cpu --preset tiny --backend eager --steps 2 --threads 1)
  SLACK=120
else
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$RUNS/logs/nvidia-smi.txt" || true
  TRAIN=(--compile=false --log.progress=false)
  WO_EVAL=(--max-sentences 1000 --beam 10 --no-progress)
  BENCH_TRAIN=(--prepared "$WO_PREP" --model base --steps 30 --no-compile)  # compile: bench_compile.py
  BENCH_DECODE=()
  BENCH_COMPILE=(--device cuda --preset base --steps 20)
  SLACK=90
fi

FAILED=()
copy_out() {
  if [ -n "${OUT:-}" ]; then
    mkdir -p "$OUT/gpu-job"
    (cd "$RUNS" && find . -path '*/checkpoints' -prune -o -type f -print | while read -r f; do
       mkdir -p "$OUT/gpu-job/$(dirname "$f")" && cp "$f" "$OUT/gpu-job/$f"; done)
  fi
}
trap copy_out EXIT

# stage NAME LIMIT_SECONDS CMD...: run under a hard timeout, log to $RUNS/logs/NAME.log, record in stages.jsonl
stage() {
  local name=$1 limit=$2 t0=$SECONDS rc=0 left=$((TOTAL_S - SECONDS - 15))
  shift 2
  if [ $left -lt 20 ]; then  # past the job's deadline: skip, say so, and let what depends on it skip too
    echo "== $name skipped: ${left}s left of TOTAL_S=$TOTAL_S"
    FAILED+=("$name")
    printf '{"stage": "%s", "status": "skipped", "rc": -1, "seconds": 0, "limit_s": 0}\n' "$name" >> "$RUNS/stages.jsonl"
    return 0
  fi
  [ $left -lt "$limit" ] && limit=$left
  echo "== $name (hard limit ${limit}s)"
  set +o errexit
  timeout --kill-after=15 "$limit" "$@" 2>&1 | tee "$RUNS/logs/$name.log"
  rc=${PIPESTATUS[0]}
  set -o errexit
  local status=ok
  [ $rc -eq 124 ] || [ $rc -eq 137 ] && status=timeout
  [ $rc -ne 0 ] && [ $status = ok ] && status="failed"
  [ $rc -ne 0 ] && FAILED+=("$name")
  printf '{"stage": "%s", "status": "%s", "rc": %d, "seconds": %d, "limit_s": %d}\n' \
    "$name" "$status" "$rc" $((SECONDS - t0)) "$limit" >> "$RUNS/stages.jsonl"
  return 0
}
secs() { $PY -c "import sys; print(int(float(sys.argv[1]) * 60) + int(sys.argv[2]))" "$1" "$2"; }
ok() { for f in "${FAILED[@]}"; do [ "$f" = "$1" ] && return 1; done; return 0; }
FA=($PY -m fa_nlp)

# 1. word order
stage wordorder-train "$(secs "$WO_MIN" $SLACK)" "${FA[@]}" train --config "$WO_CONFIG" "${TRAIN[@]}" \
  --data.prepared="$WO_PREP" --log.run_dir="$RUNS/wordorder-pointer" --optim.max_minutes="$WO_MIN"
ok wordorder-train && stage wordorder-eval 150 "${FA[@]}" evaluate "$RUNS/wordorder-pointer" --split test "${WO_EVAL[@]}"

# 2. QA chain: MLM -> cloze -> PQuAD (each starts from the previous run's encoder)
stage mlm-train "$(secs "$MLM_MIN" $SLACK)" "${FA[@]}" train --config $C/mlm-fa_text-gpu.toml "${TRAIN[@]}" \
  --data.prepared="$MLM_PREP" --log.run_dir="$RUNS/mlm" --optim.max_minutes="$MLM_MIN"
ok mlm-train && stage cloze-train "$(secs "$CLOZE_MIN" $SLACK)" "${FA[@]}" train --config $C/qa-cloze-gpu.toml \
  "${TRAIN[@]}" --data.prepared="$CLOZE_PREP" --log.run_dir="$RUNS/qa-cloze" --init_from="$RUNS/mlm" \
  --optim.max_minutes="$CLOZE_MIN"
ok mlm-train && ok cloze-train && stage pquad-train "$(secs "$QA_MIN" $SLACK)" "${FA[@]}" train \
  --config $C/qa-pquad-gpu.toml "${TRAIN[@]}" --data.prepared="$QA_PREP" --log.run_dir="$RUNS/qa-pquad" \
  --init_from="$RUNS/qa-cloze" --optim.max_minutes="$QA_MIN"
ok mlm-train && ok cloze-train && ok pquad-train && stage pquad-eval 120 "${FA[@]}" evaluate "$RUNS/qa-pquad" --split test

# 3. speed
stage bench-train 120 $PY benchmarks/bench_train.py "${BENCH_TRAIN[@]}"
ok wordorder-train && stage bench-decode 90 $PY benchmarks/bench_decode.py --run "$RUNS/wordorder-pointer" "${BENCH_DECODE[@]}"
stage bench-compile-span 100 $PY benchmarks/bench_compile.py --kinds span "${BENCH_COMPILE[@]}"
stage bench-compile-pointer 100 $PY benchmarks/bench_compile.py --kinds pointer "${BENCH_COMPILE[@]}"

echo "== stages (also $RUNS/stages.jsonl)"
cat "$RUNS/stages.jsonl"
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "gpu_run.sh: failed: ${FAILED[*]}" >&2
  exit 1
fi

# fa_nlp — every target creates/updates .venv first, so a fresh clone needs only `make demo` / `make test`.
SHELL := /bin/bash
PY ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FA := $(BIN)/fa-nlp
STAMP := $(VENV)/.installed-stamp
export FA_NLP_DATA ?= $(abspath ../shared/data)
export TOKENIZERS_PARALLELISM ?= false
NPROC ?= 2
DEMO := build/demo
RUN ?= runs/wordorder-pointer-tiny-cpu

.PHONY: help venv demo test lint wordorder wordorder-sample wordorder-data wordorder-cpu qa qa-data qa-train qa-eval train evaluate eval-sbd \
        bench bench-sbd bench-normalize bench-wordorder bench-wordorder-train bench-qa bench-decode bench-train gpu-data gpu-train clean

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; assert sys.version_info >= (3, 12), f"fa_nlp needs Python >= 3.12, {sys.executable} is {sys.version.split()[0]}"'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)  ## create/update .venv (python 3.12, the package in editable mode, dev tools)

test: $(STAMP)  ## run the test suite (what CI runs)
	$(BIN)/python -m pytest -q

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check fa_nlp tests benchmarks corpora

# ---------------------------------------------------------------- the main job, on the bundled sample
demo: $(STAMP)  ## split → word-order dataset → tokenizer → tiny pointer model (CPU) → evaluate; QA windows → tiny QA model, on corpora/sample
	@echo "== 1/8 sentences of the sample corpus (first 8 shown)"
	@mkdir -p $(DEMO)
	@$(FA) split corpora/sample/documents.txt --doc-mode blank --stats > $(DEMO)/sentences.txt
	@head -n 8 $(DEMO)/sentences.txt | sed 's/^/    /'
	@echo "== 2/8 word-order dataset (shuffled words → ordered sentence), split by document"
	$(FA) build wordorder --config fa_nlp/configs/wordorder-sample.toml --out $(DEMO)/wordorder --no-progress
	@echo "== 3/8 sentencepiece tokenizer on the training split"
	$(FA) tokenizer train --dataset $(DEMO)/wordorder --vocab-size 1000 --out $(DEMO)/tokenizer
	@echo "== 4/8 token arrays for training"
	$(FA) prepare --dataset $(DEMO)/wordorder --tokenizer $(DEMO)/tokenizer --out $(DEMO)/prepared
	@echo "== 5/8 train the tiny pointer model (picks the next source word) on CPU (about 2 minutes)"
	rm -rf $(DEMO)/run
	$(FA) train --config fa_nlp/configs/wordorder-pointer-tiny-cpu.toml --data.prepared=$(DEMO)/prepared --log.run_dir=$(DEMO)/run
	@echo "== 6/8 evaluate on the held-out test documents: greedy/beam, with/without 3-gram LM fusion, baselines"
	$(FA) evaluate $(DEMO)/run --split test
	@echo "== 7/8 the sample QA set: statistics and windowed features"
	$(FA) qa-stats corpora/sample/qa.json
	$(FA) tokenizer train --family qa --squad corpora/sample/qa.json --vocab-size 2000 --out $(DEMO)/qa-tokenizer
	$(FA) build qa --dataset corpora/sample/qa.json --tokenizer $(DEMO)/qa-tokenizer --max-length 128 --overlap 32 --out $(DEMO)/qa
	@echo "== 8/8 a tiny extractive QA model (encoder + start/end head) on the sample windows, scored by EM/F1"
	$(FA) prepare-qa --build $(DEMO)/qa --out $(DEMO)/qa-prepared --dev-fraction 0.2
	rm -rf $(DEMO)/qa-run
	$(FA) train --config fa_nlp/configs/qa-tiny-cpu.toml --log.progress=false
	$(FA) evaluate $(DEMO)/qa-run --split dev
	@echo
	@echo "Done. Read $(DEMO)/run/eval-test/report.md (scores + before/after samples), $(DEMO)/run/curves.png,"
	@echo "$(DEMO)/wordorder/README.md (dataset card), $(DEMO)/qa/README.md and $(DEMO)/qa-run/eval-dev/report.md."
	@echo "The sample is tiny: expect low scores."

# ---------------------------------------------------------------- real data (../shared/data or FA_NLP_DATA)
wordorder: $(STAMP)  ## word-order dataset from fa_text prose tiers A+B → build/wordorder/fa_text
	$(FA) build wordorder --config fa_nlp/configs/wordorder-fa_text.toml --out build/wordorder/fa_text --num-proc $(NPROC)

wordorder-sample: $(STAMP)  ## word-order dataset from the bundled sample → build/wordorder/sample
	$(FA) build wordorder --config fa_nlp/configs/wordorder-sample.toml --out build/wordorder/sample

qa: $(STAMP)  ## QA tokenizer on PQuAD Validation contexts, then windowed features (384/128) → build/qa/pquad
	$(FA) tokenizer train --family qa --kind wordpiece --vocab-size 8000 --squad $(FA_NLP_DATA)/pquad/Validation.json --out build/tok/qa
	$(FA) build qa --dataset pquad --tokenizer build/tok/qa --max-length 384 --overlap 128 --out build/qa/pquad

train: wordorder-sample  ## train the tiny CPU pointer model on the sample (runs/wordorder-pointer-tiny-cpu)
	$(FA) tokenizer train --dataset build/wordorder/sample --vocab-size 1000 --out build/tok/sample
	$(FA) prepare --dataset build/wordorder/sample --tokenizer build/tok/sample --out build/prepared/sample
	$(FA) train --config fa_nlp/configs/wordorder-pointer-tiny-cpu.toml $(if $(wildcard $(RUN)/checkpoints),--resume)

evaluate: $(STAMP)  ## evaluate RUN (default runs/wordorder-pointer-tiny-cpu) on its test split
	$(FA) evaluate $(RUN) --split test --beam 5 --length-penalty 1.0 --constrained both

eval-sbd: $(STAMP)  ## sentence-boundary P/R/F1 on UD Persian (Seraji, PerDT) vs hazm
	$(FA) eval-sbd --gold $(FA_NLP_DATA)/ud_fa_sbd/{seraji,perdt}_{dev,test}.jsonl

wordorder-data: wordorder  ## tokenizer + token arrays for the fa_text word-order data → build/prepared/fa_text
	$(FA) tokenizer train --dataset build/wordorder/fa_text --vocab-size 8000 --out build/tok/fa_text
	$(FA) prepare --dataset build/wordorder/fa_text --tokenizer build/tok/fa_text --out build/prepared/fa_text

wordorder-cpu: wordorder-data  ## the CPU recipe: pointer model 20 min on 2 cores → evaluate 1,000 test sentences → record
	rm -rf runs/wordorder-pointer-cpu
	$(FA) train --config fa_nlp/configs/wordorder-pointer-cpu.toml
	$(FA) evaluate runs/wordorder-pointer-cpu --split test --max-sentences 1000 --beam 10 --no-progress
	$(BIN)/python benchmarks/record_wordorder_run.py runs/wordorder-pointer-cpu --name wordorder-pointer-cpu \
	    --command "make wordorder-cpu"

qa-data: qa  ## QA arrays (dev = 10% of the training contexts), MLM rows and cloze questions (fa_text A+B + train contexts)
	$(FA) prepare-qa --build build/qa/pquad --out build/qa/prepared --dev-fraction 0.1 --seed 1234
	$(FA) prepare-mlm --text fa_text:A+B --qa-prepared build/qa/prepared --out build/mlm/prepared --max-len 128
	$(FA) prepare-cloze --text fa_text:A+B --qa-prepared build/qa/prepared --out build/qa/cloze.json --max-questions 60000
	$(FA) build qa --train build/qa/cloze.json --tokenizer build/tok/qa --max-length 384 --overlap 128 --no-normalize --out build/qa/cloze
	$(FA) prepare-qa --build build/qa/cloze --out build/qa/cloze-prepared --dev-fraction 0.02 --seed 1234

# Two single-core jobs side by side (~85 min): [MLM 12 min -> cloze QA 16 min -> PQuAD 28 min] beside
# [PQuAD from scratch, 56 min = the same total]; then PQuAD from scratch for the same 28 QA minutes.
qa-train: qa-data  ## pretraining (MLM 12 + cloze 16 min) then PQuAD (28 min), beside from-scratch runs; one core each
	rm -rf runs/mlm-fa_text-cpu runs/qa-cloze-cpu runs/qa-pquad-cpu runs/qa-pquad-scratch-cpu runs/qa-pquad-scratch-long-cpu
	mkdir -p runs
	$(FA) train --config fa_nlp/configs/qa-pquad-scratch-long-cpu.toml --log.progress=false > runs/qa-pquad-scratch-long-cpu.log 2>&1 & \
	$(FA) train --config fa_nlp/configs/mlm-fa_text-cpu.toml && $(FA) train --config fa_nlp/configs/qa-cloze-cpu.toml \
	  && $(FA) train --config fa_nlp/configs/qa-pquad-cpu.toml; s=$$?; wait $$!; t=$$?; [ $$s -eq 0 ] && [ $$t -eq 0 ]
	$(FA) train --config fa_nlp/configs/qa-pquad-scratch-cpu.toml

qa-eval: $(STAMP)  ## PQuAD Test EM/F1 of the QA runs (null threshold chosen on dev) + baselines → record
	$(FA) evaluate runs/qa-pquad-cpu --split test
	$(FA) evaluate runs/qa-pquad-scratch-cpu --split test
	$(FA) evaluate runs/qa-pquad-scratch-long-cpu --split test
	$(BIN)/python benchmarks/record_qa_runs.py --recipe runs/qa-pquad-cpu --scratch runs/qa-pquad-scratch-cpu \
	    --scratch-long runs/qa-pquad-scratch-long-cpu --pretrain runs/mlm-fa_text-cpu runs/qa-cloze-cpu

# ---------------------------------------------------------------- GPU (one command each; see README "Training on a GPU")
gpu-data: wordorder-data  ## here: the fa_text word-order arrays to carry to a GPU machine (= wordorder-data)

gpu-train:  ## on a GPU machine, after gpu-data: train the pointer model (~6 min, bf16), evaluate, benchmark speed
	PY=$(if $(wildcard $(BIN)/python),$(BIN)/python,python3) bash benchmarks/gpu_run.sh

# ---------------------------------------------------------------- benchmarks (JSON records in benchmarks/results/)
bench: bench-sbd bench-normalize bench-wordorder bench-qa bench-decode bench-train  ## every CPU benchmark (bench-wordorder-train needs wordorder-data)

bench-sbd: $(STAMP)  ## splitter F1 + throughput vs hazm
	$(BIN)/python benchmarks/bench_sbd.py

bench-normalize: $(STAMP)  ## lines of fa_text that a second normalize pass changes (target 0)
	$(BIN)/python benchmarks/bench_normalize_idempotence.py

bench-wordorder: $(STAMP)  ## full fa_text build, 1 vs 2 processes, peak memory
	$(BIN)/python benchmarks/bench_wordorder.py --corpus fa_text

bench-qa: $(STAMP)  ## QA features vs the run_qa.py reference (same tokenizer, identical output)
	$(BIN)/python benchmarks/bench_qa_features.py

bench-decode: $(STAMP)  ## decoding speed smoke run on CPU (random tiny model)
	$(BIN)/python benchmarks/bench_decode.py --cpu-smoke --threads 1

bench-wordorder-train: $(STAMP)  ## after wordorder-data: pointer vs vocabulary decoder training speed (target words/s, 2 cores)
	$(BIN)/python benchmarks/bench_wordorder_train_cpu.py --threads 2

bench-train: $(STAMP)  ## training speed smoke run on CPU vs nn.Transformer padded baseline
	$(BIN)/python benchmarks/bench_train.py --cpu-smoke

clean:  ## remove build outputs (not .venv)
	rm -rf build runs

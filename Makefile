# The two commands of the README: `make run` and `make test`. Both do all set-up first.
VENV := .venv/bin
INDEX ?= var/index
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run ingest test test-llm eval

setup:
	bash scripts/setup.sh

ingest: setup
	$(VENV)/python -m ingest knowledge --index $(INDEX)

run: ingest
	$(VENV)/python -m bot serve --index $(INDEX) --host $(HOST) --port $(PORT)

test: setup
	$(VENV)/python -m pytest -q

# the real-server tier (docs/llm.md): llama.cpp + Gemma 3 270M on loopback; not part of `make test`
LLM_CACHE ?= $(HOME)/.cache/export-bot-llm
test-llm: setup
	LLM_CACHE=$(LLM_CACHE) PYTHON=$(VENV)/python bash scripts/llm/test_llm.sh

# the held-out test split, over knowledge/ + the shared corpus, with the baselines side by side
eval: setup
	$(VENV)/python -m ingest knowledge ../shared/corpus --index var/eval-index
	$(VENV)/python -m evals run --dataset evals/datasets/test.jsonl --index var/eval-index --results-out var/eval/test-results.jsonl --report-out var/eval/test --naive-files knowledge ../shared/corpus

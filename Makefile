# The two commands of the README: `make run` and `make test`. Both do all set-up first.
VENV := .venv/bin
INDEX ?= var/index
HOST ?= 127.0.0.1
PORT ?= 8000
# the quick tier leaves out what needs a browser, a Chroma server or more than a few seconds
QUICK := not slow and not server and not browser and not llm_server

.PHONY: setup run ingest test test-quick test-llm typecheck docs-check eval

setup:
	bash scripts/setup.sh

ingest: setup
	$(VENV)/python -m ingest knowledge --index $(INDEX)

run: ingest
	$(VENV)/python -m bot serve --index $(INDEX) --host $(HOST) --port $(PORT)

test: setup typecheck docs-check
	$(VENV)/python -m pytest -q

# under 2 minutes warm: no browser, no Chroma server, no slow tests (docs/development.md)
test-quick: setup typecheck docs-check
	$(VENV)/python -m pytest -q -m "$(QUICK)"

typecheck: setup
	$(VENV)/python -m mypy

# the settings table in docs/configuration.md is generated from bot/settings.py: fails when it is stale
docs-check: setup
	$(VENV)/python -m bot settings-doc --check docs/configuration.md

# the real-server tier (docs/llm.md): llama.cpp + Gemma 3 270M on loopback; not part of `make test`
LLM_CACHE ?= $(HOME)/.cache/export-bot-llm
test-llm: setup
	LLM_CACHE=$(LLM_CACHE) PYTHON=$(VENV)/python bash scripts/llm/test_llm.sh

# the held-out test split, over knowledge/ + the shared corpus, with the baselines side by side
eval: setup
	$(VENV)/python -m ingest knowledge ../shared/corpus --index var/eval-index
	$(VENV)/python -m evals run --dataset evals/datasets/test.jsonl --index var/eval-index --results-out var/eval/test-results.jsonl --report-out var/eval/test --naive-files knowledge ../shared/corpus

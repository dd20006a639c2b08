#!/usr/bin/env bash
# Everything a fresh Debian machine needs: system packages, the venv, torch (CPU) first, the project.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || need_apt+=(fonts-noto-cjk)
# only for the browser tests' screenshots: visitors' own browsers bring their emoji fonts
fc-list 2>/dev/null | grep -qi "color emoji" || need_apt+=(fonts-noto-color-emoji)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} with apt-get (needs root); browser tests will be skipped without chromium" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
# torch first, pinned: this machine's package source holds the CPU build of 2.13.0 (a bare 'torch' would resolve
# the CUDA build, gigabytes). No other index is reachable here, so none is named.
python -c "import torch" 2>/dev/null || python -m pip install -q torch==2.13.0
python -m pip install -q -e ".[dev]"

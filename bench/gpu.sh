#!/usr/bin/env bash
# GPU throughput: a BERT-base-shaped random encoder, batch 64 and 512, max length 32, bf16.
#   bash bench/gpu.sh [DATA_DIR] [TOKENIZER_DIR]
# DATA_DIR needs unlabeled/wiki1m_head.txt and sts/STSBenchmark/; TOKENIZER_DIR any BERT
# uncased tokenizer folder (default: the packaged all-MiniLM-L6-v2's).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-${SIMCSE_TUI_DATA:-../shared/data}}"
TOK="${2:-}"
PY="${PYTHON:-python3}"
MODEL=/tmp/bert-base-random
$PY - "$MODEL" "$TOK" <<'PY'
import sys
from trainers.random_model import BERT_BASE, build_random_bert
build_random_bert(sys.argv[1], tokenizer_dir=sys.argv[2] or None, **BERT_BASE)
PY
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
for BATCH in 64 512; do
  $PY bench/train_throughput.py --device cuda --model "$MODEL" --data-dir "$DATA" --batch-size "$BATCH" \
      --steps "${STEPS:-60}" --rounds 1 --no-eval --arms "${ARMS:-st,ours_grouped,floor}" ${COMPILE:+--compile}
  cp bench/results/train_throughput-cuda.json "bench/results/train_throughput-cuda-b$BATCH.json"
done

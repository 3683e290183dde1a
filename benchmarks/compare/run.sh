#!/usr/bin/env bash
# The whole comparison in one command: setup (when needed), the overhead benchmark, the early
# stopping benchmark (JSON + anytime PNG), then the tables (TABLE.md and README.md's table).
#
#   bash benchmarks/compare/run.sh            # full run, < 30 minutes on a 2-core machine
#   bash benchmarks/compare/run.sh --quick    # smoke run (~3-4 minutes), results under /tmp
#
# Knobs (environment): BUDGET (seconds per early-stopping run, default 32), SEEDS (3),
# REPEAT (overhead runs per variant, 1).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
START=$(date +%s)
QUICK=()
OUT="$ROOT/benchmarks/results"
if [ "${1:-}" = "--quick" ]; then
    QUICK=(--quick)
    OUT="${TMPDIR:-/tmp}/autogluon-compare-quick"
    mkdir -p "$OUT"
fi
bash "$HERE/setup.sh"
PY="$HERE/.venv/bin/python"
ES_ARGS=()
[ -n "${BUDGET:-}" ] && ES_ARGS+=(--budget "$BUDGET")
[ -n "${SEEDS:-}" ] && ES_ARGS+=(--seeds "$SEEDS")
OV_ARGS=()
[ -n "${REPEAT:-}" ] && OV_ARGS+=(--repeat "$REPEAT")

echo; echo "== overhead =="
"$PY" "$HERE/overhead.py" "${QUICK[@]}" "${OV_ARGS[@]}" --out "$OUT/compare_overhead.json"
echo; echo "== early stopping =="
"$PY" "$HERE/early_stop.py" "${QUICK[@]}" "${ES_ARGS[@]}" --out "$OUT/compare_early_stopping.json" \
    --png "$OUT/compare_anytime.png"
echo; echo "== tables =="
if [ ${#QUICK[@]} -eq 0 ]; then
    "$PY" "$HERE/report.py" --dir "$OUT" --table "$HERE/TABLE.md" --readme "$HERE/README.md" \
        --readme "$HERE/../../README.md" \
        --seconds "$(( $(date +%s) - START ))"
else
    "$PY" "$HERE/report.py" --dir "$OUT" --table "$OUT/TABLE.md" --seconds "$(( $(date +%s) - START ))"
fi
echo "total: $(( $(date +%s) - START ))s"

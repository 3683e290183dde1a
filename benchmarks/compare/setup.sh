#!/usr/bin/env bash
# Creates benchmarks/compare/.venv (gitignored): this library, editable and with its own pins
# (numpy<1.24 for MXNet 1.9.1), plus the peers Ray Tune and Optuna, pinned. The library's own
# install never pulls them in. Re-running is instant while the pins and setup.py are unchanged.
#
# Pins: the newest releases that work with numpy 1.23 on Python 3.11 (checked 2026-11-28):
#   ray[tune] 2.60.0 and optuna 5.0.0 resolve with the library's pins as they are;
#   pyarrow (imported by ray.tune) is held at 25.0.1: pyarrow 26 refuses numpy < 2 at import
#   time without declaring it, so pip would install it and `pip check` would not notice.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv"
PYTHON="${PYTHON:-python3}"
PINS=("ray[tune]==2.60.0" "optuna==5.0.0" "pyarrow==25.0.1")
STAMP="$VENV/.compare-pins"
WANT="${PINS[*]} setup.py:$(sha1sum "$ROOT/setup.py" | cut -c1-12)"

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
    echo "setup: $VENV is ready (${PINS[*]})"
    exit 0
fi
echo "setup: creating $VENV: pip install -e $ROOT ${PINS[*]} (log: $VENV/setup.log)"
"$PYTHON" -m venv "$VENV"
LOG="$VENV/setup.log"
if ! { "$VENV/bin/python" -m pip install --upgrade pip &&
       "$VENV/bin/python" -m pip install -e "$ROOT" "${PINS[@]}" &&
       "$VENV/bin/python" -m pip check; } >"$LOG" 2>&1; then
    tail -n 40 "$LOG"
    echo "setup: FAILED, see $LOG" >&2
    exit 1
fi
"$VENV/bin/python" - <<'PY'
import importlib
import ray.tune  # noqa: F401  (imports pyarrow: fails on a numpy/pyarrow mismatch)
for name in ("numpy", "mxnet", "ray", "optuna", "pyarrow", "matplotlib", "autogluon"):
    print("setup: %-10s %s" % (name, importlib.import_module(name).__version__))
PY
echo "$WANT" > "$STAMP"

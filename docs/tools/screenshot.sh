#!/usr/bin/env bash
# Build the HTML docs and take a screenshot of one page in headless Chromium, to look at how a
# rendered page really appears (the tests check the build; this is for human eyes).
#
#   bash docs/tools/screenshot.sh [page, default guides/schedulers] [out.png] [height, default 3000]
#
# Needs Chromium (Debian: apt-get install chromium) and the docs extra (pip install -e .[docs]).
set -euo pipefail
cd "$(dirname "$0")/../.."
PAGE=${1:-guides/schedulers}
OUT=${2:-docs/_build/${PAGE//\//_}.png}
HEIGHT=${3:-3000}
PYTHON=${PYTHON:-python3}
"$PYTHON" -m sphinx -W --keep-going -q -b html docs docs/_build/html
BROWSER=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$BROWSER" ]; then
    echo "no Chromium found: apt-get install chromium" >&2
    exit 2
fi
mkdir -p "$(dirname "$OUT")"
"$BROWSER" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,"$HEIGHT" \
    --screenshot="$OUT" "file://$PWD/docs/_build/html/$PAGE.html" 2>/dev/null
echo "screenshot of $PAGE.html: $OUT"

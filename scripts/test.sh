#!/usr/bin/env bash
# Quick start 2: set up and run the whole test suite.
# Toolchains the tests need (node/tsc, go, …) are installed by scripts/toolchains/*.sh, each idempotent.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bash "$repo/scripts/setup.sh"
for toolchain in "$repo"/scripts/toolchains/*.sh; do
  [ -e "$toolchain" ] && bash "$toolchain"
done
cd "$repo"
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"

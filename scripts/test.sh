#!/usr/bin/env bash
# Quick start 2: set up and run the whole test suite.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bash "$repo/scripts/setup.sh"
cd "$repo"
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"

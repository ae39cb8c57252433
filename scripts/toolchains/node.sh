#!/usr/bin/env bash
# Node toolchain for the tests: checks node >= 20 and installs the pinned TypeScript
# (scripts/toolchains/node/package-lock.json) into .toolchains/node/ with `npm ci`.
# Idempotent: does nothing when the installed lockfile matches the committed one.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
src="$repo/scripts/toolchains/node"
dest="$repo/.toolchains/node"

if ! command -v node >/dev/null 2>&1; then
  echo "node.sh: 'node' (version 20 or newer) is not on PATH; install Node.js (e.g. 'apt-get install nodejs npm') and re-run." >&2
  exit 2
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  echo "node.sh: node $(node --version) is too old; the JS runtime tests need node 20 or newer." >&2
  exit 2
fi

stamp="$dest/.installed-package-lock.json"  # written only after a successful install
if [ -x "$dest/node_modules/.bin/tsc" ] && cmp -s "$src/package-lock.json" "$stamp"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "node.sh: 'npm' is not on PATH; it installs the pinned TypeScript into .toolchains/node/." >&2
  exit 2
fi
mkdir -p "$dest"
rm -f "$stamp"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
if ! npm ci --prefix "$dest" --no-audit --no-fund --loglevel=error; then
  echo "node.sh: 'npm ci' failed in $dest" >&2
  exit 1
fi
cp "$src/package-lock.json" "$stamp"

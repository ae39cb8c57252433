#!/usr/bin/env bash
# A real npm package for tests/test_javascript.py: hashlru, pinned, which ships its own test
# (test/test.js, plain node + assert) and has no dependencies. `npm pack` fetches the
# published tarball (checked against the registry's integrity); it is unpacked into
# .toolchains/js-corpus/hashlru-2.3.0/. Idempotent: nothing to do once unpacked.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
dest="$repo/.toolchains/js-corpus"
package="hashlru"
version="2.3.0"
target="$dest/$package-$version"

if [ -f "$target/.unpacked" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "js-corpus.sh: 'npm' is not on PATH; it downloads $package@$version for the JS corpus test." >&2
  exit 2
fi
mkdir -p "$dest"
rm -rf "$target" "$dest/$package-$version.tgz"
if ! (cd "$dest" && npm pack "$package@$version" --silent --no-fund --loglevel=error >/dev/null); then
  echo "js-corpus.sh: 'npm pack $package@$version' failed" >&2
  exit 1
fi
mkdir -p "$target"
tar -xzf "$dest/$package-$version.tgz" -C "$target" --strip-components=1
if [ ! -f "$target/test/test.js" ]; then
  echo "js-corpus.sh: $package@$version's tarball has no test/test.js" >&2
  exit 1
fi
touch "$target/.unpacked"

#!/usr/bin/env bash
# Ruby for the Ruby runtime's tests (tests/runtime/test_ruby_runtime.py): Debian's ruby (3.1 on
# bookworm). Idempotent; prints nothing on success. `apt-get update` runs only when the install
# fails without it.
set -euo pipefail
command -v ruby >/dev/null 2>&1 && exit 0
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -qq ruby >/dev/null 2>&1; }
if ! install; then
  apt-get update -qq >/dev/null 2>&1 || true
  install || { echo "ruby.sh: 'apt-get install ruby' failed (root and network needed)" >&2; exit 1; }
fi
command -v ruby >/dev/null 2>&1 || { echo "ruby.sh: the ruby package is installed but no ruby binary was found" >&2; exit 1; }

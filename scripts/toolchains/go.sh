#!/usr/bin/env bash
# Go toolchain for the Go runtime's tests and bench: Debian's golang-go (Go 1.19 on bookworm),
# with its recommended gcc, which `go test -race` needs. Idempotent; prints nothing on success.
# `apt-get update` runs only when the install fails without it.
set -euo pipefail
if command -v go >/dev/null 2>&1 || [ -x /usr/lib/go/bin/go ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
install_go() { apt-get install -y -qq golang-go >/dev/null 2>&1; }
if ! install_go; then
  apt-get update -qq >/dev/null 2>&1 || true
  install_go || { echo "go.sh: 'apt-get install golang-go' failed (root and network needed)" >&2; exit 1; }
fi
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/lib/go/bin/go ]; then
  echo "go.sh: golang-go is installed but no go binary was found" >&2
  exit 1
fi

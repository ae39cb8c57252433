#!/usr/bin/env bash
# Go toolchain for the Go runtime's and the Go template's tests and bench: Debian's golang-go
# (Go 1.19 on bookworm), with its recommended gcc, which `go test -race` needs, and one real Go
# package with its tests (go-cmp, from Debian's golang-github-google-go-cmp-dev sources) for the
# corpus test. Idempotent; prints nothing on success. `apt-get update` runs only when the install
# fails without it.
set -euo pipefail
packages=()
command -v go >/dev/null 2>&1 || [ -x /usr/lib/go/bin/go ] || packages+=(golang-go)
[ -d /usr/share/gocode/src/github.com/google/go-cmp/cmp ] || packages+=(golang-github-google-go-cmp-dev)
[ ${#packages[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -qq "${packages[@]}" >/dev/null 2>&1; }
if ! install; then
  apt-get update -qq >/dev/null 2>&1 || true
  install || { echo "go.sh: 'apt-get install ${packages[*]}' failed (root and network needed)" >&2; exit 1; }
fi
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/lib/go/bin/go ]; then
  echo "go.sh: golang-go is installed but no go binary was found" >&2
  exit 1
fi

#!/usr/bin/env bash
# Java for the Java runtime's tests (tests/runtime/test_java_runtime.py): javac and java (any JDK 8+;
# the machine has OpenJDK 17), else Debian's default-jdk-headless. Idempotent; prints nothing on
# success. `apt-get update` runs only when the install fails without it.
set -euo pipefail
command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1 && exit 0
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -qq default-jdk-headless >/dev/null 2>&1; }
if ! install; then
  apt-get update -qq >/dev/null 2>&1 || true
  install || { echo "java.sh: 'apt-get install default-jdk-headless' failed (root and network needed)" >&2; exit 1; }
fi
if ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
  echo "java.sh: default-jdk-headless is installed but javac/java are not on PATH" >&2
  exit 1
fi

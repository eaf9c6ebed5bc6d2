#!/usr/bin/env bash
# Headless Chromium from Debian, for `npm run bench:report -- --check` only (never needed
# to run or test memvault). Skipped when a Chromium is already on PATH.
set -euo pipefail
say() { printf '[provision] %s\n' "$*"; }
for name in chromium chromium-browser google-chrome; do
  if command -v "$name" >/dev/null 2>&1; then say "$name present"; exit 0; fi
done
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else say "not root and no sudo: install Debian's chromium package by hand"; exit 1; fi
fi
say "apt-get update"
$SUDO apt-get update -qq
say "apt-get install chromium (Debian's package, headless use)"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
say "chromium installed: $(chromium --version 2>/dev/null || echo unknown)"

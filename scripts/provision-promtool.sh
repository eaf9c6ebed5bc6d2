#!/usr/bin/env bash
# promtool, for the alert-rule tests (`promtool check rules`, `promtool test rules`): the
# binary from Debian's package (`promtool` on Debian 13, inside `prometheus` on Debian 12), extracted into node_modules/.cache (nothing is
# installed, no service starts). Prints promtool's path. A promtool on PATH is used as is.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v promtool >/dev/null 2>&1; then command -v promtool; exit 0; fi
dest="$PWD/node_modules/.cache/memvault/promtool"
if [ -x "$dest" ]; then echo "$dest"; exit 0; fi
say() { printf '[provision] %s\n' "$*" >&2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
say "promtool: downloading Debian's promtool (Debian 13) or prometheus (Debian 12) package (only promtool is kept)"
download() { (cd "$tmp" && { apt-get download promtool >/dev/null 2>&1 || apt-get download prometheus >/dev/null 2>&1; }); }
if ! download; then
  # No package lists yet (a fresh container): refresh them when we may.
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else say "cannot download promtool (not root, no sudo): put promtool on PATH"; exit 1; fi
  fi
  $SUDO apt-get update -qq
  download || { say "apt has neither a promtool nor a prometheus package: put promtool on PATH"; exit 1; }
fi
dpkg-deb -x "$(ls "$tmp"/*.deb | head -n 1)" "$tmp/x"
mkdir -p "$(dirname "$dest")"
cp "$tmp/x/usr/bin/promtool" "$dest"
chmod 0755 "$dest"
say "promtool: $("$dest" --version 2>&1 | head -n 1)"
echo "$dest"

#!/usr/bin/env bash
# What npm ci and the tests need from the distribution besides PostgreSQL: a C++ toolchain
# (g++, make, python3) for the PKCS#11 binding (pkcs11js, built by node-gyp against the
# running Node's headers), and SoftHSM2 (softhsm2: a real PKCS#11 token in software, the
# key-encryption key's HSM in the tests). Each is skipped when present; says what it does.
set -euo pipefail

say() { printf '[provision] %s\n' "$*"; }

missing=()
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
[ -f /usr/lib/softhsm/libsofthsm2.so ] && command -v softhsm2-util >/dev/null 2>&1 || missing+=(softhsm2)
if [ "${#missing[@]}" -eq 0 ]; then
  say "build tools and SoftHSM2: present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    say "not root and no sudo: install ${missing[*]} by hand (the PKCS#11 binding's build, the tests' token)"; exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get: install ${missing[*]} by hand (docs/install.md)"; exit 1
fi
say "apt-get update"
$SUDO apt-get update -qq
say "apt-get install ${missing[*]}"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

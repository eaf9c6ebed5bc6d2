#!/usr/bin/env bash
# Installs Citus for the scale-out suite (`npm run test:citus`, `memvault db start --nodes N`).
# Never needed on a single node. In order of preference:
#   1. already installed (citus.control and citus.so for this PostgreSQL): nothing to do;
#   2. CITUS_SOURCE names a source tarball (default: ../shared/vendor/citus/citus-*.tar.gz beside the clone):
#      it is built and installed for the PostgreSQL in use (scripts/pg-major.sh; Citus 13.2
#      supports 15, 16 and 17), with the *.patch files beside it applied first: pgNN-*.patch
#      only for major NN (PostgreSQL 15.18+ needs one for 13.2.2; the folder's SOURCE.md says
#      why), any other for every major;
#   3. apt knows postgresql-<major>-citus-* (Citus's own repository configured): installed from it.
# Exits 3 when none applies, so callers can tell "cannot provision" from a failed build.
set -euo pipefail

say() { printf '[provision:citus] %s\n' "$*"; }

# shellcheck source=scripts/pg-major.sh
. "$(dirname "$0")/pg-major.sh"
pg_choose_major || exit 1
PG_CONFIG="${PG_BIN}/pg_config"
say "PostgreSQL ${PG_MAJOR} (${PG_MAJOR_WHY})"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    say "not root and no sudo: install Citus for PostgreSQL ${PG_MAJOR} by hand"; exit 3
  fi
fi

sharedir="$("$PG_CONFIG" --sharedir)"
pkglibdir="$("$PG_CONFIG" --pkglibdir)"
installed_version() { sed -n "s/^default_version *= *'\(.*\)'/\1/p" "${sharedir}/extension/citus.control" 2>/dev/null || true; }

have="$(installed_version)"
if [ -n "$have" ] && [ -f "${pkglibdir}/citus.so" ]; then
  say "Citus: present (${have})"
  exit 0
fi

apt_install() {
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The workplace's vendored copy, when this clone sits beside it (CI does).
if [ -z "${CITUS_SOURCE:-}" ]; then
  vendored="$(ls "$(dirname "$0")"/../../shared/vendor/citus/citus-*.tar.gz 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$vendored" ]; then CITUS_SOURCE="$vendored"; say "CITUS_SOURCE unset: using ${vendored}"; fi
fi

if [ -n "${CITUS_SOURCE:-}" ]; then
  src="$(readlink -f "$CITUS_SOURCE")"
  [ -f "$src" ] || { say "CITUS_SOURCE=${CITUS_SOURCE}: no such file"; exit 1; }
  say "building Citus from ${src}"
  # The build dependencies Citus's own packaging lists (SOURCE.md of the vendored tarball).
  $SUDO apt-get update -qq
  apt_install "postgresql-server-dev-${PG_MAJOR}" autoconf flex make gcc libcurl4-gnutls-dev libicu-dev libkrb5-dev \
    liblz4-dev libzstd-dev libpam0g-dev libreadline-dev libselinux1-dev libssl-dev libxslt1-dev uuid-dev
  build_dir="$(mktemp -d /tmp/memvault-citus.XXXXXX)"
  trap 'rm -rf "$build_dir"' EXIT
  tar xzf "$src" -C "$build_dir"
  tree="$(find "$build_dir" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
  for p in "$(dirname "$src")"/*.patch; do
    [ -f "$p" ] || continue
    case "$(basename "$p")" in
      pg[0-9]*-*) [ "$(basename "$p" | sed 's/^pg\([0-9]*\)-.*/\1/')" = "$PG_MAJOR" ] || { say "skipping $(basename "$p") (not for PostgreSQL ${PG_MAJOR})"; continue; } ;;
    esac
    say "patch -p1 < $(basename "$p")"
    (cd "$tree" && patch -s -p1 < "$p")
  done
  cd "$tree"
  say "configure (PG_CONFIG=${PG_CONFIG})"
  ./configure -q PG_CONFIG="$PG_CONFIG" >/dev/null
  # with_llvm=no: no JIT bitcode, about half the build time; Citus does not need it.
  say "make -j$(nproc) (about 75 s on 2 cores)"
  make -s -j"$(nproc)" with_llvm=no >/dev/null 2>"$build_dir/make.err" || { tail -n 30 "$build_dir/make.err"; exit 1; }
  say "make install"
  $SUDO make -s install with_llvm=no >/dev/null
  say "Citus: installed ($(installed_version))"
  exit 0
fi

packaged="$(apt-cache search --names-only "^postgresql-${PG_MAJOR}-citus-[0-9.]+$" 2>/dev/null | awk '{print $1}' | sort -V | tail -n 1 || true)"
if [ -n "$packaged" ]; then
  apt_install "$packaged"
  say "Citus: installed from apt ($(installed_version))"
  exit 0
fi

say "Citus is not installed, CITUS_SOURCE is not set and apt has no postgresql-${PG_MAJOR}-citus-* package."
say "Set CITUS_SOURCE to a Citus source tarball (13.2.x for PostgreSQL ${PG_MAJOR}) or add Citus's apt repository."
exit 3

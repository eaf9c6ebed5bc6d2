#!/usr/bin/env bash
# Installs what memvault needs from the distribution: a PostgreSQL server (the major the
# platform packages, or an installed one, or the one MEMVAULT_PG_MAJOR names: see
# scripts/pg-major.sh), pgvector >= 0.8.0, and curl (the README's walkthrough and the tests
# that follow it use it). pgvector comes from apt when the configured archives package it
# for this PostgreSQL (postgresql-<major>-pgvector: Debian 13, Ubuntu, the PostgreSQL
# project's apt repository); otherwise (Debian 12) it is built from Debian 13 (trixie)'s own
# source package against postgresql-server-dev-<major>. Every step is skipped when its
# result is already there, and every step says what it does.
set -euo pipefail

PGVECTOR_MIN="0.8.0"

say() { printf '[provision] %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="no-sudo"; fi
fi
need_root() {
  if [ "$SUDO" = "no-sudo" ]; then
    say "not root and no sudo: install $* by hand (PostgreSQL ${PG_MAJOR:-15+}, pgvector >= ${PGVECTOR_MIN}, curl)"; exit 1
  fi
}

apt_updated=0
apt_update() { need_root "packages"; say "apt-get update"; $SUDO apt-get update -qq; apt_updated=1; }
apt_install() {
  need_root "$*"
  if [ "$apt_updated" -eq 0 ]; then apt_update; fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# shellcheck source=scripts/pg-major.sh
. "$(dirname "$0")/pg-major.sh"
apt_update_fn=apt_update
pg_choose_major
say "PostgreSQL ${PG_MAJOR} (${PG_MAJOR_WHY}; tried: ${PG_MAJOR_TRIED})"
case " ${PG_MAJOR_TRIED} " in *" ${PG_MAJOR} "*) ;; *) say "PostgreSQL ${PG_MAJOR} has not been tried with memvault: run npm test before trusting it" ;; esac

if ! command -v curl >/dev/null 2>&1; then apt_install curl ca-certificates; fi

if [ -x "${PG_BIN}/postgres" ] && [ -x "${PG_BIN}/initdb" ]; then
  say "PostgreSQL ${PG_MAJOR} server: present (${PG_BIN})"
else
  apt_install "postgresql-${PG_MAJOR}" "postgresql-client-${PG_MAJOR}"
fi

sharedir="$("${PG_BIN}/pg_config" --sharedir 2>/dev/null || echo "/usr/share/postgresql/${PG_MAJOR}")"
pkglibdir="$("${PG_BIN}/pg_config" --pkglibdir 2>/dev/null || echo "/usr/lib/postgresql/${PG_MAJOR}/lib")"
installed_version() {
  sed -n "s/^default_version *= *'\(.*\)'/\1/p" "${sharedir}/extension/vector.control" 2>/dev/null || true
}
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

have="$(installed_version)"
if [ -z "${MEMVAULT_FORCE_PGVECTOR_BUILD:-}" ] && [ -n "$have" ] && [ -f "${pkglibdir}/vector.so" ] && version_ge "$have" "$PGVECTOR_MIN"; then
  say "pgvector: present (${have})"
  exit 0
fi

say "pgvector ${PGVECTOR_MIN}+ missing (found: '${have:-none}')"
if [ -z "${MEMVAULT_FORCE_PGVECTOR_BUILD:-}" ]; then
  if [ "$apt_updated" -eq 0 ]; then apt_update; fi
  packaged="$(apt-cache policy "postgresql-${PG_MAJOR}-pgvector" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | sed 's/^[0-9]*://; s/-.*//')"
  if [ -n "$packaged" ] && [ "$packaged" != "(none)" ] && version_ge "$packaged" "$PGVECTOR_MIN"; then
    apt_install "postgresql-${PG_MAJOR}-pgvector"
    say "pgvector: installed from apt ($(installed_version))"
    exit 0
  fi
  say "apt has no postgresql-${PG_MAJOR}-pgvector >= ${PGVECTOR_MIN} (candidate: '${packaged:-none}')"
fi
say "building pgvector from Debian trixie's source package"
src_list=/etc/apt/sources.list.d/memvault-trixie-src.sources
if [ ! -f "$src_list" ]; then
  say "adding deb-src entry for trixie (source packages only: no binary package comes from it) at ${src_list}"
  $SUDO tee "$src_list" >/dev/null <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt_updated=0
fi
apt_install "postgresql-server-dev-${PG_MAJOR}" dpkg-dev make gcc
if [ "$apt_updated" -eq 0 ]; then $SUDO apt-get update -qq; fi

build_dir="$(mktemp -d /tmp/memvault-pgvector.XXXXXX)"
chmod 755 "$build_dir" # apt's _apt user downloads into it
trap 'rm -rf "$build_dir"' EXIT
cd "$build_dir"
say "apt-get source pgvector (into ${build_dir})"
apt-get source -qq --download-only pgvector/trixie >/dev/null
# apt-get verified the files against the signed Sources index; the maintainer's own
# signature on the .dsc cannot be checked without debian-keyring, hence --no-check.
dpkg-source --no-check -x ./pgvector_*.dsc src >/dev/null
cd src
say "make (PG_CONFIG=${PG_BIN}/pg_config)"
make -s PG_CONFIG="${PG_BIN}/pg_config" >/dev/null
say "make install"
$SUDO make -s PG_CONFIG="${PG_BIN}/pg_config" install >/dev/null
say "pgvector: installed ($(installed_version))"

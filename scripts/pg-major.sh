# Sourced by the provisioning scripts: which PostgreSQL major memvault uses on this machine.
# The same rule as src/config/dbConfig.ts's pgBinDir(), so that what provisioning installs is what runs:
#   1. MEMVAULT_PG_BIN (a server's bin directory: its pg_config says the major);
#   2. MEMVAULT_PG_MAJOR (e.g. 16);
#   3. the newest server already installed under /usr/lib/postgresql;
#   4. the distribution's own major: the version of its `postgresql` meta package
#      (15 on Debian 12, 17 on Debian 13, 16 on Ubuntu 24.04).
# Sets PG_MAJOR and PG_BIN, and PG_MAJOR_WHY (how it was chosen).
PG_MAJOR_MIN=15 # security_invoker views, MERGE, the role model memvault's roles.sql assumes
PG_MAJOR_TRIED="15 17" # 16 was not obtainable here (docs/install.md, "Where it was tried")

pg_installed_majors() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && basename "$(dirname "$d")"
  done | grep -E '^[0-9]+$' | sort -n || true
}

# The distribution's default major, from apt's candidate for `postgresql` (e.g. "17+278").
pg_distribution_major() {
  apt-cache policy postgresql 2>/dev/null | sed -n 's/^ *Candidate: *\([0-9][0-9]*\)+.*/\1/p' | head -n 1
}

pg_choose_major() {
  if [ -n "${MEMVAULT_PG_BIN:-}" ]; then
    PG_BIN="${MEMVAULT_PG_BIN%/}"
    PG_MAJOR="$("$PG_BIN/pg_config" --version 2>/dev/null | sed -n 's/^PostgreSQL \([0-9][0-9]*\).*/\1/p')"
    if [ -z "$PG_MAJOR" ]; then echo "MEMVAULT_PG_BIN=${MEMVAULT_PG_BIN}: no pg_config there that says its version" >&2; return 1; fi
    PG_MAJOR_WHY="MEMVAULT_PG_BIN"
  elif [ -n "${MEMVAULT_PG_MAJOR:-}" ]; then
    PG_MAJOR="$MEMVAULT_PG_MAJOR"
    PG_MAJOR_WHY="MEMVAULT_PG_MAJOR"
  else
    PG_MAJOR="$(pg_installed_majors | tail -n 1)"
    PG_MAJOR_WHY="the newest server installed"
    if [ -z "$PG_MAJOR" ]; then
      if [ -z "$(pg_distribution_major)" ] && [ -n "${apt_update_fn:-}" ]; then "$apt_update_fn"; fi
      PG_MAJOR="$(pg_distribution_major)"
      PG_MAJOR_WHY="the distribution's PostgreSQL"
    fi
    if [ -z "$PG_MAJOR" ]; then
      echo "no PostgreSQL server installed and apt offers none: install PostgreSQL ${PG_MAJOR_MIN} or later with pgvector, then set MEMVAULT_PG_BIN to its bin directory" >&2
      return 1
    fi
  fi
  if ! [[ "$PG_MAJOR" =~ ^[0-9]+$ ]] || [ "$PG_MAJOR" -lt "$PG_MAJOR_MIN" ]; then
    echo "${PG_MAJOR_WHY}: PostgreSQL '${PG_MAJOR}' is not supported: memvault needs ${PG_MAJOR_MIN} or later" >&2
    return 1
  fi
  PG_BIN="${PG_BIN:-/usr/lib/postgresql/${PG_MAJOR}/bin}"
}

#!/usr/bin/env bash
# What `npm start` and `npm test` run first: installs whatever is missing, says what it
# did, and is quick when nothing is. npm dependencies (which bring Node 24) come from the
# lockfile; PostgreSQL 15 and pgvector come from Debian (scripts/provision-postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[provision] %s\n' "$*"; }

stamp=node_modules/.package-lock.json
if [ ! -x node_modules/.bin/node ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  say "npm ci (dependencies from package-lock.json, including Node 24 as node_modules/.bin/node)"
  npm ci --no-audit --no-fund --loglevel=error
else
  say "npm dependencies: present"
fi
say "node for npm scripts: $(node_modules/.bin/node --version)"

bash scripts/provision-postgres.sh

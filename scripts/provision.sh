#!/usr/bin/env bash
# What `npm start` and `npm test` run first: installs whatever is missing, says what it
# did, and is quick when nothing is. The build tools for the PKCS#11 binding and SoftHSM2
# come from the distribution first (scripts/provision-system.sh); npm dependencies (which
# bring Node 24) from the lockfile; PostgreSQL and pgvector from the distribution
# (scripts/provision-postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[provision] %s\n' "$*"; }

bash scripts/provision-system.sh

# npm skips optional native packages whose `engines` exclude the Node running it (npm 9
# under Debian's Node 18 drops rolldown's binding, which vitest needs), so dependencies are
# installed by an npm running under Node >= 22.12: the system's if it is new enough,
# otherwise the project's own Node (the `node` package at the lockfile's version, fetched
# alone into a temporary folder first). The stamp records which Node did it.
stamp=node_modules/.memvault-installed
node_ok() { "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)' 2>/dev/null; }
if [ ! -x node_modules/.bin/node ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  if ! command -v npm >/dev/null 2>&1; then say "npm not found: install Node.js and npm (any version from 18 on)"; exit 1; fi
  if node_ok node; then
    say "npm ci under the system's Node $(node --version) (dependencies from package-lock.json, Node 24 as node_modules/.bin/node)"
    npm ci --no-audit --no-fund
  else
    locked="$(sed -n '/"node_modules\/node": {/,/}/s/^ *"version": "\(.*\)",*$/\1/p' package-lock.json | head -n 1)"
    say "the system's Node $(node --version 2>/dev/null || echo none) is older than 22.12: fetching node@${locked} alone, then npm ci under it"
    node24="$(mktemp -d /tmp/memvault-node.XXXXXX)"
    npm install --prefix "$node24" --no-save --no-package-lock --no-audit --no-fund "node@${locked}" >/dev/null
    # node-gyp builds the PKCS#11 binding against this Node's own headers (the package
    # ships them), not headers it would download from nodejs.org.
    headers="$(find "$node24" -path '*/include/node/node_api.h' -print -quit)"
    if [ -n "$headers" ]; then export npm_config_nodedir="${headers%/include/node/node_api.h}"; fi
    PATH="$(dirname "$(readlink -f "$node24/node_modules/.bin/node")"):$PATH" npm ci --no-audit --no-fund
    rm -rf "$node24"
  fi
  if [ ! -f node_modules/pkcs11js/build/Release/pkcs11.node ]; then
    say "the PKCS#11 binding (pkcs11js) was not built by npm ci: see its output above (a C++ toolchain is needed)"; exit 1
  fi
  echo "npm ci under Node $(node_modules/.bin/node --version)" > "$stamp"
else
  say "npm dependencies: present"
fi
say "node for npm scripts: $(node_modules/.bin/node --version)"

bash scripts/provision-postgres.sh

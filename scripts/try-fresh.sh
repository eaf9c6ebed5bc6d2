#!/usr/bin/env bash
# Tries memvault as a new user would, on a fresh Debian: a debootstrap root filesystem
# (made once, then cached), this repository's committed HEAD cloned into /root/memvault,
# git, nodejs and npm from the distribution and nothing else, then the README's two
# commands verbatim as root: `npm start` (until /healthz answers), then `npm test` beside
# it. Prints each step's time and npm test's closing line. Slow (minutes): not part of CI.
#
#   scripts/try-fresh.sh bookworm|trixie [--keep]
#
# --keep leaves the root filesystem (and npm start's cluster stopped) for a look inside:
#   chroot "$MEMVAULT_FRESH_CACHE/<suite>.run" ...
# Needs root and debootstrap (apt-get install debootstrap). Only this machine's network
# trust is copied in (its CA bundle and npm's cafile setting), so that the registry it
# reaches through a TLS-inspecting proxy is trusted inside too.
set -euo pipefail

suite="${1:-}"
keep="${2:-}"
case "$suite" in bookworm|trixie) ;; *) echo "usage: scripts/try-fresh.sh bookworm|trixie [--keep]" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "try-fresh: needs root (debootstrap, chroot, mounts)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "try-fresh: apt-get install debootstrap first" >&2; exit 2; }

repo="$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)"
cache="${MEMVAULT_FRESH_CACHE:-/var/cache/memvault-fresh}"
base="$cache/$suite.base"
run="$cache/$suite.run"
port="${MEMVAULT_FRESH_API_PORT:-4000}"
mkdir -p "$cache"

say() { printf '[try-fresh %s] %s\n' "$suite" "$*"; }
clock() { date +%s; }
took() { echo "$(( $(clock) - $1 )) s"; }

if [ ! -d "$base" ]; then
  say "debootstrap $suite (once; about 7 minutes) into $base"
  rm -rf "$base.partial"
  debootstrap "$suite" "$base.partial" http://deb.debian.org/debian > "$cache/$suite.debootstrap.log" 2>&1 \
    || { tail -n 20 "$cache/$suite.debootstrap.log"; exit 1; }
  mv "$base.partial" "$base"
fi

# Every process whose root is the run directory (npm start's cluster, a worker, postgres
# started by the package's own scripts) is ended before the mounts go.
chroot_pids() { for p in /proc/[0-9]*; do [ "$(readlink "$p/root" 2>/dev/null)" = "$run" ] && basename "$p"; done; true; }
cleanup() {
  local pids
  pids="$(chroot_pids)"; [ -z "$pids" ] || kill $pids 2>/dev/null || true
  sleep 2
  pids="$(chroot_pids)"; [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
  umount -R "$run/dev" "$run/proc" "$run/sys" 2>/dev/null || true
  if [ "$keep" != "--keep" ]; then rm -rf "$run"; fi
}
umount -R "$run/dev" "$run/proc" "$run/sys" 2>/dev/null || true
rm -rf "$run"
say "fresh copy of the $suite base"
cp -a "$base" "$run"
trap cleanup EXIT
mount -t proc proc "$run/proc"
mount --rbind /sys "$run/sys" && mount --make-rslave "$run/sys"
mount --rbind /dev "$run/dev" && mount --make-rslave "$run/dev"
cp /etc/resolv.conf "$run/etc/resolv.conf"

# This machine's network trust, nothing else.
trust=/etc/ssl/certs/ca-certificates.crt
cp "$trust" "$run/etc/memvault-host-trust.pem"
printf 'cafile=/etc/memvault-host-trust.pem\n' > "$run/root/.npmrc"

in_root() {
  chroot "$run" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_EXTRA_CA_CERTS=/etc/memvault-host-trust.pem GIT_SSL_CAINFO=/etc/memvault-host-trust.pem \
    /bin/bash -c "$1"
}

t=$(clock)
say "apt-get install git nodejs npm"
in_root "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git nodejs npm >/dev/null" \
  > "$cache/$suite.apt.log" 2>&1 || { tail -n 20 "$cache/$suite.apt.log"; exit 1; }
say "  $(in_root 'echo "node $(node --version), npm $(npm --version), $(. /etc/os-release; echo "$PRETTY_NAME")"') ($(took "$t"))"

say "git clone of $(git -C "$repo" rev-parse --short HEAD) into /root/memvault"
git clone -q --no-hardlinks "$repo" "$run/root/memvault"
chmod 700 "$run/root"

t=$(clock)
say "npm start (log: $run/root/start.log)"
in_root "cd /root/memvault && exec setsid npm start > /root/start.log 2>&1" &
healthy=""
for _ in $(seq 1 900); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null \
     && in_root "curl -fsS http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then healthy=1; break; fi
  if ! kill -0 $! 2>/dev/null; then break; fi
  sleep 2
done
if [ -z "$healthy" ]; then
  say "npm start: NOT healthy after $(took "$t")"; tail -n 40 "$run/root/start.log"; exit 1
fi
start_time="$(took "$t")"
say "npm start: /healthz answered after $start_time"

t=$(clock)
say "npm test (log: $cache/$suite.test.log)"
status=0
in_root "cd /root/memvault && npm test" > "$cache/$suite.test.log" 2>&1 || status=$?
test_time="$(took "$t")"
closing="$(grep -E '^tests: [0-9]+ passed, [0-9]+ failed' "$cache/$suite.test.log" | tail -n 1 || true)"
say "npm test: exit $status after $test_time: ${closing:-no closing line}"
if [ "$status" -ne 0 ]; then grep -E 'FAIL|×|Error' "$cache/$suite.test.log" | head -n 40; fi
say "summary: $(in_root '. /etc/os-release; echo "$PRETTY_NAME"'), PostgreSQL $(in_root 'ls /usr/lib/postgresql'), npm start $start_time, npm test $test_time, ${closing:-no closing line}"
exit "$status"

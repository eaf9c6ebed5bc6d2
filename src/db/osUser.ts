// initdb and postgres refuse to run as root. When memvault runs as root it runs the
// server as an unprivileged OS user: Debian's `postgres` when present, else a system
// user it creates for the purpose.
import { spawnSync } from "node:child_process";

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

const FALLBACK_USER = "memvault-pg";

function lookup(name: string): OsUser | undefined {
  const res = spawnSync("getent", ["passwd", name], { encoding: "utf8" });
  if (res.status !== 0) return undefined;
  const [, , uid, gid] = res.stdout.trim().split(":");
  return { name, uid: Number(uid), gid: Number(gid) };
}

/** The OS user the server runs as; undefined means "as the current user". */
export function serverOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = lookup("postgres") ?? lookup(FALLBACK_USER);
  if (existing) return existing;
  const made = spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_USER], {
    encoding: "utf8",
  });
  if (made.status !== 0) throw new Error(`could not create OS user ${FALLBACK_USER}: ${made.stderr.trim()}`);
  const created = lookup(FALLBACK_USER);
  if (!created) throw new Error(`OS user ${FALLBACK_USER} missing after useradd`);
  return created;
}

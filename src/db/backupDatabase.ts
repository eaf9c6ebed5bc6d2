// `memvault deploy` backups: pg_dump's custom format, as a superuser (RLS hides every row
// from any other role, so an ordinary dump would be empty), 0600 in MEMVAULT_BACKUP_DIR,
// with a manifest naming the database and the migration it was taken at. Uncompressed:
// sealed columns are random bytes, and zlib spent most of the dump's time not shrinking them.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { DeployError } from "./deployError.ts";
import { countMemvaultRows } from "./deploySnapshot.ts";
import { libpqConnection } from "./libpqConnection.ts";

export interface BackupManifest {
  file: string;
  database: string;
  /** The newest migration applied when it was taken. */
  head: number;
  createdAt: string;
  seconds: number;
  bytes: number;
  /** Exact row counts per memvault table in the dump's own snapshot: what a restore must give back. */
  rows?: Record<string, number>;
}

/**
 * The row counts the manifest promises come from the dump's own snapshot: a read-only
 * repeatable-read transaction exports its snapshot, counts every memvault table in it, and
 * pg_dump reads that same snapshot (--snapshot). Counted apart, writes in between (live
 * traffic) made a correct restore fail its own row-count check.
 */
export async function backupDatabase(opts: { pgBin: string; superuserUrl: string; dir: string; head: number }): Promise<BackupManifest> {
  const { dbname, env } = libpqConnection(opts.superuserUrl);
  const database = new URL(opts.superuserUrl).pathname.slice(1);
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const file = createBackupFile(opts.dir, database, opts.head);
  const started = performance.now();
  const client = new pg.Client({ connectionString: opts.superuserUrl, application_name: "memvault deploy backup" });
  await client.connect();
  try {
    await client.query("begin isolation level repeatable read read only");
    const snapshot = (await client.query<{ s: string }>("select pg_catalog.pg_export_snapshot() as s")).rows[0]!.s;
    const rows = await countMemvaultRows(client);
    const res = await runPgDump(path.join(opts.pgBin, "pg_dump"), ["--format=custom", "--compress=0", "--no-password", `--snapshot=${snapshot}`, "--file", file, "--dbname", dbname], env);
    if (res.status !== 0) throw new DeployError("BACKUP_FAILED", `pg_dump failed: ${res.stderr.trim().split("\n").at(-1)}`);
    const manifest: BackupManifest = { file, database, head: opts.head, createdAt: new Date().toISOString(), seconds: (performance.now() - started) / 1000, bytes: fs.statSync(file).size, rows };
    fs.writeFileSync(`${file}.json`, JSON.stringify(manifest, null, 2) + "\n", { mode: 0o600 });
    return manifest;
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  } finally {
    await client.query("rollback").catch(() => undefined);
    await client.end();
  }
}

/** pg_dump as a child process (the exporting transaction stays open on this one's event loop meanwhile). */
function runPgDump(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stderr }));
  });
}

/**
 * A new, empty 0600 file for the dump, named by database, time (to the millisecond) and
 * migration. Created before pg_dump writes a byte (it keeps an existing file's mode): the dump
 * holds the plaintext embeddings and is never readable by others, not even while written.
 * Never an existing file: two deploys in one millisecond get a numbered second name.
 */
function createBackupFile(dir: string, database: string, head: number): string {
  const stamp = new Date().toISOString().replace(/[-:.]/g, "");
  for (let n = 1; ; n++) {
    const file = path.join(dir, `${database}-${stamp}${n > 1 ? `-${n}` : ""}-m${String(head).padStart(6, "0")}.dump`);
    try {
      fs.closeSync(fs.openSync(file, "wx", 0o600));
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || n >= 100) throw err;
    }
  }
}

/** Backups of this database in dir, newest first. */
export function listBackups(dir: string, database: string): BackupManifest[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".dump.json"))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as BackupManifest)
    .filter((m) => m.database === database && fs.existsSync(m.file))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

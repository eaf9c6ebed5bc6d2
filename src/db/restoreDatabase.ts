// The last resort of `memvault deploy rollback --from-backup`: pg_restore the backup with
// parallel jobs into a new database, then swap it in by renaming (the replaced database
// is kept, renamed, until an operator drops it), so a failed restore changes nothing.
// The ANN indexes are rebuilt from scratch, which is most of the time it takes.
import { spawnSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { DeployError } from "./deployError.ts";
import { libpqConnection } from "./libpqConnection.ts";
import { applySuperuserSetup, type MigrationTarget } from "./migrateDatabase.ts";
import { retireKeyVersions } from "../sql/retireKeyVersions.ts";

async function retireInRestored(url: string, keyringVersions: readonly number[]): Promise<{ versions: number[]; added: number }> {
  const client = new pg.Client({ connectionString: url, application_name: "memvault deploy restore" });
  await client.connect();
  try {
    // A backup taken before 000007 has no seal counts to correct.
    if ((await client.query("select pg_catalog.to_regclass('memvault.key_seal_reservations') is null as none")).rows[0].none) return { versions: [], added: 0 };
    return await retireKeyVersions(client, keyringVersions);
  } finally {
    await client.end();
  }
}

const withDatabase = (url: string, database: string) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

/** Returns the name the replaced database was given (undefined when there was none). */
export async function restoreDatabase(opts: {
  pgBin: string;
  target: MigrationTarget;
  superuserUrl: string;
  file: string;
  jobs: number;
  /** The keyring's versions (those created after the backup are retired too). */
  keyringVersions: readonly number[];
}): Promise<{ replacedBy?: string; retired: number[]; reservationsAdded: number }> {
  const database = new URL(opts.superuserUrl).pathname.slice(1);
  const staging = `${database.slice(0, 50)}_restore`;
  const replaced = `${database.slice(0, 40)}_replaced_${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}`;
  const root = new pg.Client({ connectionString: opts.target.rootUrl, application_name: "memvault deploy restore" });
  await root.connect();
  try {
    const q = (s: string) => root.escapeIdentifier(s);
    await root.query(`drop database if exists ${q(staging)} with (force)`);
    await root.query(`create database ${q(staging)} owner memvault_owner`);
    const { dbname, env } = libpqConnection(withDatabase(opts.superuserUrl, staging));
    // pgvector < 0.8.2 (CVE-2026-3172): the HNSW index is rebuilt without parallel workers.
    const restoreEnv = { ...env, PGOPTIONS: `${env.PGOPTIONS ?? ""} -c max_parallel_maintenance_workers=0`.trim() };
    const res = spawnSync(path.join(opts.pgBin, "pg_restore"), ["--no-password", `--jobs=${opts.jobs}`, "--exit-on-error", "--dbname", dbname, opts.file], { env: restoreEnv, encoding: "utf8" });
    if (res.status !== 0) {
      await root.query(`drop database if exists ${q(staging)} with (force)`);
      throw new DeployError("RESTORE_FAILED", `pg_restore failed, ${database} left as it was: ${res.stderr.trim().split("\n").slice(-2).join(" ")}`);
    }
    // Before anyone can seal in it: the restored seal counts are the backup's, behind what the
    // keys really sealed since, so every known key version is retired until a rotation.
    const { versions: retired, added: reservationsAdded } = await retireInRestored(withDatabase(opts.superuserUrl, staging), opts.keyringVersions);
    const exists = (await root.query("select 1 from pg_catalog.pg_database where datname = $1::text", [database])).rowCount === 1;
    if (exists) {
      // Renaming needs the database to itself: its sessions (API, workers) are ended and reconnect.
      await root.query("select pg_catalog.pg_terminate_backend(pid) from pg_catalog.pg_stat_activity where datname = $1::text and pid <> pg_catalog.pg_backend_pid()", [database]);
      await root.query(`alter database ${q(database)} rename to ${q(replaced)}`);
    }
    await root.query(`alter database ${q(staging)} rename to ${q(database)}`);
    // Database-level privileges are not in a database's dump: memvault's are re-applied.
    await applySuperuserSetup(opts.target);
    if (exists) await root.query(`alter database ${q(replaced)} with allow_connections false`);
    return exists ? { replacedBy: replaced, retired, reservationsAdded } : { retired, reservationsAdded };
  } finally {
    await root.end();
  }
}

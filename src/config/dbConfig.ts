// The database: its connections (one per role), the local cluster's place and PostgreSQL,
// the schema's parameters (baked in by migrations) and deploys' backups.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "./configError.ts";
import { homeDir } from "./processConfig.ts";
import { filePath, int, optionalInt, optionalPath, postgresUrl, readSettings, text, type Env } from "./settings.ts";

const PG_ROOT = "/usr/lib/postgresql";

export const DB_SETTINGS = {
  DATABASE_URL: postgresUrl("The schema owner's connection (migrations only). Unset: the local cluster under MEMVAULT_HOME."),
  ROOT_DATABASE_URL: postgresUrl("A superuser connection to a maintenance database (roles, the extension, create database)."),
  SHADOW_DATABASE_URL: postgresUrl("graphile-migrate's shadow database, used by `graphile-migrate commit`."),
  OPERATOR_DATABASE_URL: postgresUrl("memvault_operator's (or a superuser's) connection, for `memvault rollout`. Unset: the local cluster's operator login."),
  WORKER_DATABASE_URL: postgresUrl("memvault_worker's connection. Unset: the local cluster's worker login."),
  AUTHENTICATOR_DATABASE_URL: postgresUrl("memvault_authenticator's connection (the API). Unset: the local cluster's."),
  MEMVAULT_DB_NAME: text("The local cluster's application database.", "memvault", (v) => (/^[a-z_][a-z0-9_]{0,62}$/.test(v) ? undefined : "must be a lowercase SQL identifier")),
  MEMVAULT_PG_BIN: optionalPath("PostgreSQL server binaries. Else MEMVAULT_PG_MAJOR, else the newest server under /usr/lib/postgresql (scripts/pg-major.sh's rule)."),
  MEMVAULT_PG_MAJOR: optionalInt("The PostgreSQL major to run (/usr/lib/postgresql/N/bin).", 15, 99),
  EMBEDDING_DIM: int("Vector dimension, baked into the schema by migrations (HNSW allows up to 2000).", 384, 1, 2000),
  INGEST_MAX_TEXT_BYTES: int("chunk_ingest's CHECK on a memory's text, baked in when the ingest migration runs.", 65_536, 1, 1_048_576),
  INGEST_MAX_META_BYTES: int("Likewise for meta (jsonb as text).", 16_384, 2, 1_048_576),
  MEMVAULT_BACKUP_DIR: filePath("Where `memvault deploy` writes and finds backups.", (env) => path.join(homeDir(env), "backups"), "MEMVAULT_HOME/backups"),
  DEPLOY_BACKUP_MAX_AGE_HOURS: int("`deploy check` fails without a backup this fresh.", 24, 1, 24 * 365),
  DEPLOY_RESTORE_JOBS: int("pg_restore --jobs for `deploy rollback --from-backup`.", () => Math.min(8, os.availableParallelism()), 1, 64, "the cores, at most 8"),
};

export const readDbConfig = (env: Env = process.env) => readSettings(DB_SETTINGS, env);

/** Majors under /usr/lib/postgresql with a server (postgres and initdb), oldest first. */
function installedPgMajors(): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(PG_ROOT);
  } catch {
    return [];
  }
  const isServer = (major: string) => ["postgres", "initdb"].every((b) => fs.existsSync(path.join(PG_ROOT, major, "bin", b)));
  return entries.filter((e) => /^\d+$/.test(e) && isServer(e)).map(Number).sort((a, b) => a - b);
}

/** The PostgreSQL server binaries to run: MEMVAULT_PG_BIN, MEMVAULT_PG_MAJOR, else the newest installed. */
export function pgBinDir(env: Env = process.env): string {
  const db = readDbConfig(env);
  if (db.MEMVAULT_PG_BIN !== undefined) return db.MEMVAULT_PG_BIN;
  if (db.MEMVAULT_PG_MAJOR !== undefined) return path.join(PG_ROOT, String(db.MEMVAULT_PG_MAJOR), "bin");
  const newest = installedPgMajors().at(-1);
  if (newest === undefined) {
    throw new ConfigError("MEMVAULT_PG_BIN", `is not set and no PostgreSQL server is installed under ${PG_ROOT}: run \`npm run provision\`, or set it to a server's bin directory`);
  }
  return path.join(PG_ROOT, String(newest), "bin");
}

/** The development keyring and JWT secret `npm start` creates on the local cluster. */
export const localKeyringFile = (env: Env = process.env) => path.join(homeDir(env), "keyring.json");
export const localJwtSecretFile = (env: Env = process.env) => path.join(homeDir(env), "jwt-secret");

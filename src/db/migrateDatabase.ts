// Brings a database to the committed schema with graphile-migrate: the superuser-only
// set-up first (roles, extension, database privileges), then the migrations as the owner.
import fs from "node:fs";
import path from "node:path";
import JSON5 from "json5";
import { migrate, run, type Settings } from "graphile-migrate";
import { Logger, runMigrations as installWorkerSchema } from "graphile-worker";
// graphile-migrate keeps its pools alive for a while after each command; a CLI that
// wants to exit, or a test that clones the database as a template, must close them.
import { clearAllPools } from "graphile-migrate/dist/pgReal.js";
import pg from "pg";
import { readDbConfig } from "../config/dbConfig.ts";
import { retireUncountedKeyVersions } from "../sql/retireUncountedKeyVersions.ts";
import { withAppSuperuser } from "./appSuperuser.ts";

import { PROJECT_ROOT } from "../projectRoot.ts";
const MIGRATIONS = path.join(PROJECT_ROOT, "migrations");

export interface MigrationTarget {
  /** Superuser, connected to a maintenance database (not the application database). */
  rootUrl: string;
  /** The schema owner, connected to the application database. */
  ownerUrl: string;
  shadowUrl?: string;
  embeddingDim: number;
}



export function migrateSettings(target: MigrationTarget): Settings {
  const db = readDbConfig();
  const gmrc = JSON5.parse(fs.readFileSync(path.join(PROJECT_ROOT, ".gmrc"), "utf8")) as Settings;
  return {
    ...gmrc,
    connectionString: target.ownerUrl,
    rootConnectionString: target.rootUrl,
    ...(target.shadowUrl ? { shadowConnectionString: target.shadowUrl } : {}),
    migrationsFolder: MIGRATIONS,
    placeholders: {
      ...gmrc.placeholders,
      ":EMBEDDING_DIM": String(target.embeddingDim),
      ":INGEST_MAX_TEXT_BYTES": String(db.INGEST_MAX_TEXT_BYTES),
      ":INGEST_MAX_META_BYTES": String(db.INGEST_MAX_META_BYTES),
    },
  };
}

/** Whether the database keeps seal counts yet (000007's key_seal_reservations). */
const sealCountsExist = (target: MigrationTarget) =>
  withAppSuperuser(target, "memvault migrate", async (c) => (await c.query<{ t: string | null }>("select pg_catalog.to_regclass('memvault.key_seal_reservations')::text as t")).rows[0]!.t !== null);

/**
 * The seal counts were just created (a first upgrade past 000007, or 000007 again after a
 * rollback below it) over chunks already sealed: those versions' counts are unknown, and
 * retired until the keyring is rotated (src/sql/retireKeyVersions.ts).
 */
async function retireUncounted(target: MigrationTarget, log: (line: string) => void): Promise<void> {
  if (!(await sealCountsExist(target))) return;
  const retired = await withAppSuperuser(target, "memvault migrate", retireUncountedKeyVersions);
  if (retired.length) log(`key versions ${retired.join(", ")} sealed chunks this database kept no seal count of: retired (SEAL_KEY_EXHAUSTED) until the keyring is rotated (memvault keys rotate)`);
}

async function databaseExists(rootUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: rootUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_catalog.pg_database where datname = $1::text", [name]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

// graphile-worker logs every migration step at info; memvault reports its own steps.
const quietWorkerLogger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") process.stderr.write(`[graphile-worker] ${message}\n`);
});

const readMigrationFile = (name: string) => fs.readFileSync(path.join(MIGRATIONS, name), "utf8");

/**
 * migrations/afterReset.sql as the superuser on the application database. Needed on its
 * own for a database cloned from a template: CREATE DATABASE does not copy the
 * database's privileges.
 */
export async function applySuperuserSetup(target: MigrationTarget): Promise<void> {
  try {
    await run(migrateSettings(target), readMigrationFile("afterReset.sql"), "afterReset.sql", { root: true });
  } finally {
    clearAllPools();
  }
}

/** graphile-worker's own schema, as the owner; a no-op when it is current. */
export async function installJobQueue(ownerUrl: string): Promise<void> {
  await installWorkerSchema({ connectionString: ownerUrl, logger: quietWorkerLogger });
}

/**
 * Superuser set-up (roles, database, extension, privileges), graphile-worker's schema,
 * then memvault's pending migrations as the owner. Every step is idempotent.
 */
export async function migrateDatabase(target: MigrationTarget, log: (line: string) => void = () => {}): Promise<void> {
  const settings = migrateSettings(target);
  const dbName = new URL(target.ownerUrl).pathname.slice(1);
  try {
    log("roles: ensuring memvault roles (migrations/roles.sql)");
    await run(settings, readMigrationFile("roles.sql"), "roles.sql", { rootDatabase: true });
    if (!(await databaseExists(target.rootUrl, dbName))) {
      log(`database ${dbName}: creating`);
      await run(settings, `create database ${pg.escapeIdentifier(dbName)} owner memvault_owner`, "create-database.sql", { rootDatabase: true });
    }
    log(`database ${dbName}: superuser set-up (migrations/afterReset.sql)`);
    await run(settings, readMigrationFile("afterReset.sql"), "afterReset.sql", { root: true });
    log(`database ${dbName}: job queue schema (graphile-worker)`);
    await installJobQueue(target.ownerUrl);
    log(`database ${dbName}: applying pending migrations`);
    const counted = await sealCountsExist(target);
    await migrate(settings, false);
    if (!counted) await retireUncounted(target, log);
  } finally {
    clearAllPools();
  }
}

// A fresh copy of the migrated template per test file, dropped when the file is done.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { clusterUrl, roleUrl, SUPERUSER } from "../../src/db/localCluster.ts";
import type { RoleKey } from "../../src/db/roles.ts";
import { readDbConfig } from "../../src/config/dbConfig.ts";
import { applySuperuserSetup } from "../../src/db/migrateDatabase.ts";
import { createPool } from "../../src/db/createPool.ts";
import { track, untrack } from "./openResources.ts";

// A connection that fails mid-test is printed by its code and message, never as a client
// object (which holds the connection's password).
const testLogger = { error: (fields: { code?: string }, message: string) => process.stderr.write(`[test db] ${message} (${fields.code})\n`) } as never;

export interface TestDatabase {
  name: string;
  url(role: RoleKey | "root"): string;
  /** A tracked pool; close it with pool.end() (tracked pools untrack themselves). */
  pool(role?: RoleKey | "root"): pg.Pool;
  drop(): Promise<void>;
}

async function asRoot<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: clusterUrl(inject("cluster"), SUPERUSER, "postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** An empty database (no migrations, no job queue): for tests that migrate it themselves. */
export async function createEmptyTestDatabase(): Promise<TestDatabase> {
  return createTestDatabase({ empty: true });
}

export async function createTestDatabase(opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const cluster = inject("cluster");
  const template = opts.empty ? "template0" : inject("templateDatabase");
  if (inject("sharedDatabase") && !opts.empty) return databaseHandle(template, async () => {});
  const name = `t_${randomBytes(6).toString("hex")}`;
  await asRoot(async (c) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await c.query(`create database ${c.escapeIdentifier(name)} template ${c.escapeIdentifier(template)} owner memvault_owner`);
        return;
      } catch (err) {
        // 55006: the template still has a connection (another file is cloning it right now).
        if ((err as { code?: string }).code !== "55006" || attempt === 50) throw err;
        // A retry's pause: the other file's clone holds the template for a moment, and
        // nothing this process can watch says when it lets go.
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  await applySuperuserSetup({ rootUrl: roleUrl(cluster, "root", "postgres"), ownerUrl: roleUrl(cluster, "owner", name), embeddingDim: readDbConfig().EMBEDDING_DIM });
  return databaseHandle(name, () => asRoot((c) => c.query(`drop database if exists ${c.escapeIdentifier(name)} with (force)`)).then(() => {}));
}

function databaseHandle(name: string, drop: () => Promise<void>): TestDatabase {
  const cluster = inject("cluster");
  const db: TestDatabase = {
    name,
    url: (role) => roleUrl(cluster, role, name),
    pool(role = "root") {
      const pool = createPool({ connectionString: db.url(role), max: 4 }, testLogger, `test pool (${role})`);
      const resource = track({ label: `pg pool (${role}) on ${name}`, close: () => pool.end() });
      const end = pool.end.bind(pool);
      pool.end = (async () => {
        untrack(resource);
        await end();
      }) as typeof pool.end;
      return pool;
    },
    drop,
  };
  return db;
}

/** This file's own database and a superuser pool on it, made before its tests and dropped after. */
export function useTestDatabase(): { db: TestDatabase; pool: pg.Pool } {
  const fx = {} as { db: TestDatabase; pool: pg.Pool };
  beforeAll(async () => {
    fx.db = await createTestDatabase();
    fx.pool = fx.db.pool();
  });
  afterAll(async () => {
    await fx.pool.end();
    await fx.db.drop();
  });
  return fx;
}

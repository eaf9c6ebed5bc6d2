// Reverse migrations: graphile-migrate only rolls forward, so every committed migration
// ships migrations/reverse/<same name>.sql, which takes the schema back to what it was
// before it (keeping data wherever the earlier schema can hold it). Rolling back applies
// them newest first, each in one transaction with graphile-migrate's own record of the
// migration removed, so that `memvault db migrate` applies it again later.
import fs from "node:fs";
import path from "node:path";
import { compilePlaceholders } from "graphile-migrate/dist/migration.js";
import { parseSettings } from "graphile-migrate/dist/settings.js";
import type pg from "pg";
import { migrateSettings, type MigrationTarget } from "./migrateDatabase.ts";
import { PROJECT_ROOT } from "../projectRoot.ts";
import { reverseSql } from "./reverseSql.ts";

const COMMITTED_DIR = path.join(PROJECT_ROOT, "migrations", "committed");
export const REVERSE_DIR = path.join(PROJECT_ROOT, "migrations", "reverse");

export interface CommittedMigration {
  number: number;
  /** The file name, e.g. 000008-reranker-rollouts-….sql */
  name: string;
  /** migrations/reverse/<name>, when it exists. */
  reverseFile?: string;
}

export function committedMigrations(): CommittedMigration[] {
  return fs
    .readdirSync(COMMITTED_DIR)
    .filter((f) => /^\d{6}.*\.sql$/.test(f))
    .sort()
    .map((name) => {
      const reverseFile = path.join(REVERSE_DIR, name);
      return { number: Number(name.slice(0, 6)), name, ...(fs.existsSync(reverseFile) ? { reverseFile } : {}) };
    });
}

/**
 * The memvault indexes the reverses of these migrations drop on purpose (their
 * `drop index … memvault.<name>` statements): a rollback's verify does not count them as lost.
 */
export function indexesDroppedByReverses(names: string[]): string[] {
  return committedMigrations()
    .filter((m) => names.includes(m.name) && m.reverseFile)
    .flatMap((m) => [...fs.readFileSync(m.reverseFile!, "utf8").matchAll(/drop index (?:if exists )?memvault\.(\w+)/gi)].map((x) => x[1]!));
}

/**
 * The memvault indexes these migrations themselves drop (e.g. 000022: an index made
 * unnecessary): an apply's validation does not count them as lost.
 */
export function indexesDroppedByMigrations(names: string[]): string[] {
  return names.flatMap((name) => [...fs.readFileSync(path.join(COMMITTED_DIR, name), "utf8").matchAll(/drop index (?:if exists )?memvault\.(\w+)/gi)].map((x) => x[1]!));
}

/** Numbers of the migrations graphile-migrate has recorded as applied (it records "000008.sql"). */
export async function appliedMigrationNumbers(client: pg.ClientBase): Promise<number[]> {
  const exists = await client.query("select to_regclass('graphile_migrate.migrations') is not null as present");
  if (!exists.rows[0].present) return [];
  const { rows } = await client.query<{ filename: string }>("select filename from graphile_migrate.migrations order by filename");
  return rows.map((r) => Number(r.filename.slice(0, 6)));
}

/** graphile-migrate's own placeholder substitution (`:EMBEDDING_DIM`, `:DATABASE_NAME`, …), as its migrate applies it. */
export async function placeholderReplacer(target: MigrationTarget): Promise<(sql: string) => string> {
  const parsed = await parseSettings(migrateSettings(target));
  return (sql) => compilePlaceholders(parsed, sql);
}

/** Applies one reverse migration and forgets the migration, in one transaction (as the owner). */
export async function applyReverse(client: pg.ClientBase, m: CommittedMigration, replace: (sql: string) => string): Promise<void> {
  const sql = replace(reverseSql(m));
  await client.query("begin");
  try {
    await client.query(sql);
    await client.query("delete from graphile_migrate.migrations where filename = $1::text", [`${String(m.number).padStart(6, "0")}.sql`]);
    await client.query("commit");
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  }
}

// The committed schema dump (migrations/schema.sql): what the migrations produce, kept
// in git so reviews see the schema, and compared in the tests so it cannot drift.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { libpqConnection } from "./libpqConnection.ts";
import { PROJECT_ROOT } from "./migrateDatabase.ts";

export const SCHEMA_DUMP_PATH = path.join(PROJECT_ROOT, "migrations", "schema.sql");

/** pg_dump --schema-only, without the lines that change from dump to dump. */
export function dumpSchema(pgBin: string, url: string): string {
  const { dbname, env } = libpqConnection(url);
  const res = spawnSync(
    path.join(pgBin, "pg_dump"),
    ["--schema-only", "--exclude-schema=graphile_migrate", "--exclude-schema=graphile_worker", "--dbname", dbname],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env },
  );
  if (res.status !== 0) throw new Error(`pg_dump failed: ${res.stderr.trim()}`);
  return normaliseDump(res.stdout);
}

export function normaliseDump(dump: string): string {
  return (
    dump
      .split("\n")
      // \restrict carries a random key per dump; version banners change with minor releases.
      .filter((line) => !/^\\(un)?restrict /.test(line) && !/^-- Dumped (from|by) /.test(line))
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim() + "\n"
  );
}

// The committed schema dump (migrations/schema.sql): what the migrations produce, kept
// in git so reviews see the schema, and compared in the tests so it cannot drift.
//
// pg_dump's text depends on the PostgreSQL major (17 adds `SET transaction_timeout`, says
// ALTER VIEW where 15 says ALTER TABLE, and deparses views without table prefixes since 16),
// so the file is kept in the format of one major, named on its first line: the oldest
// supported. Elsewhere, the committed dump is restored into a scratch database and dumped
// again, which gives the same schema in this major's words.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { libpqConnection } from "./libpqConnection.ts";
import { installJobQueue } from "./migrateDatabase.ts";
import { PROJECT_ROOT } from "../projectRoot.ts";

export const SCHEMA_DUMP_PATH = path.join(PROJECT_ROOT, "migrations", "schema.sql");
const HEADER = /^-- memvault schema dump: PostgreSQL (\d+)\n/;

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

/** The major of this pg_dump (and of the server beside it). */
export function pgDumpMajor(pgBin: string): number {
  const res = spawnSync(path.join(pgBin, "pg_dump"), ["--version"], { encoding: "utf8" });
  const major = /PostgreSQL\)?\s+(\d+)/.exec(res.stdout ?? "")?.[1];
  if (!major) throw new Error(`cannot tell the version of ${path.join(pgBin, "pg_dump")}`);
  return Number(major);
}

/** The committed dump and the major whose format it is in. */
export function readCommittedDump(): { major: number; dump: string } {
  const text = fs.readFileSync(SCHEMA_DUMP_PATH, "utf8");
  const header = HEADER.exec(text);
  if (!header) throw new Error(`${SCHEMA_DUMP_PATH} has no '-- memvault schema dump: PostgreSQL N' first line: run \`memvault db dump-schema\``);
  return { major: Number(header[1]), dump: text.slice(header[0].length) };
}

/**
 * Writes the dump when this pg_dump speaks the committed file's major (or there is no file
 * yet); otherwise leaves the file and says why: rewriting it in another major's words would
 * show every developer a diff that is not a schema change.
 */
export function writeCommittedDump(pgBin: string, url: string): { written: boolean; major: number; committedMajor: number } {
  const major = pgDumpMajor(pgBin);
  const committedMajor = fs.existsSync(SCHEMA_DUMP_PATH) ? readCommittedDump().major : major;
  if (major !== committedMajor) return { written: false, major, committedMajor };
  fs.writeFileSync(SCHEMA_DUMP_PATH, `-- memvault schema dump: PostgreSQL ${major}\n${dumpSchema(pgBin, url)}`);
  return { written: true, major, committedMajor };
}

/**
 * The committed schema as this major's pg_dump prints it: the file itself in its own major;
 * in another, restored into a scratch database on the cluster of `rootUrl` (a superuser's
 * connection), with graphile-worker's schema first as in a real install, then dumped.
 */
export async function committedSchemaAsDumpedBy(pgBin: string, rootUrl: string, opts: { restore?: boolean } = {}): Promise<string> {
  const committed = readCommittedDump();
  if (committed.major === pgDumpMajor(pgBin) && !opts.restore) return committed.dump;
  const name = `memvault_schema_${randomBytes(6).toString("hex")}`;
  const urlOf = (db: string) => Object.assign(new URL(rootUrl), { pathname: `/${db}` }).toString();
  const admin = new pg.Client({ connectionString: rootUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template template0`);
    try {
      await installJobQueue(urlOf(name));
      const scratch = new pg.Client({ connectionString: urlOf(name) });
      await scratch.connect();
      try {
        await scratch.query(committed.dump);
      } finally {
        await scratch.end();
      }
      return dumpSchema(pgBin, urlOf(name));
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
    }
  } finally {
    await admin.end();
  }
}

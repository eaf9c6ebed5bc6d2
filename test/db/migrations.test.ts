// The schema is the migrations: a fresh database matches the committed dump, the
// migrations are committed (current.sql is empty) and re-running them changes nothing.
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pgBinDir, readDbConfig } from "../../src/config/dbConfig.ts";
import { committedSchemaAsDumpedBy, dumpSchema } from "../../src/db/dumpSchema.ts";
import { roleUrl } from "../../src/db/localCluster.ts";
import { migrateDatabase } from "../../src/db/migrateDatabase.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const committed = () => fs.readdirSync(path.join(PROJECT_ROOT, "migrations", "committed")).filter((f) => f.endsWith(".sql")).sort();

describe("migrations", () => {
  it("ran every committed migration from scratch", async () => {
    const client = new pg.Client({ connectionString: db.url("root") });
    await client.connect();
    try {
      const { rows } = await client.query<{ filename: string }>("select filename from graphile_migrate.migrations order by filename");
      // graphile-migrate records 000001.sql for 000001-message.sql.
      expect(rows.map((r) => r.filename)).toEqual(committed().map((f) => `${f.slice(0, 6)}.sql`));
      expect(committed().length).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
  });

  it("match the committed schema dump (run `memvault db dump-schema` after a migration)", async () => {
    const actual = dumpSchema(pgBinDir(), db.url("root"));
    expect(actual).toContain("CREATE TABLE memvault.memory_chunks");
    expect(actual).toEqual(await committedSchemaAsDumpedBy(pgBinDir(), roleUrl(inject("cluster"), "root", "postgres")));
  });

  it("match the committed schema dump restored and dumped again (how another major compares it)", async () => {
    const restored = await committedSchemaAsDumpedBy(pgBinDir(), roleUrl(inject("cluster"), "root", "postgres"), { restore: true });
    expect(restored).toContain("CREATE TABLE memvault.memory_chunks");
    expect(restored).toEqual(dumpSchema(pgBinDir(), db.url("root")));
  });

  it("leave current.sql without statements: everything is committed", () => {
    const current = fs.readFileSync(path.join(PROJECT_ROOT, "migrations", "current.sql"), "utf8");
    const statements = current
      .split("\n")
      .filter((l) => !l.trim().startsWith("--"))
      .join("")
      .trim();
    expect(statements).toBe("");
  });

  it("are idempotent to re-run (roles, extension, pending migrations)", async () => {
    await migrateDatabase({
      rootUrl: roleUrl(inject("cluster"), "root", "postgres"),
      ownerUrl: db.url("owner"),
      embeddingDim: readDbConfig().EMBEDDING_DIM,
    });
    expect(dumpSchema(pgBinDir(), db.url("root"))).toEqual(await committedSchemaAsDumpedBy(pgBinDir(), roleUrl(inject("cluster"), "root", "postgres")));
  });
});

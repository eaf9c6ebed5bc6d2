// Reverse migrations: every committed migration has one, and each takes the schema back
// to exactly what the migrations before it produce (pg_dump --schema-only, compared),
// all the way down to nothing and up again to the committed dump.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrate } from "graphile-migrate";
import { clearAllPools } from "graphile-migrate/dist/pgReal.js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { pgBinDir, readDbConfig } from "../../src/config/dbConfig.ts";
import { committedSchemaAsDumpedBy, dumpSchema } from "../../src/db/dumpSchema.ts";
import { roleUrl } from "../../src/db/localCluster.ts";
import { installJobQueue, migrateSettings, type MigrationTarget } from "../../src/db/migrateDatabase.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { appliedMigrationNumbers, applyReverse, committedMigrations, placeholderReplacer } from "../../src/db/reverseMigrations.ts";
import { createEmptyTestDatabase, type TestDatabase } from "../support/testDatabase.ts";

let db: TestDatabase;
let target: MigrationTarget;
let work: string;

beforeAll(async () => {
  db = await createEmptyTestDatabase();
  const cluster = inject("cluster");
  target = { rootUrl: roleUrl(cluster, "root", "postgres"), ownerUrl: db.url("owner"), embeddingDim: readDbConfig().EMBEDDING_DIM };
  await installJobQueue(target.ownerUrl);
  work = fs.mkdtempSync(path.join(os.tmpdir(), "mvrev-"));
});

afterAll(async () => {
  clearAllPools();
  await db.drop();
  fs.rmSync(work, { recursive: true, force: true });
});

/** graphile-migrate's migrate, seeing only the first n committed migrations. */
async function migrateUpTo(n: number): Promise<void> {
  const folder = path.join(work, `upto-${n}`);
  fs.mkdirSync(path.join(folder, "committed"), { recursive: true });
  for (const m of committedMigrations().slice(0, n)) {
    fs.copyFileSync(path.join(PROJECT_ROOT, "migrations", "committed", m.name), path.join(folder, "committed", m.name));
  }
  const settings = { ...migrateSettings(target), migrationsFolder: folder, afterAllMigrations: [] };
  try {
    await migrate(settings, false);
  } finally {
    clearAllPools();
  }
}

const dump = () => dumpSchema(pgBinDir(), db.url("root"));

describe("reverse migrations", () => {
  it("every committed migration ships its reverse", () => {
    expect(committedMigrations().filter((m) => !m.reverseFile).map((m) => m.name)).toEqual([]);
    // And no reverse is left without its migration.
    const names = new Set(committedMigrations().map((m) => m.name));
    expect(fs.readdirSync(path.join(PROJECT_ROOT, "migrations", "reverse")).filter((f) => !names.has(f))).toEqual([]);
  });

  it("each reverse restores the schema the migrations before it produce, down to nothing and up again", async () => {
    const all = committedMigrations();
    const dumps = [dump()];
    for (let n = 1; n <= all.length; n++) {
      await migrateUpTo(n);
      dumps.push(dump());
    }
    expect(dumps.at(-1)).toBe(await committedSchemaAsDumpedBy(pgBinDir(), roleUrl(inject("cluster"), "root", "postgres")));
    const owner = new pg.Client({ connectionString: db.url("owner") });
    await owner.connect();
    try {
      const replace = await placeholderReplacer(target);
      for (let n = all.length; n >= 1; n--) {
        await applyReverse(owner, all[n - 1]!, replace);
        expect(await appliedMigrationNumbers(owner)).toEqual(all.slice(0, n - 1).map((m) => m.number));
        expect(dump(), `after reversing ${all[n - 1]!.name}`).toBe(dumps[n - 1]);
      }
    } finally {
      await owner.end();
    }
    await migrateUpTo(all.length);
    expect(dump()).toBe(dumps.at(-1));
  });
});

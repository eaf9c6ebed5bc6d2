// The DBA scripts in sql/: each passes on a migrated database and fails, with a
// non-zero exit, on one where isolation or indexing was broken.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgBinDir } from "../../src/config/dbConfig.ts";
import { runPsqlScript } from "../../src/db/runPsqlScript.ts";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";

const run = (db: TestDatabase, script: string, role: "root" | "monitor" = "root") => runPsqlScript(pgBinDir(), db.url(role), script);

async function breakWith(sql: string): Promise<TestDatabase> {
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.url("root") });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
  return db;
}

describe("on a migrated database", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("pre_deploy_sanity.sql passes 3 of 3", async () => {
    const res = await run(db, "pre_deploy_sanity.sql");
    expect(res.output).toContain("RESULT: 3 of 3 sanity checks PASSED");
    expect(res.exitCode).toBe(0);
  });

  it("leak_test.sql reports 0 leaked rows and leaves nothing behind", async () => {
    const res = await run(db, "leak_test.sql");
    expect(res.output).toMatch(/RESULT: 0 leaked rows in 288 probes/);
    expect(res.output).not.toContain("LEAK");
    expect(res.exitCode).toBe(0);
    const client = new pg.Client({ connectionString: db.url("root") });
    await client.connect();
    const { rows } = await client.query("select count(*)::int as n from memvault.memory_chunks");
    await client.end();
    expect(rows[0].n).toBe(0);
  });

  it("verify_indexes.sql lists the indexes and an ANN plan", async () => {
    const res = await run(db, "verify_indexes.sql");
    expect(res.exitCode).toBe(0);
    expect(res.output).toContain("memory_chunks_embedding_hnsw");
    expect(res.output).toContain("QUERY PLAN");
    expect(res.output).toContain("RESULT: indexes verified");
  });

  it("monitoring.sql runs as memvault_monitor", async () => {
    const res = await run(db, "monitoring.sql", "monitor");
    expect(res.exitCode).toBe(0);
    expect(res.output).toContain("tenant_isolation");
    expect(res.output).toContain("RESULT: isolation and indexes OK");
  });
});

const broken: { name: string; sql: string; fails: Record<string, RegExp> }[] = [
  {
    name: "RLS not forced",
    sql: "alter table memvault.memory_chunks no force row level security",
    fails: { "pre_deploy_sanity.sql": /RESULT: 2 of 3/, "leak_test.sql": /LEAK memory_chunks.select as memvault_owner/, "monitoring.sql": /FAIL: 1 tenant tables/ },
  },
  {
    name: "RLS disabled",
    sql: "alter table memvault.memory_chunks disable row level security",
    fails: { "pre_deploy_sanity.sql": /RESULT: 1 of 3/, "leak_test.sql": /LEAK memory_chunks.select as memvault_user/, "monitoring.sql": /FAIL: 1 tenant tables/ },
  },
  {
    name: "a permissive USING (true) policy added",
    sql: "create policy open_door on memvault.memory_chunks for select using (true)",
    fails: { "pre_deploy_sanity.sql": /Check 2: .*FAIL/, "leak_test.sql": /LEAK memory_chunks.select as memvault_worker/ },
  },
  {
    name: "tenant policy dropped",
    sql: "drop policy tenant_isolation on memvault.memory_chunks",
    fails: { "pre_deploy_sanity.sql": /Check 2: .*FAIL/, "leak_test.sql": /leak test is broken/, "monitoring.sql": /FAIL: 1 tenant tables/ },
  },
  {
    name: "RLS disabled on chunk_ingest",
    sql: "alter table memvault.chunk_ingest disable row level security",
    fails: { "pre_deploy_sanity.sql": /RESULT: 1 of 3/, "leak_test.sql": /LEAK chunk_ingest.select as memvault_worker/, "monitoring.sql": /FAIL: 1 tenant tables/ },
  },
  {
    name: "RLS disabled on search_requests",
    sql: "alter table memvault.search_requests disable row level security",
    fails: { "pre_deploy_sanity.sql": /RESULT: 1 of 3/, "leak_test.sql": /LEAK search_requests.select as memvault_worker/ },
  },
  {
    name: "HNSW index dropped",
    sql: "drop index memvault.memory_chunks_embedding_hnsw",
    fails: { "pre_deploy_sanity.sql": /Check 3: .*FAIL/, "verify_indexes.sql": /FAIL: vector columns without a valid ANN index/, "monitoring.sql": /0 valid ANN indexes/ },
  },
];

for (const b of broken) {
  describe(`with ${b.name}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await breakWith(b.sql);
    });
    afterAll(async () => {
      await db.drop();
    });
    for (const [script, pattern] of Object.entries(b.fails)) {
      it(`${script} fails`, async () => {
        const res = await run(db, script);
        expect(res.output).toMatch(pattern);
        expect(res.exitCode).not.toBe(0);
      });
    }
  });
}

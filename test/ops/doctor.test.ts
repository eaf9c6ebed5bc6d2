// memvault doctor's checks against a real database: all PASS (pgvector WARN while < 0.8.2)
// on a migrated one, FAIL rows when a runtime role could create objects or FORCE is off.
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { pgBinDir } from "../../src/config/dbConfig.ts";
import { compareVersions, PGVECTOR_FIXED, runDoctor, type DoctorRow } from "../../src/ops/doctor.ts";
import { selectRoleFindings } from "../../src/sql/selectRoleFindings.ts";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

async function doctorAfter(sql?: string): Promise<DoctorRow[]> {
  db = await createTestDatabase();
  if (sql) {
    const client = new pg.Client({ connectionString: db.url("root") });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  }
  return runDoctor(pgBinDir(), db.url("root"));
}

const row = (rows: DoctorRow[], check: string) => rows.find((r) => r.check === check);

describe("doctor", () => {
  it("passes every check on a migrated database and warns about pgvector < 0.8.2", async () => {
    const rows = await doctorAfter();
    expect(rows.filter((r) => r.status === "FAIL")).toEqual([]);
    expect(rows.map((r) => r.check)).toEqual(
      expect.arrayContaining(["sql/pre_deploy_sanity.sql", "sql/leak_test.sql", "role memvault_user", "role memvault_worker", "FORCE ROW LEVEL SECURITY"]),
    );
    expect(row(rows, "sql/pre_deploy_sanity.sql")?.detail).toBe("RESULT: 3 of 3 sanity checks PASSED");
    // The pgvector row follows the installed version, whichever this machine has.
    const client = new pg.Client({ connectionString: db!.url("root") });
    await client.connect();
    const installed = (await client.query("select extversion from pg_extension where extname = 'vector'").finally(() => client.end())).rows[0].extversion as string;
    const vector = row(rows, "pgvector");
    if (compareVersions(installed, PGVECTOR_FIXED) < 0) {
      expect(vector).toMatchObject({ status: "WARN", detail: expect.stringContaining("CVE-2026-3172") });
    } else {
      expect(vector).toEqual({ check: "pgvector", status: "PASS", detail: installed });
    }
  });

  it("grades pgvector versions around the CVE-2026-3172 fix", () => {
    expect(compareVersions("0.8.0", PGVECTOR_FIXED)).toBeLessThan(0);
    expect(compareVersions("0.8.1", PGVECTOR_FIXED)).toBeLessThan(0);
    expect(compareVersions("0.8.2", PGVECTOR_FIXED)).toBe(0);
    expect(compareVersions("0.10.0", PGVECTOR_FIXED)).toBeGreaterThan(0);
  });

  it("sees a role that holds memvault_user's privileges without SET ROLE, on every major (INHERIT attribute on 15, the grant's INHERIT option from 16)", async () => {
    db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url("root") });
    await client.connect();
    const probe = `mv_probe_${db.name}`;
    try {
      const major = Math.floor(Number((await client.query("show server_version_num")).rows[0].server_version_num) / 10_000);
      await client.query(`create role ${probe} nologin noinherit`);
      await client.query(`grant memvault_user to ${probe}`);
      expect((await selectRoleFindings(client, [probe]))[0]!.inherits).toBe(false);
      await client.query(major >= 16 ? `grant memvault_user to ${probe} with inherit true` : `alter role ${probe} inherit`);
      expect((await selectRoleFindings(client, [probe]))[0]!.inherits).toBe(true);
      if (major >= 16) {
        // The attribute alone says nothing there: the grant still does.
        await client.query(`alter role ${probe} noinherit`);
        expect((await selectRoleFindings(client, [probe]))[0]!.inherits).toBe(true);
      }
    } finally {
      await client.query(`drop role if exists ${probe}`).finally(() => client.end());
    }
  });

  it("fails a runtime role that may create objects (and so indexes)", async () => {
    const rows = await doctorAfter("grant create on schema memvault to memvault_worker");
    expect(row(rows, "role memvault_worker")).toMatchObject({ status: "FAIL", detail: expect.stringContaining("CREATE on memvault") });
    expect(row(rows, "role memvault_user")?.status).toBe("PASS");
  });

  it("fails a runtime role that owns a table", async () => {
    const rows = await doctorAfter("create table public.owned_by_user (x int); alter table public.owned_by_user owner to memvault_user");
    expect(row(rows, "role memvault_user")).toMatchObject({ status: "FAIL", detail: expect.stringContaining("owns 1 objects") });
  });

  it("fails when FORCE ROW LEVEL SECURITY is off", async () => {
    const rows = await doctorAfter("alter table memvault.memory_chunks no force row level security");
    expect(row(rows, "FORCE ROW LEVEL SECURITY")).toMatchObject({ status: "FAIL", detail: "not forced: memory_chunks" });
    expect(row(rows, "sql/leak_test.sql")?.status).toBe("FAIL");
  });
});

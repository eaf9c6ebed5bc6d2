// Row-level security on the tenants' wrapped keys (tenant_keys) and erasure records
// (tenant_erasures): each role that holds a grant, attacking tenant A's rows as another
// tenant, with an empty setting and with none; what the runtime roles may not do at all
// (change or delete a key, insert an erasure); and memvault.erase_tenant() without a tenant.
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";
import { asIdentity, tenantHash } from "../support/tenant.ts";

const A = tenantHash("tenant keys A");
const B = tenantHash("tenant keys B");
let db: TestDatabase;
let pool: pg.Pool;

const insertKey = (c: pg.ClientBase, userHash: string, version: number) =>
  c.query("insert into memvault.tenant_keys (user_hash, version, key_id, kek_id, wrapped) values ($1, $2, $3, 'keyring:1', $4)", [userHash, version, randomUUID(), randomBytes(60)]);
const codeOf = (p: Promise<unknown>) => p.then(() => undefined, (err: { code?: string }) => err.code);
const ROLES = ["memvault_user", "memvault_worker"] as const;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool();
  await asIdentity(pool, { role: "memvault_user", userHash: A }, async (c) => {
    await insertKey(c, A, 0);
    await insertKey(c, A, 1);
  }, { commit: true });
  // A's erasure record, as memvault.erase_tenant() writes it (here by hand: A keeps its keys).
  await pool.query("insert into memvault.tenant_erasures (user_hash, erasure_id, key_ids) values ($1, $2, '{}')", [A, randomUUID()]);
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe("tenant_keys and tenant_erasures", () => {
  for (const role of ROLES) {
    it(`${role} sees its own tenant's rows, and none of A's as B, with an empty setting or none`, async () => {
      const count = (who: { role: string; userHash?: string }, table: string) =>
        asIdentity(pool, who, async (c) => (await c.query(`select count(*)::int as n from memvault.${table}`)).rows[0].n as number);
      for (const table of ["tenant_keys", "tenant_erasures"]) {
        expect(await count({ role, userHash: A }, table)).toBe(table === "tenant_keys" ? 2 : 1);
        expect(await count({ role, userHash: B }, table)).toBe(0);
        expect(await count({ role, userHash: "" }, table)).toBe(0);
        expect(await count({ role }, table)).toBe(0);
      }
    });

    it(`${role} cannot write a key into another tenant, nor change one`, async () => {
      expect(await codeOf(asIdentity(pool, { role, userHash: B }, (c) => insertKey(c, A, 5)))).toBe("42501");
      expect(await codeOf(asIdentity(pool, { role, userHash: A }, (c) => c.query("update memvault.tenant_keys set wrapped = '\\x00'")))).toBe("42501");
      expect(await codeOf(asIdentity(pool, { role, userHash: A }, (c) => c.query("insert into memvault.tenant_erasures (user_hash, erasure_id, key_ids) values ($1, $2, '{}')", [A, randomUUID()])))).toBe("42501");
    });
  }

  it("the API's role cannot delete a key (only memvault.erase_tenant does, for the transaction's own tenant)", async () => {
    expect(await codeOf(asIdentity(pool, { role: "memvault_user", userHash: A }, (c) => c.query("delete from memvault.tenant_keys")))).toBe("42501");
    // The worker's purge may delete keys, its tenant's only.
    const deleted = await asIdentity(pool, { role: "memvault_worker", userHash: B }, async (c) => (await c.query("delete from memvault.tenant_keys")).rowCount);
    expect(deleted).toBe(0);
  });

  it("memvault.erase_tenant() refuses a transaction without a tenant, and erases only the transaction's own", async () => {
    expect(await codeOf(asIdentity(pool, { role: "memvault_user" }, (c) => c.query("select * from memvault.erase_tenant($1, '{}')", [randomUUID()])))).toBe("42501");
    await asIdentity(pool, { role: "memvault_user", userHash: B }, (c) => c.query("select * from memvault.erase_tenant($1, '{}')", [randomUUID()]));
    expect((await pool.query("select count(*)::int as n from memvault.tenant_keys where user_hash = $1", [A])).rows[0].n).toBe(2);
  });

  it("memvault.unpurged_erasures() is the worker's alone", async () => {
    expect(await codeOf(asIdentity(pool, { role: "memvault_user", userHash: A }, (c) => c.query("select * from memvault.unpurged_erasures('{}', '{}')")))).toBe("42501");
    const known = (await pool.query("select erasure_id::text from memvault.tenant_erasures where user_hash = $1", [A])).rows[0].erasure_id as string;
    const rows = await asIdentity(pool, { role: "memvault_worker" }, async (c) => (await c.query("select user_hash, known from memvault.unpurged_erasures($1, $2)", [[A, A], [randomUUID(), known]])).rows);
    expect(rows).toEqual([{ user_hash: A, known: false }, { user_hash: A, known: true }]);
  });
});

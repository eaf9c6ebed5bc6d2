// Row-level security on the blind-index tables, memory_labels (scopes and tags) and
// memory_terms (keyword terms), and on memory_term_stats (the keyword statistics, one row per
// tenant): every role that holds a grant on one, attacking tenant A's rows as another tenant,
// with an empty setting and with none.
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";
import { asIdentity, tenantHash } from "../support/tenant.ts";

const A = tenantHash("blind indexes A");
const vec = `[${Array.from({ length: 384 }, (_, i) => ((i % 5) + 1) / 10).join(",")}]`;
let db: TestDatabase;
let pool: pg.Pool;

/** Each table with an insert of one row for `userHash` (an index row of `memory`), and how many rows three inserts leave. */
const ROWS: Record<string, number> = { memory_labels: 3, memory_terms: 3, memory_term_stats: 1 };
const TABLES = {
  memory_labels: (c: pg.ClientBase, userHash: string, memory: string) =>
    c.query("insert into memvault.memory_labels (user_hash, label_hash, memory_id) values ($1::text, $2::bytea, $3::uuid)", [userHash, randomBytes(32), memory]),
  memory_terms: (c: pg.ClientBase, userHash: string, memory: string) =>
    c.query("insert into memvault.memory_terms (user_hash, term_hash, memory_id, frequency, memory_length) values ($1::text, $2::bytea, $3::uuid, 1, 3)", [userHash, randomBytes(16), memory]),
  memory_term_stats: (c: pg.ClientBase, userHash: string) =>
    c.query("insert into memvault.memory_term_stats (user_hash, documents, total_length) values ($1::text, 1, 3) on conflict (user_hash) do update set documents = memory_term_stats.documents + 1", [userHash]),
};
type Table = keyof typeof TABLES;

/** A sealed memory of `userHash` with three rows in each index table (the foreign keys need the memory). */
async function indexedMemory(c: pg.ClientBase, userHash: string): Promise<string> {
  const id = randomUUID();
  await c.query(
    `insert into memvault.memory_chunks (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
     values ($1::text, $2::uuid, 1, '\\x01', '\\x02', '\\x03', $3::public.vector)`,
    [userHash, id, vec],
  );
  for (const insert of Object.values(TABLES)) for (let i = 0; i < 3; i++) await insert(c, userHash, id);
  return id;
}

let memoryOfA: string;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool();
  memoryOfA = await asIdentity(pool, { role: "memvault_worker", userHash: A }, (c) => indexedMemory(c, A), { commit: true });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const count = (table: Table) => (c: pg.ClientBase) => c.query(`select count(*)::int as n from memvault.${table}`).then((r) => r.rows[0].n as number);
const granted = async (role: string, table: Table, privilege: "INSERT" | "DELETE") =>
  (
    await pool.query(
      privilege === "DELETE" ? "select pg_catalog.has_table_privilege($1::text, $2::text, 'DELETE') as ok" : "select pg_catalog.has_any_column_privilege($1::text, $2::text, 'INSERT') as ok",
      [role, `memvault.${table}`],
    )
  ).rows[0].ok as boolean;

for (const table of Object.keys(TABLES) as Table[]) {
  describe(`${table} RLS`, () => {
    it("shows tenant A its own rows (positive control)", async () => {
      for (const role of ["memvault_user", "memvault_worker", "memvault_owner"]) expect(await asIdentity(pool, { role, userHash: A }, count(table))).toBe(ROWS[table]);
    });

    for (const role of ["memvault_user", "memvault_worker", "memvault_owner"]) {
      for (const [label, userHash] of [["another tenant", tenantHash("blind indexes C")], ["an empty app.user_hash", ""], ["no app.user_hash", undefined]] as const) {
        it(`${role} with ${label} reads none of A's rows, deletes none, and cannot add one to A's memory`, async () => {
          await asIdentity(pool, { role, userHash }, async (c) => {
            expect(await count(table)(c)).toBe(0);
            expect((await c.query(`select user_hash from memvault.${table} where user_hash = $1::text`, [A])).rowCount).toBe(0);
          });
          if (await granted(role, table, "DELETE")) expect(await asIdentity(pool, { role, userHash }, (c) => c.query(`delete from memvault.${table}`).then((r) => r.rowCount))).toBe(0);
          // A missing grant and the policy share 42501: where the role may insert, the refusal is the policy's.
          if (await granted(role, table, "INSERT")) {
            await expect(asIdentity(pool, { role, userHash }, (c) => TABLES[table](c, A, memoryOfA))).rejects.toMatchObject({ code: "42501" });
          }
        });
      }
    }

    it("the probes above meet the policy where a role holds the grant (the catalog says which), and A's rows survived them", async () => {
      expect(await granted("memvault_worker", table, "INSERT")).toBe(true);
      // Index rows are deleted by the worker (and with their memory); the statistics row by a tenant's forgetAll.
      expect(await granted(table === "memory_term_stats" ? "memvault_user" : "memvault_worker", table, "DELETE")).toBe(true);
      expect(await asIdentity(pool, { role: "memvault_worker", userHash: A }, count(table))).toBe(ROWS[table]);
    });
  });
}

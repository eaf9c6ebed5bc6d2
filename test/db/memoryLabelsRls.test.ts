// Row-level security on memory_labels (the blind indexes of scopes and tags): every role
// that holds a grant on it, attacking tenant A's label rows as another tenant, with an
// empty setting and with none.
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";
import { asIdentity, tenantHash } from "../support/tenant.ts";

const A = tenantHash("labels A");
const vec = `[${Array.from({ length: 384 }, (_, i) => ((i % 5) + 1) / 10).join(",")}]`;
let db: TestDatabase;
let pool: pg.Pool;

/** A sealed memory of `userHash` with `labels` label rows (the foreign key needs the memory). */
async function labelledMemory(c: pg.ClientBase, userHash: string, labels: number): Promise<string> {
  const id = randomUUID();
  await c.query(
    `insert into memvault.memory_chunks (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
     values ($1::text, $2::uuid, 1, '\\x01', '\\x02', '\\x03', $3::public.vector)`,
    [userHash, id, vec],
  );
  for (let i = 0; i < labels; i++) {
    await c.query("insert into memvault.memory_labels (user_hash, label_hash, memory_id) values ($1::text, $2::bytea, $3::uuid)", [userHash, randomBytes(32), id]);
  }
  return id;
}

let memoryOfA: string;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool();
  memoryOfA = await asIdentity(pool, { role: "memvault_worker", userHash: A }, (c) => labelledMemory(c, A, 3), { commit: true });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const count = (c: pg.ClientBase) => c.query("select count(*)::int as n from memvault.memory_labels").then((r) => r.rows[0].n as number);
const granted = async (role: string, privilege: "INSERT" | "DELETE") =>
  (
    await pool.query(
      privilege === "DELETE" ? "select pg_catalog.has_table_privilege($1::text, 'memvault.memory_labels', 'DELETE') as ok" : "select pg_catalog.has_any_column_privilege($1::text, 'memvault.memory_labels', 'INSERT') as ok",
      [role],
    )
  ).rows[0].ok as boolean;

describe("memory_labels RLS", () => {
  it("shows tenant A its own label rows (positive control)", async () => {
    for (const role of ["memvault_user", "memvault_worker", "memvault_owner"]) expect(await asIdentity(pool, { role, userHash: A }, count)).toBe(3);
  });

  for (const role of ["memvault_user", "memvault_worker", "memvault_owner"]) {
    for (const [label, userHash] of [["another tenant", tenantHash("labels C")], ["an empty app.user_hash", ""], ["no app.user_hash", undefined]] as const) {
      it(`${role} with ${label} reads none of A's labels, deletes none, and cannot label A's memory`, async () => {
        await asIdentity(pool, { role, userHash }, async (c) => {
          expect(await count(c)).toBe(0);
          expect((await c.query("select label_hash from memvault.memory_labels where user_hash = $1::text and memory_id = $2::uuid", [A, memoryOfA])).rowCount).toBe(0);
        });
        if (await granted(role, "DELETE")) expect(await asIdentity(pool, { role, userHash }, (c) => c.query("delete from memvault.memory_labels").then((r) => r.rowCount))).toBe(0);
        // A missing grant and the policy share 42501: where the role may insert, the refusal is the policy's.
        if (await granted(role, "INSERT")) {
          await expect(
            asIdentity(pool, { role, userHash }, (c) => c.query("insert into memvault.memory_labels (user_hash, label_hash, memory_id) values ($1::text, $2::bytea, $3::uuid)", [A, randomBytes(32), memoryOfA])),
          ).rejects.toMatchObject({ code: "42501" });
        }
      });
    }
  }

  it("the probes above meet the policy where a role holds the grant (the catalog says which), and A's labels survived them", async () => {
    expect(await granted("memvault_worker", "INSERT")).toBe(true);
    expect(await granted("memvault_worker", "DELETE")).toBe(true);
    expect(await asIdentity(pool, { role: "memvault_worker", userHash: A }, count)).toBe(3);
  });
});

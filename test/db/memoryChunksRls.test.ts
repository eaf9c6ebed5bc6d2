// Row-level security on memory_chunks: every role that touches tenant data, attacking
// tenant A's rows as another tenant, with an empty setting and with none.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";
import { asIdentity, tenantHash } from "../support/tenant.ts";

const A = tenantHash("A");
const B = tenantHash("B");
const DIMS = 384;
const vec = (x: number) => `[${Array.from({ length: DIMS }, (_, i) => ((i % 7) + x) / 10).join(",")}]`;

let db: TestDatabase;
let pool: pg.Pool;

async function insertAs(client: pg.ClientBase, userHash: string, n = 1) {
  for (let i = 0; i < n; i++) {
    await client.query(
      `insert into memvault.memory_chunks (user_hash, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
       values ($1::text, 1, '\\x01', '\\x02', '\\x03', $2::public.vector)`,
      [userHash, vec(i)],
    );
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool();
  // Tenant A owns 3 rows, tenant B 2, committed so that every probe below has a target.
  await asIdentity(pool, { role: "memvault_worker", userHash: A }, (c) => insertAs(c, A, 3), { commit: true });
  await asIdentity(pool, { role: "memvault_worker", userHash: B }, (c) => insertAs(c, B, 2), { commit: true });
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

/** Whether role holds the table privilege on memory_chunks (as the catalog says; 42501 alone cannot tell). */
const hasPrivilege = async (role: string, privilege: "INSERT" | "UPDATE" | "DELETE") =>
  (
    await pool.query(
      privilege === "DELETE"
        ? "select pg_catalog.has_table_privilege($1::text, 'memvault.memory_chunks', $2::text) as ok"
        : "select pg_catalog.has_any_column_privilege($1::text, 'memvault.memory_chunks', $2::text) as ok", // grants are column-listed
      [role, privilege],
    )
  ).rows[0].ok as boolean;

const count = (c: pg.ClientBase) => c.query("select count(*)::int as n from memvault.memory_chunks").then((r) => r.rows[0].n as number);

describe("memory_chunks RLS", () => {
  it("shows each tenant exactly its own rows (positive control)", async () => {
    for (const role of ["memvault_user", "memvault_worker", "memvault_owner"]) {
      expect(await asIdentity(pool, { role, userHash: A }, count)).toBe(3);
      expect(await asIdentity(pool, { role, userHash: B }, count)).toBe(2);
      const hashes = await asIdentity(pool, { role, userHash: B }, (c) =>
        c.query("select distinct user_hash from memvault.memory_chunks").then((r) => r.rows.map((x) => x.user_hash)),
      );
      expect(hashes).toEqual([B]);
    }
  });

  const identities = [
    ["another tenant", tenantHash("C")],
    ["an empty app.user_hash", ""],
    ["no app.user_hash", undefined],
  ] as const;

  for (const role of ["memvault_user", "memvault_worker", "memvault_owner"]) {
    for (const [label, userHash] of identities) {
      describe(`${role} with ${label}`, () => {
        it("reads 0 rows, even by primary key", async () => {
          await asIdentity(pool, { role, userHash }, async (c) => {
            expect(await count(c)).toBe(0);
            const byKey = await c.query("select id from memvault.memory_chunks where user_hash = $1::text", [A]);
            expect(byKey.rowCount).toBe(0);
          });
        });

        // A missing grant and a policy violation share SQLSTATE 42501: each probe first asks
        // the catalog which one stands in the way, so that a role holding the grant is
        // stopped by the policy alone (without it, these would see or touch A's rows).
        it("updates and deletes 0 rows where it holds the grant (the policy), is refused where it does not", async () => {
          for (const [verb, sql] of [
            ["UPDATE", "update memvault.memory_chunks set key_version = key_version + 1"],
            ["DELETE", "delete from memvault.memory_chunks"],
          ] as const) {
            const granted = await hasPrivilege(role, verb);
            await asIdentity(pool, { role, userHash }, async (c) => {
              if (granted) expect((await c.query(sql)).rowCount, `${role} ${verb}`).toBe(0);
              else await expect(c.query(sql)).rejects.toMatchObject({ code: "42501" });
            });
          }
        });

        it("cannot write a row labelled as tenant A (the policy where it holds INSERT)", async () => {
          const granted = await hasPrivilege(role, "INSERT");
          await asIdentity(pool, { role, userHash }, async (c) => {
            await expect(insertAs(c, A)).rejects.toMatchObject({ code: "42501" });
          });
          // Where the role may insert, the same insert as tenant A itself is accepted: the
          // refusal above was the policy's, not a missing grant's.
          if (granted) await asIdentity(pool, { role, userHash: A }, (c) => insertAs(c, A));
        });
      });
    }
  }

  it("the probes above cover the policy for each role that holds a grant (the catalog says which)", async () => {
    expect(await hasPrivilege("memvault_user", "DELETE")).toBe(true);
    expect(await hasPrivilege("memvault_worker", "INSERT")).toBe(true);
    expect(await hasPrivilege("memvault_worker", "UPDATE")).toBe(true);
  });

  it("A's rows survived every probe", async () => {
    expect(await asIdentity(pool, { role: "memvault_worker", userHash: A }, count)).toBe(3);
  });

  it("memvault_monitor reads no content at all", async () => {
    await asIdentity(pool, { role: "memvault_monitor", userHash: A }, async (c) => {
      await expect(c.query("select id from memvault.memory_chunks")).rejects.toMatchObject({ code: "42501" });
    });
  });

  it("memvault_user cannot change sealed rows or forge inserts", async () => {
    await asIdentity(pool, { role: "memvault_user", userHash: A }, async (c) => {
      await expect(c.query("update memvault.memory_chunks set key_version = 2")).rejects.toMatchObject({ code: "42501" });
    });
    await asIdentity(pool, { role: "memvault_user", userHash: A }, async (c) => {
      await expect(insertAs(c, A)).rejects.toMatchObject({ code: "42501" });
    });
  });

  it("defaults user_hash to the current tenant and rejects malformed tenant keys", async () => {
    await asIdentity(pool, { role: "memvault_worker", userHash: A }, async (c) => {
      const { rows } = await c.query(
        `insert into memvault.memory_chunks (key_version, text_cipher, meta_cipher, emb_cipher, embedding)
         values (1, '\\x01', '\\x02', '\\x03', $1::public.vector) returning user_hash`,
        [vec(0)],
      );
      expect(rows[0].user_hash).toBe(A);
      expect(await count(c)).toBe(4);
    });
    // A superuser bypasses RLS, so the format CHECK is what stops a bad key here.
    const root = await pool.connect();
    try {
      await expect(
        root.query(
          `insert into memvault.memory_chunks (user_hash, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
           values ('NOT-A-HASH', 1, '\\x01', '\\x02', '\\x03', $1::public.vector)`,
          [vec(0)],
        ),
      ).rejects.toMatchObject({ code: "23514", constraint: "memory_chunks_user_hash_format" });
    } finally {
      root.release();
    }
  });

  it("rejects an embedding of the wrong dimension", async () => {
    await asIdentity(pool, { role: "memvault_worker", userHash: A }, async (c) => {
      await expect(
        c.query(
          `insert into memvault.memory_chunks (key_version, text_cipher, meta_cipher, emb_cipher, embedding)
           values (1, '\\x01', '\\x02', '\\x03', '[1,2,3]'::public.vector)`,
        ),
      ).rejects.toMatchObject({ code: "22000" });
    });
  });
});

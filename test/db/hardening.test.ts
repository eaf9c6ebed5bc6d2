// Migration 000007 attacked from a psql prompt: the tenant predicate, plaintext columns a
// tenant may not read, zero vectors, seal reservations, and runtime roles' timeouts.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../support/testDatabase.ts";
import { asIdentity, tenantHash } from "../support/tenant.ts";

const A = tenantHash("hardening A");
const DIMS = 384;
const vec = (x: number) => `[${Array.from({ length: DIMS }, (_, i) => ((i % 5) + x) / 10).join(",")}]`;
const zero = `[${new Array(DIMS).fill(0).join(",")}]`;

const fx = useTestDatabase();

const codeOf = (p: Promise<unknown>) => p.then(() => "no error", (e: { code?: string }) => e.code);

describe("tenant predicate", () => {
  it("memvault.current_user_hash() is null unless app.user_hash is set and non-empty", async () => {
    expect(await asIdentity(fx.pool, { role: "memvault_user" }, (c) => c.query("select memvault.current_user_hash() as h").then((r) => r.rows[0].h))).toBeNull();
    expect(await asIdentity(fx.pool, { role: "memvault_user", userHash: "" }, (c) => c.query("select memvault.current_user_hash() as h").then((r) => r.rows[0].h))).toBeNull();
    expect(await asIdentity(fx.pool, { role: "memvault_user", userHash: A }, (c) => c.query("select memvault.current_user_hash() as h").then((r) => r.rows[0].h))).toBe(A);
  });
});

describe("chunk_ingest as memvault_user", () => {
  it("may insert and see its rows' status, but never read their plaintext back", async () => {
    await asIdentity(fx.pool, { role: "memvault_user", userHash: A }, async (c) => {
      await c.query("insert into memvault.chunk_ingest (text, embedding) values ('secret plaintext', $1::public.vector)", [vec(1)]);
      expect((await c.query("select id, attempts, last_error from memvault.chunk_ingest")).rowCount).toBe(1);
      for (const column of ["text", "meta", "embedding", "*"]) {
        await c.query("savepoint s");
        expect(await codeOf(c.query(`select ${column} from memvault.chunk_ingest`)), column).toBe("42501");
        await c.query("rollback to savepoint s");
      }
    });
  });

  it("refuses a zero-norm embedding (CHECK), and search_chunks refuses a zero query", async () => {
    await asIdentity(fx.pool, { role: "memvault_user", userHash: A }, async (c) => {
      await c.query("savepoint s");
      expect(await codeOf(c.query("insert into memvault.chunk_ingest (text, embedding) values ('x', $1::public.vector)", [zero]))).toBe("23514");
      await c.query("rollback to savepoint s");
      expect(await codeOf(c.query("select * from memvault.search_chunks($1::public.vector, 5)", [zero]))).toBe("22023");
    });
  });
});

describe("seal reservations", () => {
  it("runtime roles reserve blocks through the function only; totals accumulate; 2^32 is refused", async () => {
    const reserve = (role: string, version: number, n: number) =>
      asIdentity(fx.pool, { role, userHash: A }, (c) => c.query("select memvault.reserve_seals($1, $2)::text as t", [version, n]).then((r) => Number(r.rows[0].t)), { commit: true });
    expect(await reserve("memvault_worker", 7, 1_000)).toBe(1_000);
    expect(await reserve("memvault_user", 7, 24)).toBe(1_024);
    expect(await codeOf(asIdentity(fx.pool, { role: "memvault_user", userHash: A }, (c) => c.query("update memvault.key_seal_reservations set reserved = 0")))).toBe("42501");
    expect(await codeOf(asIdentity(fx.pool, { role: "memvault_worker", userHash: A }, (c) => c.query("delete from memvault.key_seal_reservations")))).toBe("42501");
    // Near the bound: the last block that fits is granted, the next one is refused.
    await fx.pool.query("update memvault.key_seal_reservations set reserved = 4294967296 - 10 where key_version = 7");
    expect(await reserve("memvault_worker", 7, 10)).toBe(2 ** 32);
    expect(await codeOf(reserve("memvault_worker", 7, 1))).toBe("54000");
    expect(await codeOf(reserve("memvault_worker", 7, 0))).toBe("22023");
    expect(await asIdentity(fx.pool, { role: "memvault_monitor" }, (c) => c.query("select reserved::text from memvault.key_seal_reservations where key_version = 7").then((r) => r.rows[0].reserved))).toBe(String(2 ** 32));
  });
});

describe("runtime roles", () => {
  it("have a statement_timeout, so nothing they run waits for ever", async () => {
    const { rows } = await fx.pool.query(
      `select r.rolname, (select c from unnest(s.setconfig) c where c like 'statement_timeout=%') as setting
       from pg_roles r left join pg_db_role_setting s on s.setrole = r.oid and s.setdatabase = 0
       where r.rolname in ('memvault_authenticator', 'memvault_worker', 'memvault_monitor') order by 1`,
    );
    expect(rows.map((r) => r.setting)).toEqual(["statement_timeout=15s", "statement_timeout=1min", "statement_timeout=5min"]);
  });
});

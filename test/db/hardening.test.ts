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

describe("grants on tenant tables", () => {
  it("are column-listed for every runtime role (sql/CONVENTIONS.md): a column added later is readable or writable only when a migration says so", async () => {
    const { rows } = await fx.pool.query<{ grant: string }>(
      `select c.relname || ': ' || a.privilege_type || ' to ' || a.grantee::regrole::text as grant
       from pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
       where c.relnamespace = 'memvault'::regnamespace and c.relkind in ('r', 'p') and c.relforcerowsecurity
         and a.privilege_type in ('SELECT', 'INSERT', 'UPDATE') and a.grantee <> c.relowner
       order by 1`,
    );
    expect(rows.map((r) => r.grant)).toEqual([]);
  });
});

describe("function privileges", () => {
  // Who may execute each SECURITY DEFINER function, by name: sql/CONVENTIONS.md ("Functions").
  const DEFINER_GRANTS: Record<string, string[]> = {
    "memvault.abort_rerank_rollout(text)": ["memvault_operator"],
    "memvault.active_rerank_rollouts()": ["memvault_operator", "memvault_worker"],
    "memvault.create_rerank_rollout(text,text,text,jsonb,jsonb,integer,integer,integer,text)": ["memvault_operator"],
    "memvault.create_rerank_variant(text,text,text,text,integer,integer,integer,integer)": ["memvault_operator"],
    "memvault.default_rerank_variant()": ["memvault_user"],
    "memvault.erase_tenant(uuid,uuid[],timestamp with time zone)": ["memvault_user", "memvault_worker"],
    "memvault.evaluate_rerank_rollout(bigint,interval)": ["memvault_operator", "memvault_worker"],
    "memvault.pause_rerank_rollout(text)": ["memvault_operator"],
    "memvault.promote_rerank_rollout(text)": ["memvault_operator"],
    "memvault.prune_rerank_samples(interval)": ["memvault_operator", "memvault_worker"],
    "memvault.reserve_seals(integer,integer)": ["memvault_user", "memvault_worker"],
    "memvault.resume_rerank_rollout(text)": ["memvault_operator"],
    "memvault.set_default_rerank_variant(text)": ["memvault_operator"],
    "memvault.start_rerank_rollout(text)": ["memvault_operator"],
    "memvault.unpurged_erasures(text[],uuid[])": ["memvault_worker"],
    "memvault.tg_chunk_ingest__enqueue_reseal()": [],
    "memvault.tg_chunk_ingest__enqueue_seal()": [],
    "memvault.tg_search_requests__enqueue()": [],
    "memvault.tg_search_requests__record_rollout_sample()": [],
  };
  const functions = async () =>
    (
      await fx.pool.query<{ f: string; definer: boolean; config: string[] | null; grantees: string[] }>(
        `select p.oid::regprocedure::text as f, p.prosecdef as definer, p.proconfig as config,
                array(select case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee) end
                      from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                      where a.privilege_type = 'EXECUTE' and a.grantee <> p.proowner order by 1)::text[] as grantees
         from pg_proc p where p.pronamespace = 'memvault'::regnamespace order by 1`,
      )
    ).rows;

  it("no memvault function is executable by PUBLIC, and neither is one the owner makes later", async () => {
    expect((await functions()).filter((r) => r.grantees.includes("PUBLIC")).map((r) => r.f)).toEqual([]);
    // The owner's global default privileges (a per-schema default cannot take PUBLIC's away).
    await asIdentity(fx.pool, { role: "memvault_owner" }, async (c) => {
      await c.query("create function memvault.probe_later() returns int language sql as 'select 1'");
      const acl = (await c.query("select array(select a.grantee::regrole::text from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a where a.grantee = 0) as public from pg_proc p where p.oid = 'memvault.probe_later()'::regprocedure")).rows[0].public;
      expect(acl).toEqual([]);
    });
  });

  it("every SECURITY DEFINER function pins its search_path and is executable by exactly the roles it names", async () => {
    const definers = (await functions()).filter((r) => r.definer);
    expect(Object.fromEntries(definers.map((r) => [r.f, r.grantees]))).toEqual(DEFINER_GRANTS);
    for (const r of definers) expect(r.config, r.f).toContain("search_path=pg_catalog, pg_temp");
  });

  it("the monitor and operator cannot spend a key version's seal budget", async () => {
    for (const role of ["memvault_monitor", "memvault_operator"]) {
      expect(await codeOf(asIdentity(fx.pool, { role }, (c) => c.query("select memvault.reserve_seals(1, 1000000)"))), role).toBe("42501");
    }
  });
});

// Isolation on Citus, probed as the leak test does: through the coordinator with the
// application's own tenant transaction, and directly on each worker node as each memvault
// role. Also: a tenant's search is one task on one node, with that shard's HNSW index and
// the hnsw.* settings search_chunks sets, and its recall.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgBinDir } from "../../src/config/dbConfig.ts";
import { DISTRIBUTED_TENANT_TABLES, selectShardSecurity } from "../../src/db/distributeDatabase.ts";
import { runPsqlScript } from "../../src/db/runPsqlScript.ts";
import { runDoctor } from "../../src/ops/doctor.ts";
import { ROLES } from "../../src/db/roles.ts";
import { withRoleFrom, withTenantFrom } from "../../src/db/withTenant.ts";
import { citusCluster, nodePortOf, tenantsOnEachNode, workerNodeUrl } from "../support/citusNodes.ts";
import { seedChunks } from "../support/seedChunks.ts";
import { tenantHash } from "../support/tenant.ts";
import { useTestDatabase } from "../support/testDatabase.ts";

const fx = useTestDatabase();
const run = randomBytes(4).toString("hex");
const DIMS = 384;
let A: string;
let B: string;
const LARGE = tenantHash(`isolation-large-${run}`);
const SMALL = tenantHash(`isolation-small-${run}`);
let app: pg.Pool;

const vector = (seed: number) => `[${Array.from({ length: DIMS }, (_, i) => Math.sin(seed * 13.7 + i * 0.91).toFixed(6)).join(",")}]`;

beforeAll(async () => {
  const [a, b] = await tenantsOnEachNode(fx.pool, `isolation-${run}`);
  A = tenantHash(a!);
  B = tenantHash(b!);
  const seeder = await fx.pool.connect();
  await seedChunks(seeder, [{ userHash: A, count: 40 }, { userHash: B, count: 30 }, { userHash: SMALL, count: 50 }, { userHash: LARGE, count: 2_500 }], { dims: DIMS }).finally(() => seeder.release());
  app = new pg.Pool({ connectionString: fx.db.url("authenticator"), max: 2 });
});
afterAll(async () => {
  await app.end();
  await fx.pool.query("delete from memvault.memory_chunks where user_hash = any($1::text[])", [[A, B, SMALL, LARGE]]);
});

const count = (rows: { n: number }[]) => rows[0]!.n;

describe("Citus: isolation", () => {
  it("memory_chunks is sharded by user_hash over both nodes, and every shard has RLS enabled, forced and the policy", async () => {
    const shards = await selectShardSecurity(fx.pool);
    expect(shards.length).toBeGreaterThan(1);
    // memory_labels' shards, colocated, are checked as well as memory_chunks'.
    expect([...new Set(shards.map((s) => s.table))].sort()).toEqual([...DISTRIBUTED_TENANT_TABLES].sort());
    expect(new Set(shards.map((s) => s.node)).size).toBe(citusCluster().workers.length);
    expect(shards.filter((s) => !s.forced)).toEqual([]);
    expect(await nodePortOf(fx.pool, A)).not.toBe(await nodePortOf(fx.pool, B));
    // The same, read off each worker node's own catalog rather than through Citus.
    for (let i = 0; i < citusCluster().workers.length; i++) {
      const node = new pg.Client({ connectionString: workerNodeUrl(i, "postgres") });
      await node.connect();
      try {
        // Citus hides shards from catalog queries on worker nodes unless asked not to.
        await node.query("set citus.override_table_visibility = off");
        const { rows } = await node.query<{ relname: string; rls: boolean; forced: boolean; policy: string | null }>(
          `select c.relname::text, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
                  (select pg_get_expr(p.polqual, p.polrelid) from pg_policy p where p.polrelid = c.oid and p.polname = 'tenant_isolation') as policy
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'memvault' and c.relname ~ '^memory_chunks_[0-9]+$' and c.relkind = 'r'`,
        );
        expect(rows.length).toBe(shards.filter((s) => s.table === "memvault.memory_chunks" && s.node.endsWith(`:${citusCluster().workers[i]!.port}`)).length);
        for (const r of rows) {
          expect(r).toMatchObject({ rls: true, forced: true });
          expect(r.policy).toBe("(user_hash = memvault.current_user_hash())");
        }
      } finally {
        await node.end();
      }
    }
  });

  it("through the coordinator: a tenant sees only its own rows, none sees nothing, another tenant's label is refused", async () => {
    const asA = withTenantFrom(app, { userHash: A, role: ROLES.user });
    expect(count((await asA((tx) => tx.query("select count(*)::int as n from memvault.memory_chunks"))).rows)).toBe(40);
    expect(count((await asA((tx) => tx.query("select count(*)::int as n from memvault.memory_chunks where user_hash = $1::text", [B]))).rows)).toBe(0);
    expect(count((await asA((tx) => tx.query("select count(*)::int as n from memvault.memory_chunks where user_hash = $1::text", [A]))).rows)).toBe(40);
    // No tenant at all: nothing, on every shard.
    expect(count((await withRoleFrom(app, ROLES.user, (tx) => tx.query("select count(*)::int as n from memvault.memory_chunks"))).rows)).toBe(0);
    // Writing a row labelled as B while A: the policy on B's shard refuses it.
    const err = await asA((tx) =>
      tx.query(
        `insert into memvault.memory_chunks (user_hash, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
         values ($1::text, 1, '\\x00', '\\x00', '\\x00', $2::public.vector)`,
        [B, vector(1)],
      ),
    ).catch((e: { code?: string }) => e);
    expect((err as { code?: string }).code).toBe("42501");
    expect(count((await fx.pool.query("select count(*)::int as n from memvault.memory_chunks where user_hash = $1::text", [B])).rows)).toBe(30);
  });

  it("the tenant reaches the shards verbatim: a hostile value with quotes, backslashes and semicolons is data there too", async () => {
    const hostile = `x'); drop table memvault.memory_chunks; --\\' E'\\\\`;
    // As the superuser (no RLS), read the setting on A's shard, where the row is.
    const seen = await withTenantFrom(fx.pool, { userHash: hostile })((tx) =>
      tx.query<{ h: string }>("select current_setting('app.user_hash') as h from memvault.memory_chunks where user_hash = $1::text limit 1", [A]),
    );
    expect(seen.rows[0]!.h).toBe(hostile);
    expect(count((await fx.pool.query("select count(*)::int as n from memvault.memory_chunks where user_hash = $1::text", [A])).rows)).toBe(40);
  });

  it("set_config() alone never reaches the shards: the tenant sees nothing (fail closed), which is why the tenant transaction uses SET LOCAL", async () => {
    // Deliberately not the tenant transaction (which uses SET LOCAL): set_config() by hand.
    const client = await fx.pool.connect();
    try {
      await client.query("begin");
      await client.query("select set_config('role', $1::text, true), set_config('app.user_hash', $2::text, true)", [ROLES.user, A]);
      const n = await client.query("select count(*)::int as n from memvault.memory_chunks where user_hash = $1::text", [A]);
      expect(count(n.rows)).toBe(0);
    } finally {
      await client.query("rollback");
      client.release();
    }
  });

  it("directly on each worker node, as each memvault role: no tenant sees nothing, a tenant sees only itself, roles without grants are refused", async () => {
    const { rows: shards } = await fx.pool.query<{ shard: string; port: number }>(
      "select shard_name::text as shard, nodeport as port from pg_catalog.citus_shards where table_name = 'memvault.memory_chunks'::regclass",
    );
    const portA = await nodePortOf(fx.pool, A);
    const readers: string[] = [ROLES.user, ROLES.worker, ROLES.owner];
    const refused: string[] = [ROLES.monitor, ROLES.operator, ROLES.authenticator];
    for (let i = 0; i < citusCluster().workers.length; i++) {
      const port = citusCluster().workers[i]!.port;
      const onNode = shards.filter((s) => s.port === port);
      for (const role of [...readers, ...refused]) {
        const client = new pg.Client({ connectionString: workerNodeUrl(i, role) });
        await client.connect();
        try {
          for (const { shard } of onNode) {
            const table = shard.split(".").map((p) => client.escapeIdentifier(p)).join(".");
            const probe = async (userHash?: string) => {
              await client.query("begin");
              try {
                if (userHash) await client.query("select set_config('app.user_hash', $1::text, true)", [userHash]);
                return count((await client.query(`select count(*)::int as n from ${table}`)).rows);
              } catch (e) {
                return (e as { code?: string }).code;
              } finally {
                await client.query("rollback");
              }
            };
            if (refused.includes(role)) {
              expect(await probe(A), `${role} on ${shard}`).toBe("42501");
              continue;
            }
            expect(await probe(), `${role} on ${shard} without a tenant`).toBe(0);
            const mine = count((await fx.pool.query(`select count(*)::int as n from memvault.memory_chunks where user_hash = $1::text and pg_catalog.get_shard_id_for_distribution_column('memvault.memory_chunks', user_hash)::text = $2::text`, [A, shard.replace(/^.*_/, "")])).rows);
            expect(await probe(A), `${role} on ${shard} as A`).toBe(mine);
            if (port === portA && mine > 0) expect(mine).toBe(40);
          }
        } finally {
          await client.end();
        }
      }
    }
  });

  it("a tenant's search is one task on its node, scanning that shard's HNSW index with the settings search_chunks set", async () => {
    const port = await nodePortOf(fx.pool, LARGE);
    const asLarge = withTenantFrom(app, { userHash: LARGE, role: ROLES.user });
    const seen = await asLarge(async (tx) => {
      // 2,500 rows are ranked exactly by default (up to 5000): lower the threshold to take the HNSW path.
      await tx.query("set local memvault.exact_search_max_rows = 1000");
      const hits = await tx.query("select id from memvault.search_chunks($1::public.vector, 8)", [vector(3)]);
      // Read on the shard itself: the SET LOCAL inside search_chunks reached the worker node.
      const remote = await tx.query<{ ef: string; scan: string }>(
        "select current_setting('hnsw.ef_search') as ef, current_setting('hnsw.iterative_scan') as scan from memvault.memory_chunks where user_hash = $1::text limit 1",
        [LARGE],
      );
      // At ef_search 320 the planner rightly prefers sorting 2,500 rows to the HNSW scan; keep
      // it off the sort to see that the shard's own index answers the routed query.
      await tx.query("set local enable_sort = off");
      const plan = await tx.query<{ "QUERY PLAN": string }>(
        `explain select id from memvault.memory_chunks where user_hash = '${LARGE}' order by embedding operator(public.<=>) '${vector(3)}'::public.vector limit 8`,
      );
      return { hits: hits.rowCount, remote: remote.rows[0], plan: plan.rows.map((r) => r["QUERY PLAN"]).join("\n") };
    });
    expect(seen.hits).toBe(8);
    // ef_search = 40 k (migration 000012), set on the coordinator and carried to the node.
    expect(seen.remote).toEqual({ ef: "320", scan: "relaxed_order" });
    expect(seen.plan).toMatch(/Task Count: 1\b/);
    expect(seen.plan).toContain(`port=${port} `);
    expect(seen.plan).toMatch(/Index Scan using memory_chunks_embedding_hnsw_[0-9]+ on memory_chunks_[0-9]+/);
  });

  it("recall@8 of search_chunks: exact up to exact_search_max_rows; above it the shard's own HNSW answer at the rule's ef_search, recall >= 0.95", async () => {
    const shard = (await fx.pool.query<{ shard: string }>(
      "select shard_name::text as shard from pg_catalog.citus_shards where shardid = pg_catalog.get_shard_id_for_distribution_column('memvault.memory_chunks', $1::text)",
      [LARGE],
    )).rows[0]!.shard;
    const portOfLarge = await nodePortOf(fx.pool, LARGE);
    const nodeIndex = citusCluster().workers.findIndex((w) => w.port === portOfLarge);
    const direct = new pg.Client({ connectionString: workerNodeUrl(nodeIndex, "postgres") });
    await direct.connect();
    const exact = async (userHash: string, q: string) =>
      (
        await fx.pool.query<{ id: string }>(
          `select id::text from memvault.memory_chunks where user_hash = $1::text order by (embedding operator(public.<=>) $2::public.vector) + 0, id limit 8`,
          [userHash, q],
        )
      ).rows.map((r) => r.id);
    const search = (tenant: string, q: string, exactMax?: number) =>
      withTenantFrom(app, { userHash: tenant, role: ROLES.user })(async (tx) => {
        if (exactMax !== undefined) await tx.query(`set local memvault.exact_search_max_rows = ${exactMax}`);
        return (await tx.query<{ id: string }>("select id::text from memvault.search_chunks($1::public.vector, 8)", [q])).rows.map((r) => r.id);
      });
    try {
      const recall = { small: 0, large: 0 };
      const queries = 10;
      for (let q = 0; q < queries; q++) {
        const query = vector(100 + q);
        const small = await search(SMALL, query);
        expect(small).toEqual(await exact(SMALL, query));
        recall.small += small.length;
        // 2,500 rows: under the default threshold, ranked exactly.
        expect(await search(LARGE, query)).toEqual(await exact(LARGE, query));
        const truth = new Set(await exact(LARGE, query));
        const large = await search(LARGE, query, 1000);
        expect(large).toHaveLength(8);
        recall.large += large.filter((id) => truth.has(id)).length;
        // The same scan run on the shard itself, outside Citus: the same rows.
        await direct.query("begin");
        await direct.query("set local hnsw.iterative_scan = relaxed_order; set local hnsw.ef_search = 320");
        const own = (await direct.query<{ id: string }>(
          `select id::text from ${shard} where user_hash = $1::text order by embedding operator(public.<=>) $2::public.vector limit 8`,
          [LARGE, query],
        )).rows.map((r) => r.id);
        await direct.query("rollback");
        expect(new Set(large)).toEqual(new Set(own));
      }
      expect(recall.small / (8 * queries)).toBe(1);
      expect(recall.large / (8 * queries)).toBeGreaterThanOrEqual(0.95);
      // For the record (uniform random vectors are HNSW's hardest case).
      console.log(`recall@8 on Citus: small ${recall.small / (8 * queries)}, large through HNSW ${recall.large / (8 * queries)} (ef_search 320)`);
    } finally {
      await direct.end();
    }
  });
  it("the DBA scripts: pre-deploy sanity checks every shard; the leak test passes on the coordinator and on each worker node", async () => {
    const sanity = await runPsqlScript(pgBinDir(), fx.db.url("root"), "pre_deploy_sanity.sql");
    expect(sanity.output).toMatch(/Check 4: Citus: RLS enabled and forced on every shard +PASS +\([0-9]+ shards forced\)/);
    expect(sanity.output).toContain("RESULT: 4 of 4 sanity checks PASSED");
    expect(sanity.exitCode).toBe(0);
    const coordinator = await runPsqlScript(pgBinDir(), fx.db.url("root"), "leak_test.sql");
    if (coordinator.exitCode !== 0) console.log(coordinator.output.split("\n").filter((l) => !/ ok /.test(l)).join("\n"));
    expect(coordinator.output).toMatch(/RESULT: 0 leaked rows in 288 probes of 8 tables/);
    expect(coordinator.exitCode).toBe(0);
    for (let i = 0; i < citusCluster().workers.length; i++) {
      const node = await runPsqlScript(pgBinDir(), workerNodeUrl(i, "postgres"), "leak_test.sql");
      // memory_chunks through Citus from this node, and each of its shards directly.
      expect(node.output, `worker node ${i}`).toMatch(/RESULT: 0 leaked rows in [0-9]+ probes of [0-9]+ tables/);
      expect(node.output).toMatch(/ok {3}memory_chunks_[0-9]+\.select as memvault_user with other tenant: 0 rows/);
      expect(node.exitCode).toBe(0);
    }
  });
  it("memvault doctor on the coordinator: the scripts, the roles, and Citus rows for nodes, shards, colocation and settings", async () => {
    const rows = await runDoctor(pgBinDir(), fx.db.url("root"));
    const failing = rows.filter((r) => r.status === "FAIL");
    expect(failing).toEqual([]);
    const citus = rows.filter((r) => r.check.startsWith("citus"));
    expect(citus.filter((r) => r.check.startsWith("citus node ")).map((r) => r.status)).toEqual(["PASS", "PASS"]);
    expect(citus.find((r) => r.check === "citus memory_chunks")).toMatchObject({ status: "PASS", detail: expect.stringMatching(/^distributed by user_hash, [0-9]+ shards/) });
    expect(citus.find((r) => r.check === "citus database settings")?.status).toBe("PASS");
    expect(citus.find((r) => r.check === "citus propagated settings")).toMatchObject({ status: "PASS", detail: "SET LOCAL app.user_hash and hnsw.ef_search reach 2 nodes" });
    expect(rows.find((r) => r.check === "sql/leak_test.sql")?.status).toBe("PASS");
  });
});

// search_chunks: exactly min(k, tenant rows) of the tenant's own rows, nearest first,
// including for a tenant holding 1% of 20k rows, where a plain HNSW scan followed by
// the RLS filter comes back short.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";
import { seedChunks } from "../support/seedChunks.ts";
import { asIdentity, tenantHash } from "../support/tenant.ts";

const DIMS = 384;
const SMALL = tenantHash("small"); // 200 of 20,000 rows: 1%
const TINY = tenantHash("tiny"); // 5 rows
const EMPTY = tenantHash("empty");
const OTHERS = Array.from({ length: 5 }, (_, i) => tenantHash(`big-${i}`)); // 5 x 3,959

let db: TestDatabase;
let pool: pg.Pool;

const randomVector = () => `[${Array.from({ length: DIMS }, () => (Math.random() - 0.5).toFixed(5)).join(",")}]`;

type Hit = { id: string; distance: number };
const search = (c: pg.ClientBase, q: string, k: number) =>
  c.query<Hit>("select id, distance from memvault.search_chunks($1::public.vector, $2::integer)", [q, k]).then((r) => r.rows);

/** Exact nearest neighbours, computed without any index. */
const exact = (c: pg.ClientBase, q: string, k: number) =>
  c
    .query<Hit>(
      `select id, (embedding operator(public.<=>) $1::public.vector) + 0 as distance
       from memvault.memory_chunks order by 2, id limit $2::integer`,
      [q, k],
    )
    .then((r) => r.rows);

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool();
  const root = await pool.connect();
  try {
    await seedChunks(
      root,
      [{ userHash: SMALL, count: 200 }, { userHash: TINY, count: 5 }, ...OTHERS.map((userHash) => ({ userHash, count: 3_959 }))],
      { dims: DIMS, rebuildIndex: true },
    );
  } finally {
    root.release();
  }
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe("search_chunks", () => {
  it("holds 20k rows with the small tenant at 1%", async () => {
    const { rows } = await pool.query("select count(*)::int as n, count(*) filter (where user_hash = $1)::int as small from memvault.memory_chunks", [SMALL]);
    expect(rows[0]).toEqual({ n: 20_000, small: 200 });
  });

  it("the unprotected query shows the problem: HNSW then RLS returns too few rows", async () => {
    await asIdentity(pool, { role: "memvault_user", userHash: SMALL }, async (c) => {
      await c.query("set local hnsw.iterative_scan = off; set local enable_seqscan = off; set local enable_bitmapscan = off; set local enable_sort = off");
      const { rows } = await c.query(
        "select id from memvault.memory_chunks order by embedding operator(public.<=>) $1::public.vector limit 20",
        [randomVector()],
      );
      expect(rows.length).toBeLessThan(20);
    });
  });

  for (const [label, settings, minRecall] of [
    // 200 rows is under memvault.exact_search_max_rows: ranked exactly.
    ["ranked exactly (small tenant)", "", 1],
    // Exact ranking off and the planner pushed onto the HNSW index: the iterative scan
    // must still fill k. Uniform random vectors are HNSW's hardest case, so recall only
    // has to beat chance (k/200) by far; bench:ann measures it properly.
    [
      "through the HNSW index (iterative scan)",
      "set local memvault.exact_search_max_rows = 0; set local enable_sort = off; set local enable_seqscan = off; set local enable_bitmapscan = off",
      0.5,
    ],
  ] as const) {
    it(`returns exactly k of the 1% tenant's rows, nearest first, ${label}`, async () => {
      await asIdentity(pool, { role: "memvault_user", userHash: SMALL }, async (c) => {
        if (settings) await c.query(settings);
        let recall = 0;
        const ks = [1, 8, 20, 50];
        for (const k of ks) {
          const q = randomVector();
          const hits = await search(c, q, k);
          expect(hits).toHaveLength(k);
          const distances = hits.map((h) => h.distance);
          expect(distances).toEqual([...distances].sort((a, b) => a - b));
          // Every hit is this tenant's: RLS hides the rest, so exact search sees the same set.
          const truth = await exact(c, q, 200);
          const own = new Set(truth.map((t) => t.id));
          expect(hits.every((h) => own.has(h.id))).toBe(true);
          const top = new Set(truth.slice(0, k).map((t) => t.id));
          recall += hits.filter((h) => top.has(h.id)).length / k / ks.length;
        }
        expect(recall).toBeGreaterThanOrEqual(minRecall);
      });
    });
  }

  it("search_chunks itself goes through the HNSW index with an iterative scan when exact ranking is off (its own plan, by auto_explain)", async () => {
    // A superuser session loads auto_explain and logs the plans of statements nested in
    // functions to the client, then becomes memvault_user for the tenant, as the API does.
    const client = await pool.connect();
    const notices: string[] = [];
    client.on("notice", (n) => notices.push(String(n.message)));
    try {
      await client.query("begin");
      await client.query("load 'auto_explain'");
      await client.query("set local auto_explain.log_min_duration = 0; set local auto_explain.log_nested_statements = on; set local auto_explain.log_level = notice");
      await client.query("set local memvault.exact_search_max_rows = 0; set local enable_sort = off; set local enable_seqscan = off; set local enable_bitmapscan = off");
      await client.query("select set_config('role', 'memvault_user', true), set_config('app.user_hash', $1::text, true)", [SMALL]);
      expect((await client.query("select current_setting('hnsw.iterative_scan') as v")).rows[0].v).toBe("off");
      notices.length = 0;
      const hits = await search(client, randomVector(), 20);
      const plans = notices.join("\n");
      // The function's own query scanned the index (not the test's idea of that query)...
      expect(plans).toMatch(/Index Scan using memory_chunks_embedding_hnsw/);
      // ...with the iterative scan the function turned on (SET LOCAL lasts the transaction),
      // which is why 20 of a 1% tenant's rows came back (without it, fewer: test above).
      expect((await client.query("select current_setting('hnsw.iterative_scan') as v")).rows[0].v).toBe("relaxed_order");
      expect(hits).toHaveLength(20);
    } finally {
      await client.query("rollback");
      client.release();
    }
  });

  it("returns all rows of a tenant smaller than k", async () => {
    await asIdentity(pool, { role: "memvault_user", userHash: TINY }, async (c) => {
      expect(await search(c, randomVector(), 8)).toHaveLength(5);
    });
  });

  it("returns nothing for an empty tenant, an empty setting and no setting", async () => {
    for (const userHash of [EMPTY, "", undefined]) {
      await asIdentity(pool, { role: "memvault_user", ...(userHash === undefined ? {} : { userHash }) }, async (c) => {
        expect(await search(c, randomVector(), 8)).toHaveLength(0);
      });
    }
  });

  it("leaves hnsw settings to the transaction", async () => {
    const client = await pool.connect();
    try {
      await client.query("begin");
      await client.query("select set_config('role', 'memvault_user', true), set_config('app.user_hash', $1, true)", [SMALL]);
      await client.query("set local memvault.exact_search_max_rows = 0"); // take the HNSW path
      await search(client, randomVector(), 8);
      const inside = await client.query("select current_setting('hnsw.iterative_scan') as s");
      expect(inside.rows[0].s).toBe("relaxed_order");
      await client.query("commit");
      const after = await client.query("select current_setting('hnsw.iterative_scan') as s");
      expect(after.rows[0].s).toBe("off");
    } finally {
      client.release();
    }
  });

  it("sets hnsw.ef_search from k on the HNSW path: 40 k, at most 1000, never below the transaction's", async () => {
    for (const [k, before, expected] of [
      [8, "", "320"],
      [20, "", "800"],
      [50, "", "1000"],
      [8, "set local hnsw.ef_search = 500", "500"],
      [8, "set local memvault.hnsw_ef_per_k = 10", "80"],
    ] as const) {
      const client = await pool.connect();
      try {
        await client.query("begin");
        await client.query("select set_config('role', 'memvault_user', true), set_config('app.user_hash', $1, true)", [SMALL]);
        await client.query("set local memvault.exact_search_max_rows = 0"); // take the HNSW path
        if (before) await client.query(before);
        expect(await search(client, randomVector(), k)).toHaveLength(k);
        const { rows } = await client.query("select current_setting('hnsw.ef_search') as ef");
        expect([k, before, rows[0].ef]).toEqual([k, before, expected]);
      } finally {
        await client.query("rollback");
        client.release();
      }
    }
  });

  it("rejects bad k and wrong dimensions with stable codes", async () => {
    for (const [q, k, code] of [
      [randomVector(), 0, "22023"],
      [randomVector(), 1001, "22023"],
      ["[1,2,3]", 8, "22000"],
    ] as const) {
      await asIdentity(pool, { role: "memvault_user", userHash: SMALL }, async (c) => {
        await expect(search(c, q, k)).rejects.toMatchObject({ code });
      });
    }
  });

  it("is not executable by memvault_monitor", async () => {
    await asIdentity(pool, { role: "memvault_monitor", userHash: SMALL }, async (c) => {
      await expect(search(c, randomVector(), 8)).rejects.toMatchObject({ code: "42501" });
    });
  });
});

// search_keyword: BM25 in SQL over the term blind indexes the worker writes, equal to a
// plaintext reference library's scores with the same analyzer; the tenant's own statistics
// only; filters choose among the scored; the key serves under RLS as memvault_user.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { referenceBm25 } from "../../bench/support/referenceBm25.ts";
import { termHash } from "../../src/crypto/blindIndex.ts";
import { analyzeText, indexTerms } from "../../src/keyword/analyzeText.ts";
import { zipfText } from "../../bench/support/zipfText.ts";
import { replaceMemoryTerms } from "../../src/sql/replaceMemoryTerms.ts";
import { searchKeyword } from "../../src/sql/searchKeyword.ts";
import { memoryTerms } from "../../src/worker/sealRows.ts";
import { keyringFrom, freshKeyringDocument } from "../support/keyrings.ts";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";
import { asIdentity, tenantHash } from "../support/tenant.ts";

const A = tenantHash("keyword A");
const B = tenantHash("keyword B");
const termKey = keyringFrom(freshKeyringDocument()).termKey;
const vec = `[${Array.from({ length: 384 }, (_, i) => ((i % 7) + 1) / 10).join(",")}]`;

const CORPUS = [
  "Caroline went to the LGBTQ support group yesterday and felt welcomed.",
  "Melanie painted a sunrise over the lake last weekend.",
  "Caroline is researching adoption agencies; adoption is her dream.",
  "The support group meets every Tuesday evening.",
  "Melanie's kids love camping and roasting marshmallows.",
  "Caroline and Melanie talked about painting, camping and the lake.",
  "A sunrise painting hangs in Melanie's kitchen.",
  "Running every morning keeps Caroline calm; she ran a marathon.",
  "The marathon runners ran past the lake at sunrise.",
  "Adoption agencies asked Caroline about her support network.",
  "Dogs, dogs and more dogs: Melanie adopted two dogs.",
  "Nothing here matches anything asked.",
].map((text, i) => ({ id: randomUUID(), text, occurredAt: new Date(Date.UTC(2023, 4, 1 + i)) }));

let db: TestDatabase;
let pool: pg.Pool;

/** Memories of `userHash` as the worker writes them (row, then its terms by the production path). */
async function store(userHash: string, docs: { id: string; text: string; occurredAt?: Date }[]) {
  await asIdentity(pool, { role: "memvault_worker", userHash }, async (c) => {
    await c.query(
      `insert into memvault.memory_chunks (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding, occurred_at)
       select $1::text, u.id, 1, '\\x01', '\\x02', '\\x03', $3::public.vector, u.at from unnest($2::uuid[], $4::timestamptz[]) as u(id, at)`,
      [userHash, docs.map((d) => d.id), vec, docs.map((d) => d.occurredAt ?? null)],
    );
    await replaceMemoryTerms(c, userHash, docs.map((d) => d.id), memoryTerms(termKey, userHash, docs));
  }, { commit: true });
}

const query = (userHash: string, text: string) => ({ ...indexTerms(text, (t) => termHash(termKey, userHash, t)), k1: 1.2, b: 0.75 });
/** `prune`: lower the pruning floor so that a small tenant's common terms are left out (MaxScore) as a large tenant's are. */
const search = (userHash: string, text: string, k = 10, filter = {}, prune = false) =>
  asIdentity(pool, { role: "memvault_user", userHash }, async (c) => {
    if (prune) await c.query("set local memvault.keyword_prune_min_postings = 0");
    return searchKeyword(c, query(userHash, text), k, filter);
  });

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool();
  await store(A, CORPUS);
  // B holds other texts with the same words, many times: its statistics must not touch A's scores.
  await store(B, Array.from({ length: 30 }, () => ({ id: randomUUID(), text: "caroline adoption support group lake sunrise dogs" })));
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const QUERIES = ["caroline adoption", "support group", "sunrise over the lake", "Melanie's dogs", "ran a marathon running", "painting camping", "dog dog adoption"];

describe("search_keyword", () => {
  it("scores as the plaintext reference library does (same analyzer, same BM25), from the tenant's own statistics", async () => {
    const reference = referenceBm25(CORPUS);
    for (const q of QUERIES) {
      const got = await search(A, q, 12);
      const want = reference.search(q, 12);
      expect(got.map((h) => h.id).sort(), q).toEqual(want.map((h) => h.id).sort());
      const score = new Map(want.map((h) => [h.id, h.score]));
      for (const h of got) expect(h.score, q).toBeCloseTo(score.get(h.id)!, 6);
      for (let i = 1; i < got.length; i++) expect(got[i - 1]!.score).toBeGreaterThanOrEqual(got[i]!.score);
    }
  });

  it("skips common terms' postings (MaxScore) without changing the result: the reference's top 10 on 3,000 Zipf-worded memories", async () => {
    const Z = tenantHash("keyword zipf");
    const T0 = performance.now();
    const docs = Array.from({ length: 3_000 }, (_, i) => ({ id: randomUUID(), text: zipfText(i) }));
    await pool.query("analyze memvault.memory_chunks");
    for (let i = 0; i < docs.length; i += 500) await store(Z, docs.slice(i, i + 500));
    console.log("stored", performance.now() - T0);
    // As autovacuum would: index-only scans then skip the heap.
    await pool.query("vacuum analyze memvault.memory_terms");
    const reference = referenceBm25(docs);
    const df = new Map<string, number>();
    for (const d of docs) for (const t of new Set(analyzeText(d.text))) df.set(t, (df.get(t) ?? 0) + 1);
    let pruned = 0;
    for (let i = 0; i < 40; i++) {
      const q = zipfText(500_000 + i, 2 + (i % 4));
      const got = await search(Z, q, 10, {}, true);
      const want = reference.search(q, 10);
      expect(got.map((h) => h.score), q).toEqual(want.map((h) => expect.closeTo(h.score, 6)));
      // Equal scores may come in another order; every id must be one the reference ranks with that score.
      const scoreOf = new Map(reference.search(q, 3_000).map((h) => [h.id, h.score]));
      for (const h of got) expect(scoreOf.get(h.id), q).toBeCloseTo(h.score, 6);
      // Queries whose most frequent term is in at least 2% of the memories take the pruned path first.
      if (analyzeText(q).some((t) => (df.get(t) ?? 0) * 50 >= docs.length)) pruned++;
    }
    console.log("searched", performance.now() - T0);
    expect(pruned).toBeGreaterThanOrEqual(15);
  });

  it("finds nothing of another tenant: B's hashes of the same words, A's hashes asked as B, and no tenant at all", async () => {
    const bIds = new Set((await pool.query("select id::text from memvault.memory_chunks where user_hash = $1", [B])).rows.map((r) => r.id));
    const asB = await search(B, "caroline adoption support");
    expect(asB.length).toBeGreaterThan(0);
    expect(asB.every((h) => bIds.has(h.id))).toBe(true);
    // A's own hashes, sent by B: RLS shows B none of A's rows.
    const aHashes = query(A, "caroline adoption support");
    expect(await asIdentity(pool, { role: "memvault_user", userHash: B }, (c) => searchKeyword(c, aHashes, 10))).toEqual([]);
    expect(await asIdentity(pool, { role: "memvault_user", userHash: "" }, (c) => searchKeyword(c, aHashes, 10))).toEqual([]);
  });

  it("filters choose among the scored without changing the scores, and k are found past a filtered-away pool", async () => {
    const all = await search(A, "caroline melanie", 12);
    const may = await search(A, "caroline melanie", 3, { occurredAfter: new Date(Date.UTC(2023, 4, 6)) });
    const expected = all.filter((h) => CORPUS.find((d) => d.id === h.id)!.occurredAt > new Date(Date.UTC(2023, 4, 6))).slice(0, 3);
    expect(may).toEqual(expected);
    // 80 more memories that outscore everything and are all filtered out: the first pool (64) is widened.
    const noise = Array.from({ length: 80 }, () => ({ id: randomUUID(), text: "zeppelin zeppelin zeppelin", occurredAt: new Date(Date.UTC(2020, 0, 1)) }));
    await store(A, noise);
    const past = await search(A, "zeppelin caroline", 2, { occurredAfter: new Date(Date.UTC(2023, 0, 1)) });
    expect(past).toHaveLength(2);
    expect(past.every((h) => CORPUS.some((d) => d.id === h.id))).toBe(true);
    // Deleted by hand, as a DBA would: the statistics are then recounted (what recount_term_stats is for).
    await pool.query("delete from memvault.memory_chunks where id = any($1::uuid[])", [noise.map((n) => n.id)]);
    expect((await pool.query("select memvault.recount_term_stats() as n")).rows[0].n).toBeGreaterThanOrEqual(2);
    const { rows } = await pool.query("select documents::int as n from memvault.memory_term_stats where user_hash = $1", [A]);
    expect(rows[0].n).toBe(CORPUS.length);
  });

  it("refuses malformed terms and parameters with 22023", async () => {
    const bad = [
      { hashes: [Buffer.alloc(32)], frequencies: [1], k1: 1.2, b: 0.75 },
      { hashes: [Buffer.alloc(16)], frequencies: [0], k1: 1.2, b: 0.75 },
      { hashes: [Buffer.alloc(16)], frequencies: [1, 2], k1: 1.2, b: 0.75 },
      { hashes: [Buffer.alloc(16)], frequencies: [1], k1: 1.2, b: 2 },
    ];
    for (const q of bad) await expect(asIdentity(pool, { role: "memvault_user", userHash: A }, (c) => searchKeyword(c, q, 5))).rejects.toMatchObject({ code: "22023" });
  });

  it("reads postings through memory_terms' key as memvault_user under RLS (equality on bytea is leakproof)", async () => {
    const plan = await asIdentity(pool, { role: "memvault_user", userHash: A }, async (c) => {
      await c.query("set local enable_seqscan = off; set local enable_bitmapscan = off");
      const q = query(A, "caroline adoption");
      const { rows } = await c.query(`explain select t.memory_id, t.frequency, t.memory_length from memvault.memory_terms t where t.user_hash = '${A}' and t.term_hash = any($1::bytea[])`, [q.hashes]);
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
    expect(plan).toMatch(/Index (Only )?Scan using memory_terms_pkey/);
    expect(plan).toMatch(/Index Cond: .*term_hash = ANY/);
  });
});

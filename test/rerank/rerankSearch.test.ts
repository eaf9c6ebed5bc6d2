// Rerank end to end through the database: a request row, a real worker process scoring
// with the generated overlap model, the write-back, the NOTIFY, the waiter. And every
// way it fails open.
import type { SealContext } from "../../src/crypto/aad.ts";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSealer } from "../../src/crypto/seal.ts";
import { searchQueryContext } from "../../src/crypto/sealContexts.ts";
import { createSearchWaiter, type SearchWaiter } from "../../src/api/searchWaiter.ts";
import { withTenantFrom, type WithTenant } from "../../src/db/withTenant.ts";
import { freshKeyringDocument, keyringFrom } from "../support/keyrings.ts";
import { track, untrack } from "../support/openResources.ts";
import { tenantHash } from "../support/tenant.ts";
import { makeModelDirs } from "../support/testModelDirs.ts";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";
import { waitFor } from "../support/waitFor.ts";
import { startWorker, writeKeyringFile } from "../support/workerProcess.ts";

const A = tenantHash("rerank A");
const B = tenantHash("rerank B");
const doc = freshKeyringDocument();
const keyringFile = writeKeyringFile(doc);
const sealer = createSealer(keyringFrom(doc));
/** The query sealed as a keyring-sealed value from before per-tenant keys (the rerank job opens both). */
const sealQuery = async (_tx: unknown, plaintext: Buffer, ctx: SealContext) => sealer.seal(plaintext, ctx);
const texts = [
  "Bananas are yellow and rich in potassium.",
  "The Eiffel Tower was completed in 1889.",
  "Berlin is a city in Germany.",
  "Paris is the capital of France.",
];
const QUERY = "what is the capital of france";

let db: TestDatabase;
let root: pg.Pool;
let models: ReturnType<typeof makeModelDirs>;
let waiter: SearchWaiter;
const ids: string[] = []; // A's chunks, in `texts` order

// The API's own tenant transactions: the authenticator's pool, SET LOCAL role and tenant.
let app: pg.Pool;
const withTenant = (userHash: string): WithTenant => withTenantFrom(app, { userHash, role: "memvault_user" });
const worker = (env: Record<string, string> = {}) =>
  startWorker(db, { MEMVAULT_KEYRING_FILE: keyringFile, RERANK_MODEL_DIR: models.dir("overlap"), ...env });
/** "ANN order" for the test: the lexically best text last, so a rerank must move it. */
const annCandidates = () => ids.map((id, i) => ({ id, distance: 0.1 * (i + 1) }));

beforeAll(async () => {
  models = makeModelDirs(["overlap"]);
  db = await createTestDatabase();
  root = db.pool();
  app = db.pool("authenticator");
  const w = await worker();
  try {
    for (const text of texts) {
      ids.push(
        await withTenant(A)(async (c) =>
          (await c.query("insert into memvault.chunk_ingest (text, embedding) values ($1, array_fill(0.1::real, array[384])::public.vector) returning id", [text])).rows[0].id,
        ),
      );
    }
    await waitFor("A's chunks sealed", async () => (await root.query("select count(*)::int as n from memvault.memory_chunks")).rows[0].n === texts.length);
  } finally {
    await w.stop();
  }
  waiter = await createSearchWaiter(db.url("worker"));
  untrack(track({ label: "search waiter", close: () => waiter.close() })); // file-scoped
});

afterAll(async () => {
  await waiter.close();
  await app.end();
  await root.end();
  await db.drop();
  models.remove();
  fs.rmSync(path.dirname(keyringFile), { recursive: true, force: true });
});

describe("rerank through the database", () => {
  it("moves the lexically matching candidate to the top, with scores, and stores the query sealed", async () => {
    const w = await worker();
    try {
      const result = await waiter.rerank(withTenant(A), sealQuery, { userHash: A, query: QUERY, candidates: annCandidates(), budgetMs: 5_000 });
      expect(result.reranked).toBe(true);
      expect(result.order[0]).toBe(ids[3]);
      expect(result.order).toHaveLength(4);
      if (result.reranked) expect(result.scores[0]).toBeGreaterThan(result.scores[3]!);
      const row = (await root.query("select query_cipher, status from memvault.search_requests where id = $1", [result.requestId])).rows[0];
      expect(row.status).toBe("reranked");
      expect(row.query_cipher.includes(Buffer.from("capital"))).toBe(false);
      expect(sealer.openSealed(row.query_cipher, searchQueryContext(A, result.requestId)).toString()).toBe(QUERY);
    } finally {
      await w.stop();
    }
  });

  it("worker down: the caller gets ANN order at the deadline (timeout); the job, started late, writes skipped: deadline without scoring", async () => {
    // No worker runs: the answer can only come from the waiter's own deadline.
    const result = await waiter.rerank(withTenant(A), sealQuery, { userHash: A, query: QUERY, candidates: annCandidates(), budgetMs: 300 });
    expect(result).toMatchObject({ reranked: false, order: ids, skipReason: "timeout" });
    // Its request is still pending, its deadline gone, when a worker comes.
    const request = "select status, skip_reason, ranked_ids::text[] as ranked from memvault.search_requests where id = $1";
    const w = await worker();
    try {
      await waitFor("the late job", async () => (await root.query(request, [result.requestId])).rows[0].status !== "pending");
      expect((await root.query(request, [result.requestId])).rows).toEqual([{ status: "skipped", skip_reason: "deadline", ranked: ids }]);
    } finally {
      await w.stop();
    }
  });

  it("RERANK_ENABLED=false: ANN order, reason disabled", async () => {
    const w = await worker({ RERANK_ENABLED: "false" });
    try {
      const result = await waiter.rerank(withTenant(A), sealQuery, { userHash: A, query: QUERY, candidates: annCandidates(), budgetMs: 5_000 });
      expect(result).toMatchObject({ reranked: false, order: ids, skipReason: "disabled" });
    } finally {
      await w.stop();
    }
  });

  it("no model: the worker says so clearly, keeps running, and searches fail open (no_model)", async () => {
    const w = await worker({ RERANK_MODEL_DIR: path.join(models.root, "missing") });
    try {
      expect(w.logs()).toMatch(/reranking off: no cross-encoder model: .*model\.onnx is missing/);
      const result = await waiter.rerank(withTenant(A), sealQuery, { userHash: A, query: QUERY, candidates: annCandidates(), budgetMs: 5_000 });
      expect(result).toMatchObject({ reranked: false, order: ids, skipReason: "no_model" });
      expect(w.child.exitCode).toBeNull();
    } finally {
      await w.stop();
    }
  });

  it("a corrupt model: same, with the load error logged", async () => {
    const dir = path.join(models.root, "corrupt");
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(models.dir("overlap"), "tokenizer.json"), path.join(dir, "tokenizer.json"));
    fs.writeFileSync(path.join(dir, "model.onnx"), "garbage");
    const w = await worker({ RERANK_MODEL_DIR: dir });
    try {
      expect(w.logs()).toMatch(/RERANK_BAD_MODEL/);
      const result = await waiter.rerank(withTenant(A), sealQuery, { userHash: A, query: QUERY, candidates: annCandidates(), budgetMs: 5_000 });
      expect(result).toMatchObject({ reranked: false, skipReason: "no_model" });
    } finally {
      await w.stop();
    }
  });

  it("tenant B's request naming A's chunk ids scores nothing of A's", async () => {
    const w = await worker();
    try {
      const result = await waiter.rerank(withTenant(B), sealQuery, { userHash: B, query: QUERY, candidates: annCandidates(), budgetMs: 5_000 });
      // B's job sees none of A's rows under RLS: nothing to score, nothing revealed.
      expect(result).toMatchObject({ reranked: true, order: [], scores: [] });
      // And B cannot read A's requests.
      const seen = await withTenant(B)((c) => c.query("select id from memvault.search_requests where user_hash = $1", [A]));
      expect(seen.rowCount).toBe(0);
    } finally {
      await w.stop();
    }
  });

  it("deletes requests after the worker's RERANK_RETENTION_SECONDS, per tenant, with no retention baked into the schema", async () => {
    const C = tenantHash("rerank C (retention)");
    await waiter.rerank(withTenant(C), sealQuery, { userHash: C, query: QUERY, candidates: [], budgetMs: 50 });
    // The trigger's expiry job is due at once: the worker, which knows the retention, reschedules it.
    const due = await root.query(
      `select run_at <= now() + interval '1 second' as due from graphile_worker._private_jobs
       where key = 'expire_search_requests:' || $1::text`,
      [C],
    );
    expect(due.rows).toEqual([{ due: true }]);
    // Another tenant's request of this test's own, whose expiry job is an hour away: C's job must leave it.
    const D = tenantHash("rerank D (retention)");
    await waiter.rerank(withTenant(D), sealQuery, { userHash: D, query: QUERY, candidates: [], budgetMs: 50 });
    await root.query("update graphile_worker._private_jobs set run_at = now() + interval '1 hour' where key = 'expire_search_requests:' || $1::text", [D]);
    const w = await worker({ RERANK_RETENTION_SECONDS: "2" });
    try {
      await waitFor("C's request deleted", async () => (await root.query("select count(*)::int as n from memvault.search_requests where user_hash = $1", [C])).rows[0].n === 0, 120_000);
      expect((await root.query("select count(*)::int as n from memvault.search_requests where user_hash = $1", [D])).rows[0].n).toBe(1);
    } finally {
      await w.stop();
    }
  });
});

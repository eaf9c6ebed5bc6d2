// The API's operations over real Postgres and a real worker: two tenants, remember ->
// sealed -> memories (opened) -> search (ANN, then reranked) -> forget; bad input refused
// with stable codes and nothing written; a tampered cipher is an error for that field only.
import { openTenantKeys } from "../../src/keys/openTenantKeys.ts";
import { withTenantKeys } from "../../src/keys/withTenantKeys.ts";
import type { TenantKeys } from "../../src/keys/tenantKeys.ts";
import { tenantKeyDeps } from "../../src/api/tenantKeyDeps.ts";
import { createKeyringProvider } from "../../src/crypto/keyringProvider.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/api/inputError.ts";
import { createMemoryService, type MemoryService } from "../../src/api/memoryService.ts";
import { createSearchWaiter, type SearchWaiter } from "../../src/api/searchWaiter.ts";
import type pg from "pg";
import { withTenantFrom, type WithTenant } from "../../src/db/withTenant.ts";
import { track, untrack } from "../support/openResources.ts";
import { tenantHash } from "../support/tenant.ts";
import { makeModelDirs } from "../support/testModelDirs.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { startWorker, type WorkerProcess } from "../support/workerProcess.ts";
import { keywordSettings } from "../../src/api/searchLegs.ts";
import { EmbedError } from "../../src/embed/embedder.ts";

const DIMS = 384;
const fx = useKeyringDatabase();
let models: ReturnType<typeof makeModelDirs>;
let waiter: SearchWaiter;
let worker: WorkerProcess;
let service: MemoryService;

const vec = (seed: number) => Array.from({ length: DIMS }, (_, i) => Math.sin(seed * 13 + i * 0.7));
// The API's own tenant transactions: the authenticator's pool, SET LOCAL role and tenant.
let app: pg.Pool;
// Each transaction reads the tenant's keys first, as the API's do (withTenantKeys).
let keys: TenantKeys;
const as = (userHash: string): WithTenant => withTenantKeys(withTenantFrom(app, { userHash, role: "memvault_user" }), keys, userHash);
const count = async (sql: string) => (await fx.root.query(sql)).rows[0].n as number;

beforeAll(async () => {
  app = fx.db.pool("authenticator");
  models = makeModelDirs(["overlap"]);
  worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, RERANK_MODEL_DIR: models.dir("overlap") });
  waiter = await createSearchWaiter(fx.db.url("worker"));
  untrack(track({ label: "search waiter", close: () => waiter.close() }));
  keys = openTenantKeys(createKeyringProvider({ variable: "MEMVAULT_KEYRING_FILE", file: fx.keyringFile }));
  service = createMemoryService({
    ...tenantKeyDeps(keys),
    limits: { dims: DIMS, maxTextBytes: 65_536, maxMetaBytes: 16_384 },
    waiter,
    rerankBudgetMs: 3_000,
    rerankCandidates: 24,
    keyword: keywordSettings((u) => keys.current(u).termKey),
    canEmbedQuery: () => false,
    lexicalEmbedder: () => false,
    embedQuery: async () => {
      throw new Error("no embedder in this test");
    },
  });
});
afterAll(async () => {
  await app.end();
  await waiter.close();
  await worker.stop();
  models.remove();
});

const texts = ["Bananas are yellow.", "The Eiffel Tower is in Paris.", "Paris is the capital of France.", "Berlin is in Germany.", "Rome has the Colosseum."];
const sealedCount = async (ids: string[]) => (await fx.root.query("select count(*)::int as n from memvault.memory_chunks where id = any($1::uuid[])", [ids])).rows[0].n as number;

/**
 * Tenants of one test's own (each test stands alone, in any order): A with `texts`, B with
 * one private note, both sealed by the worker.
 */
async function seedTenants(label: string): Promise<{ A: string; B: string; idsA: string[] }> {
  const A = tenantHash(`api A ${label}`);
  const B = tenantHash(`api B ${label}`);
  const idsA = (await service.rememberMany(as(A), A, texts.map((text, i) => ({ text, meta: { i }, embedding: vec(i) })))).map((o) => o.id);
  const idB = (await service.rememberMany(as(B), B, [{ text: "B's private note", embedding: vec(99) }]))[0]!.id;
  await waitFor("sealed", async () => (await sealedCount([...idsA, idB])) === 6);
  return { A, B, idsA };
}

describe("memory service", () => {
  it("remember: pending ids, sealed by the worker", async () => {
    const A = tenantHash("api A remember");
    const out = await service.rememberMany(as(A), A, texts.map((text, i) => ({ text, meta: { i }, embedding: vec(i) })));
    expect(out).toHaveLength(5);
    expect(out.every((o) => o.status === "pending")).toBe(true);
    await waitFor("sealed", async () => (await sealedCount(out.map((o) => o.id))) === 5);
  });

  it("memories: the tenant's own, opened, newest first, paginated", async () => {
    const { A, B } = await seedTenants("memories");
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await as(A)((tx) => service.memories(tx, A, { first: 2, ...(after ? { after } : {}) }));
      seen.push(...page.nodes.map((n) => n.text!));
      expect(page.nodes.every((n) => n.error === null)).toBe(true);
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    expect(seen.sort()).toEqual([...texts].sort());
    const b = await as(B)((tx) => service.memories(tx, B, {}));
    expect(b.nodes.map((n) => n.text)).toEqual(["B's private note"]);
  });

  it("search without a query: ANN order, k hits, own rows only", async () => {
    const { A, B } = await seedTenants("ann");
    const res = await service.search(as(A), A, { embedding: vec(2), k: 3 });
    expect(res.hits).toHaveLength(3);
    expect(res.hits[0]!.memory.text).toBe(texts[2]); // its own vector
    expect(res).toMatchObject({ reranked: false, rerankSkipReason: "no_query" });
    const b = await service.search(as(B), B, { embedding: vec(2), k: 8 });
    expect(b.hits.map((h) => h.memory.text)).toEqual(["B's private note"]);
  });

  it("search with a query: reranked by the cross-encoder (overlap model)", async () => {
    const { A } = await seedTenants("reranked");
    const res = await service.search(as(A), A, { embedding: vec(0), query: "what is the capital of france", k: 2 });
    expect(res.reranked).toBe(true);
    expect(res.hits[0]!.memory.text).toBe("Paris is the capital of France.");
    expect(res.hits[0]!.score).toBeGreaterThan(res.hits[1]!.score!);
  });

  it.each([
    ["empty text", { text: "", embedding: vec(1) }, "TEXT_EMPTY"],
    ["oversized text", { text: "x".repeat(65_537), embedding: vec(1) }, "TEXT_TOO_LONG"],
    ["meta that is an array", { text: "t", meta: [1] as unknown as Record<string, unknown>, embedding: vec(1) }, "META_NOT_OBJECT"],
    ["oversized meta", { text: "t", meta: { x: "y".repeat(16_400) }, embedding: vec(1) }, "META_TOO_LARGE"],
    ["a wrong dimension", { text: "t", embedding: [1, 2, 3] }, "EMBEDDING_DIMENSION"],
    ["NaN", { text: "t", embedding: [Number.NaN, ...vec(1).slice(1)] }, "EMBEDDING_NOT_FINITE"],
  ])("refuses %s with a stable code, writing nothing", async (_label, input, code) => {
    const A = tenantHash("api A refusals");
    const before = await count(`select count(*)::int as n from memvault.chunk_ingest where user_hash = '${A}'`);
    const err = await service.rememberMany(as(A), A, [input]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe(code);
    expect(await count(`select count(*)::int as n from memvault.chunk_ingest where user_hash = '${A}'`)).toBe(before);
  });

  it("a default hybrid search fails open to its keyword leg when the embedder cannot embed the query; an explicit HYBRID fails with the code", async () => {
    const { A } = await seedTenants("embedder down");
    // The same service, but with an embedder that is configured and down.
    const down = createMemoryService({
      ...tenantKeyDeps(keys),
      limits: { dims: DIMS, maxTextBytes: 65_536, maxMetaBytes: 16_384 },
      rerankBudgetMs: 3_000,
      rerankCandidates: 24,
      keyword: keywordSettings((u) => keys.current(u).termKey),
      canEmbedQuery: () => true,
      lexicalEmbedder: () => false,
      embedQuery: async () => {
        throw new EmbedError("EMBEDDER_UNAVAILABLE", "the embedding server is down");
      },
    });
    const res = await down.search(as(A), A, { query: "Eiffel Tower", k: 2, rerank: false });
    expect(res.hits[0]!.memory.text).toBe("The Eiffel Tower is in Paris.");
    expect(res.hits.every((h) => h.distance === null && h.keywordScore !== null)).toBe(true);
    await expect(down.search(as(A), A, { query: "Eiffel Tower", mode: "HYBRID", rerank: false })).rejects.toMatchObject({ code: "EMBEDDER_UNAVAILABLE" });
  });

  it("refuses a taken id, k out of range, oversized pages and forged cursors", async () => {
    const { A, idsA } = await seedTenants("refusals");
    await expect(service.rememberMany(as(A), A, [{ id: idsA[0]!, text: "again", embedding: vec(1) }])).rejects.toMatchObject({ code: "ID_TAKEN" });
    await expect(service.search(as(A), A, { embedding: vec(1), k: 51 })).rejects.toMatchObject({ code: "K_OUT_OF_RANGE" });
    await expect(as(A)((tx) => service.memories(tx, A, { first: 101 }))).rejects.toMatchObject({ code: "PAGE_SIZE" });
    await expect(as(A)((tx) => service.memories(tx, A, { after: "not-a-cursor" }))).rejects.toMatchObject({ code: "BAD_CURSOR" });
  });

  it("a cipher swapped between rows is an error for that memory, never the other row's text", async () => {
    const { A, idsA } = await seedTenants("swapped");
    // An attacker with table access copies row 1's text cipher over row 0's.
    await fx.root.query(
      "update memvault.memory_chunks set text_cipher = (select text_cipher from memvault.memory_chunks where id = $2) where id = $1",
      [idsA[0], idsA[1]],
    );
    const page = await as(A)((tx) => service.memories(tx, A, { first: 10 }));
    const tampered = page.nodes.find((n) => n.id === idsA[0])!;
    expect(tampered).toMatchObject({ text: null, meta: null, error: "SEAL_AUTH_FAILED" });
    expect(page.nodes.filter((n) => n.text === texts[1])).toHaveLength(1);
  });

  it("forget: B cannot forget A's memory; A forgets one, then all (its search requests too)", async () => {
    const { A, B, idsA } = await seedTenants("forget");
    await service.search(as(A), A, { embedding: vec(0), query: "what is the capital of france", k: 2 });
    expect(await as(B)((tx) => service.forget(tx, B, idsA[2]!))).toBe(0);
    // App code naming the wrong tenant key (the shard key on Citus) still gets nothing: RLS decides.
    expect(await as(B)((tx) => service.forget(tx, A, idsA[2]!))).toBe(0);
    expect((await as(B)((tx) => service.forgetAll(tx, A))).sealed).toBe(0);
    expect(await as(A)((tx) => service.forget(tx, A, idsA[2]!))).toBe(1);
    const all = await as(A)((tx) => service.forgetAll(tx, A));
    expect(all.sealed).toBe(4);
    expect(all.searches).toBeGreaterThanOrEqual(1);
    expect(await count(`select count(*)::int as n from memvault.memory_chunks where user_hash = '${B}'`)).toBe(1);
  });
});

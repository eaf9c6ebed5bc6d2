// Rate limits and load shedding through the real server: a tenant over its limit gets 429
// RATE_LIMITED with Retry-After and nothing is written; another tenant is untouched; a full
// memory bucket sheds with 503 OVERLOADED while token checks and /healthz still answer.
import { beforeAll, describe, expect, it } from "vitest";
import { useApiFixture, vec } from "../support/apiFixture.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { startWorker } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx, {
  rerankBudgetMs: 1_500,
  rateLimits: { writes: 5, searches: 4, reranks: 1, reads: 1_000, subscriptions: 2 },
  memoryBucket: { poolSize: 4, connections: 2, maxWaitMs: 1_000, maxInflight: 1 },
});

const REMEMBER = `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`;
const inputs = (n: number, seed: number) => Array.from({ length: n }, (_, i) => ({ text: `m${seed}-${i}`, embedding: vec(seed + i) }));

// Kim's and Lee's memories are sealed by a worker, which then stops: from then on a search
// with a query waits its whole rerank budget in service (then falls back to ANN order).
beforeAll(async () => {
  const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile }, { scope: "file" });
  for (const [who, seed] of [["kim", 50], ["lee", 60]] as const) await t.gql(`Bearer ${await t.token(who)}`, REMEMBER, { i: inputs(2, seed) });
  await waitFor("sealed", async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n === 0);
  await worker.stop();
});
const stored = async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n as number;
const post = (auth: string, query: string, variables: Record<string, unknown>) =>
  fetch(`${t.api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: auth }, body: JSON.stringify({ query, variables }) });

describe("per-tenant rate limits", () => {
  it("past the write limit: 429 RATE_LIMITED with Retry-After, the whole operation refused and nothing written; another tenant unaffected", async () => {
    const ivy = `Bearer ${await t.token("ivy")}`;
    expect((await t.gql(ivy, REMEMBER, { i: inputs(3, 1) })).body.data.rememberMany).toHaveLength(3);
    const before = await stored();
    // 3 of 5 spent: a batch of 3 does not fit and is refused whole, not cut to 2.
    const res = await post(ivy, REMEMBER, { i: inputs(3, 10) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await res.json()) as { errors: { extensions: { code: string; retryAfterMs: number; rateClass: string } }[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: "RATE_LIMITED", rateClass: "writes" });
    expect(body.errors[0]!.extensions.retryAfterMs).toBeGreaterThan(0);
    expect(body.errors[0]!.extensions.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(await stored()).toBe(before);
    // The 2 left still fit; then nothing does.
    expect((await t.gql(ivy, REMEMBER, { i: inputs(2, 20) })).body.data.rememberMany).toHaveLength(2);
    expect((await post(ivy, REMEMBER, { i: inputs(1, 30) })).status).toBe(429);
    // Jack has his own bucket.
    const jack = `Bearer ${await t.token("jack")}`;
    expect((await t.gql(jack, REMEMBER, { i: inputs(5, 40) })).body.data.rememberMany).toHaveLength(5);
  });

  it("a refused class spends nothing of the others: a search over the rerank limit leaves the search allowance whole", async () => {
    const kim = `Bearer ${await t.token("kim")}`;
    const SEARCH = `query($e: [Float!]!, $q: String) { search(embedding: $e, query: $q, k: 2) { reranked rerankSkipReason } }`;
    // One rerank allowed: it waits its budget (no worker) and falls back to ANN order.
    expect((await t.gql(kim, SEARCH, { e: vec(50), q: "first" })).body.data.search.rerankSkipReason).toBe("timeout");
    const refused = await t.gql(kim, SEARCH, { e: vec(50), q: "second" });
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    // 4 searches a minute: 1 spent by the reranked one, the refused one spent none: 3 left.
    for (let i = 0; i < 3; i++) expect((await t.gql(kim, SEARCH, { e: vec(50) })).status).toBe(200);
    expect((await t.gql(kim, SEARCH, { e: vec(50) })).status).toBe(429);
    const metrics = await (await fetch(t.api.metricsUrl!)).text();
    expect(metrics).toMatch(/memvault_api_admissions_total\{class="reranks",outcome="rate_limited"\} [1-9]/);
    expect(metrics).toMatch(/memvault_api_admissions_total\{class="searches",outcome="rate_limited"\} [1-9]/);
  });
});

describe("the memory bucket", () => {
  it("sheds a memory request while the bucket is full (503 OVERLOADED, Retry-After); /healthz and token checks are never behind it", async () => {
    const lee = `Bearer ${await t.token("lee")}`;
    const before = await stored();
    // One request in service at a time: this one waits out its rerank budget.
    const slow = t.gql(lee, `query($e: [Float!]!) { search(embedding: $e, query: "hold", k: 1) { reranked } }`, { e: vec(60) });
    await waitFor("the search in service", async () => /memvault_api_memory_bucket\{state="inflight"\} 1\b/.test(await (await fetch(t.api.metricsUrl!)).text()));
    const shed = await post(`Bearer ${await t.token("mia")}`, REMEMBER, { i: inputs(1, 70) });
    expect(shed.status).toBe(503);
    expect(Number(shed.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await shed.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("OVERLOADED");
    const health = await fetch(`${t.api.url}/healthz`);
    expect(health.status).toBe(200);
    // A bad token is still told so (401), not shed.
    expect((await post("Bearer forged.token.value", REMEMBER, { i: inputs(1, 80) })).status).toBe(401);
    expect((await slow).status).toBe(200);
    expect(await stored()).toBe(before);
    // Once it finished, the next request is served.
    expect((await t.gql(`Bearer ${await t.token("mia")}`, REMEMBER, { i: inputs(1, 90) })).body.data.rememberMany).toHaveLength(1);
    const metrics = await (await fetch(t.api.metricsUrl!)).text();
    expect(metrics).toMatch(/memvault_api_admissions_total\{class="memory",outcome="shed"\} [1-9]/);
  });
});

// Fail-open reranking: budget, breaker, flags, and the remote (TEI protocol) scorer
// against a fake server on loopback that speaks the real protocol.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCircuitBreaker } from "../../src/rerank/circuitBreaker.ts";
import { createRemoteScorer } from "../../src/rerank/remoteScorer.ts";
import { createReranker } from "../../src/rerank/reranker.ts";
import { createRerankMetrics } from "../../src/rerank/rerankMetrics.ts";
import type { Scorer } from "../../src/rerank/scorer.ts";

const candidates = ["a", "b", "c", "d"].map((id) => ({ id, text: `text ${id}` }));
const ann = candidates.map((c) => c.id);

/** A scorer whose speed and health the test controls; counts its calls. */
function fakeScorer(behaviour: { delayMs?: number; fail?: boolean; scores?: number[]; hang?: boolean }) {
  let calls = 0;
  let inFlight = 0;
  const release: (() => void)[] = [];
  const scorer: Scorer = {
    name: "fake",
    async score(_q, texts) {
      calls++;
      inFlight++;
      try {
        if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
        if (behaviour.hang) await new Promise<void>((r) => release.push(r));
      } finally {
        inFlight--;
      }
      if (behaviour.fail) throw new Error("model exploded");
      return behaviour.scores ?? texts.map((_, i) => i); // reverses ANN order
    },
    close: async () => {},
  };
  return { scorer, calls: () => calls, inFlight: () => inFlight, releaseAll: () => release.splice(0).forEach((r) => r()) };
}

function setup(scorer: Scorer | undefined, opts: { enabled?: boolean; clock?: { t: number } } = {}) {
  const metrics = createRerankMetrics(new Registry());
  const breaker = createCircuitBreaker({ failures: 3, windowMs: 10_000, cooldownMs: 1_000, ...(opts.clock ? { now: () => opts.clock!.t } : {}) });
  const reranker = createReranker({ scorer, enabled: () => opts.enabled ?? true, breaker, metrics });
  return { reranker, metrics, breaker };
}

describe("reranker", () => {
  it("reorders by score", async () => {
    const { reranker, metrics } = setup(fakeScorer({}).scorer);
    const out = await reranker.rerank("q", candidates, 250);
    expect(out).toMatchObject({ reranked: true, order: ["d", "c", "b", "a"], scores: [3, 2, 1, 0] });
    expect(metrics.snapshot()).toMatchObject({ calls: 1, breaker: "closed" });
  });

  it("returns ANN order at the budget when the scorer hangs, then trips the breaker", async () => {
    // The scorer never answers until released: returning at all proves the budget cut it
    // off (latency itself is measured in bench:rerank, not here).
    const slow = fakeScorer({ hang: true });
    const { reranker, metrics, breaker } = setup(slow.scorer);
    try {
      for (let i = 0; i < 3; i++) {
        const out = await reranker.rerank("q", candidates, 30);
        expect(out).toMatchObject({ reranked: false, order: ann, skipReason: "timeout" });
        expect(slow.inFlight()).toBe(i + 1); // still scoring when the caller got its answer
      }
      expect(breaker.state()).toBe("open");
      const skipped = await reranker.rerank("q", candidates, 30);
      expect(skipped).toMatchObject({ reranked: false, order: ann, skipReason: "breaker_open" });
      expect(slow.calls()).toBe(3); // the open breaker did not call the scorer
      expect(metrics.snapshot().skips).toEqual({ timeout: 3, breaker_open: 1 });
    } finally {
      slow.releaseAll();
    }
  });

  it("half-opens after the cooldown: a good probe closes it, a bad one opens it again", async () => {
    const clock = { t: 0 };
    const health = { fail: true };
    const scorer: Scorer = { name: "flaky", score: async (_q, texts) => { if (health.fail) throw new Error("down"); return texts.map(() => 1); }, close: async () => {} };
    const { reranker, breaker } = setup(scorer, { clock });
    for (let i = 0; i < 3; i++) expect(await reranker.rerank("q", candidates, 100)).toMatchObject({ skipReason: "error" });
    expect(breaker.state()).toBe("open");
    clock.t = 1_500;
    expect(breaker.state()).toBe("half_open");
    expect(await reranker.rerank("q", candidates, 100)).toMatchObject({ skipReason: "error" }); // the probe fails
    expect(breaker.state()).toBe("open");
    clock.t = 3_000;
    health.fail = false;
    expect(await reranker.rerank("q", candidates, 100)).toMatchObject({ reranked: true });
    expect(breaker.state()).toBe("closed");
  });

  it("disabled: never calls the scorer", async () => {
    const f = fakeScorer({});
    const { reranker } = setup(f.scorer, { enabled: false });
    expect(await reranker.rerank("q", candidates, 250)).toMatchObject({ reranked: false, order: ann, skipReason: "disabled" });
    expect(f.calls()).toBe(0);
  });

  it("no model: ANN order with the reason", async () => {
    const { reranker } = setup(undefined);
    expect(await reranker.rerank("q", candidates, 250)).toMatchObject({ reranked: false, order: ann, skipReason: "no_model" });
  });

  it("an exhausted budget skips without scoring", async () => {
    const f = fakeScorer({});
    const { reranker } = setup(f.scorer);
    expect(await reranker.rerank("q", candidates, 0)).toMatchObject({ skipReason: "deadline" });
    expect(f.calls()).toBe(0);
  });
});

describe("remote scorer (text-embeddings-inference /rerank)", () => {
  let server: http.Server;
  let base: string;
  const mode = { status: 200, body: "" as string | undefined };
  const seen: unknown[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        const parsed = JSON.parse(body) as { query: string; texts: string[] };
        seen.push({ path: req.url, method: req.method, ...parsed });
        // TEI answers sorted by score, not in input order.
        const answer = parsed.texts.map((t, index) => ({ index, score: t.includes("Paris") ? 9 : index / 10 })).sort((a, b) => b.score - a.score);
        res.writeHead(mode.status, { "content-type": "application/json" }).end(mode.body ?? JSON.stringify(answer));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(() => r(undefined)));
  });

  it("sends {query, texts} and maps [{index, score}] back to input order", async () => {
    const scorer = createRemoteScorer(base, { timeoutMs: 1_000 });
    mode.status = 200;
    mode.body = undefined;
    const scores = await scorer.score("capital of france", ["Berlin", "Paris", "Rome"]);
    expect(scores).toEqual([0, 9, 0.2]);
    expect(seen.at(-1)).toMatchObject({ path: "/rerank", method: "POST", query: "capital of france", texts: ["Berlin", "Paris", "Rome"] });
  });

  it("a failing server is a RERANK_REMOTE error (and so a fail-open skip)", async () => {
    const scorer = createRemoteScorer(base, { timeoutMs: 1_000 });
    mode.status = 503;
    await expect(scorer.score("q", ["x"])).rejects.toMatchObject({ code: "RERANK_REMOTE", message: expect.stringContaining("503") });
    mode.status = 200;
    mode.body = JSON.stringify([{ index: 7, score: 1 }]);
    await expect(scorer.score("q", ["x"])).rejects.toMatchObject({ code: "RERANK_REMOTE", message: expect.stringContaining("malformed") });
    const { reranker } = setup(scorer);
    expect(await reranker.rerank("q", [{ id: "x", text: "x" }], 500)).toMatchObject({ reranked: false, skipReason: "error" });
    mode.body = undefined;
  });
});

// Rollout variants in a worker: loaded once and lazily, pinned by SHA-256, one breaker and
// one metric label each, and fail-open (no_model) when a variant cannot load.
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCircuitBreaker } from "../../src/rerank/circuitBreaker.ts";
import type { RerankVariant } from "../../src/rerankVariant.ts";
import { loadVariantScorer, remoteUrlAllowed } from "../../src/rerank/loadVariantScorer.ts";
import { createReranker } from "../../src/rerank/reranker.ts";
import { createRerankMetrics } from "../../src/rerank/rerankMetrics.ts";
import { createVariantRerankers } from "../../src/rerank/variantRerankers.ts";
import { makeModelDirs } from "../support/testModelDirs.ts";

let models: ReturnType<typeof makeModelDirs>;
let pin: string;
const candidates = [
  { id: "a", text: "bananas are yellow" },
  { id: "b", text: "paris is the capital of france" },
];

beforeAll(() => {
  models = makeModelDirs(["overlap"]);
  pin = createHash("sha256").update(fs.readFileSync(path.join(models.dir("overlap"), "model.onnx"))).digest("hex");
});
afterAll(() => models.remove());

const variant = (over: Partial<RerankVariant>): RerankVariant => ({
  name: "v",
  modelDir: models.dir("overlap"),
  remoteUrl: null,
  modelSha256: pin,
  batchSize: 8,
  maxLength: 128,
  threads: 1,
  budgetMs: 5_000,
  ...over,
});

function setup(retryLoadAfterMs = 60_000, allowedRemoteUrls: string[] = []) {
  const registry = new Registry();
  const settings = createReranker({ scorer: undefined, enabled: () => true, breaker: createCircuitBreaker({ failures: 3, windowMs: 1_000, cooldownMs: 1_000 }), metrics: createRerankMetrics(registry) });
  const logs: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(line) });
  const rerankers = createVariantRerankers({ settings, registry, logger, enabled: () => true, breaker: { failures: 3, windowMs: 1_000, cooldownMs: 1_000 }, device: "cpu", retryLoadAfterMs, allowedRemoteUrls });
  return { registry, rerankers, logs };
}

describe("remote scorers come from the worker's allow-list, not the database", () => {
  it("matches the same origin and a path at or below an allowed URL, nothing else", () => {
    const allowed = ["https://scorer.internal", "http://10.0.0.5:8080/v1"];
    expect(remoteUrlAllowed("https://scorer.internal/rerank", allowed)).toBe(true);
    expect(remoteUrlAllowed("http://10.0.0.5:8080/v1/rerank", allowed)).toBe(true);
    for (const url of ["https://scorer.internal.evil.example/rerank", "http://scorer.internal/rerank", "https://scorer.internal:444/rerank", "http://10.0.0.5:8080/v10/rerank", "https://user:pw@scorer.internal/rerank", "not a url"]) {
      expect(remoteUrlAllowed(url, allowed), url).toBe(false);
    }
    expect(remoteUrlAllowed("https://scorer.internal/rerank", [])).toBe(false);
  });

  it("a variant naming a remote scorer off the list sends it nothing and fails open; on the list, it scores", async () => {
    const received: string[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push(body);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([{ index: 0, score: 0.1 }, { index: 1, score: 0.9 }]));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rerank`;
    try {
      const refused = setup();
      const off = await refused.rerankers.forVariant(variant({ name: "exfil", modelDir: null, modelSha256: null, remoteUrl: url }));
      expect(await off.rerank("the secret query", candidates, 5_000)).toMatchObject({ reranked: false, skipReason: "no_model" });
      expect(received).toEqual([]);
      expect(refused.logs.join("")).toMatch(/"variant":"exfil".*RERANK_REMOTE_NOT_ALLOWED/);
      await refused.rerankers.close();

      const listed = setup(60_000, [url.replace("/rerank", "")]);
      const on = await listed.rerankers.forVariant(variant({ name: "tei", modelDir: null, modelSha256: null, remoteUrl: url }));
      expect(await on.rerank("capital of france", candidates, 5_000)).toMatchObject({ reranked: true, order: ["b", "a"] });
      expect(received).toHaveLength(1);
      await listed.rerankers.close();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe("variant rerankers", () => {
  it("load a variant once, on first use, and score with it under its own metric label", async () => {
    const { rerankers, registry } = setup();
    const [first, second] = await Promise.all([rerankers.forVariant(variant({ name: "good" })), rerankers.forVariant(variant({ name: "good" }))]);
    expect(first).toBe(second);
    expect(await rerankers.forVariant(variant({ name: "good" }))).toBe(first);
    const out = await first.rerank("capital of france", candidates, 5_000);
    expect(out).toMatchObject({ reranked: true, order: ["b", "a"] });
    const text = await registry.metrics();
    expect(text).toMatch(/memvault_rerank_calls_total\{variant="good"\} 1/);
    expect(text).toMatch(/memvault_rerank_breaker_state\{variant="settings"\} 0/);
    await rerankers.close();
  });

  it("a model whose bytes do not match the pin is refused before ONNX Runtime sees it; its requests skip with no_model", async () => {
    await expect(loadVariantScorer(variant({ modelSha256: "0".repeat(64) }), "cpu")).rejects.toMatchObject({ code: "RERANK_BAD_MODEL" });
    const { rerankers, registry, logs } = setup();
    const bad = await rerankers.forVariant(variant({ name: "mispinned", modelSha256: "0".repeat(64) }));
    expect(await bad.rerank("q", candidates, 5_000)).toMatchObject({ reranked: false, skipReason: "no_model", order: ["a", "b"] });
    expect(await registry.metrics()).toMatch(/memvault_rerank_skips_total\{variant="mispinned",reason="no_model"\} 1/);
    expect(logs.join("")).toMatch(/"variant":"mispinned".*RERANK_BAD_MODEL.*has SHA-256 [0-9a-f]{64}, the variant pins 0{64}/);
    await rerankers.close();
  });

  it("a variant whose model is missing is tried again later, and serves once the file is in place", async () => {
    const dir = fs.mkdtempSync(path.join(models.root, "late-"));
    const { rerankers } = setup(0);
    const v = variant({ name: "late", modelDir: dir });
    expect(await (await rerankers.forVariant(v)).rerank("q", candidates, 5_000)).toMatchObject({ reranked: false, skipReason: "no_model" });
    fs.cpSync(models.dir("overlap"), dir, { recursive: true });
    expect(await (await rerankers.forVariant(v)).rerank("capital of france", candidates, 5_000)).toMatchObject({ reranked: true, order: ["b", "a"] });
    await rerankers.close();
  });
});

// The bi-encoder on generated models: pooling read from the model folder, unit vectors,
// order kept across micro-batches, the dimension checked against EMBEDDING_DIM at start,
// CUDA falling back to the CPU, and a text-embeddings-inference server (a fake on loopback
// speaking /embed) with its failures as codes.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/configError.ts";
import { loadBiEncoder } from "../../src/embed/biEncoder.ts";
import { createEmbedderFromConfig, instrumentEmbedder } from "../../src/embed/createEmbedderFromConfig.ts";
import { createEmbedMetrics } from "../../src/embed/embedMetrics.ts";
import type { Embedder } from "../../src/embed/embedder.ts";
import { createRemoteEmbedder } from "../../src/embed/remoteEmbedder.ts";
import { logger } from "../../src/logger.ts";
import { makeModelDirs } from "../support/testModelDirs.ts";

const models = makeModelDirs(["wordhash", "tinyembed", "minilm"]);
const load = (dir: string, extra: Partial<Parameters<typeof loadBiEncoder>[0]> = {}) => loadBiEncoder({ modelDir: dir, maxLength: 128, batchSize: 2, threads: 1, device: "cpu", ...extra });
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(cosine(a, a));
let wordhash: Embedder & { dims: number };

beforeAll(async () => {
  wordhash = await load(models.dir("wordhash"));
});
afterAll(async () => {
  await wordhash.close();
  models.remove();
});

/** Runs fn with the given environment variables set, restoring them after. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

describe("bi-encoder", () => {
  it("the word-hash embedder: unit vectors, texts sharing words close, order kept across micro-batches", async () => {
    const texts = ["the cat sat on the mat", "a cat sat on a mat", "quantum chromodynamics lecture notes", "mat cat sat"];
    const v = await wordhash.embed(texts);
    expect(v.map((x) => x.length)).toEqual([384, 384, 384, 384]);
    for (const x of v) expect(norm(x)).toBeCloseTo(1, 5);
    // 4 shared words of 6: cosine 4 / 8 = 0.5 ("the" and "a" twice each).
    expect(cosine(v[0]!, v[1]!)).toBeGreaterThan(0.45);
    expect(cosine(v[0]!, v[2]!)).toBeLessThan(0.3);
    // batchSize 2: four texts in two micro-batches sorted by length, answered in input order.
    const one = await Promise.all(texts.map(async (t) => (await wordhash.embed([t]))[0]!));
    for (let i = 0; i < texts.length; i++) expect(Array.from(v[i]!)).toEqual(Array.from(one[i]!));
  });

  it("reads the pooling from 1_Pooling/config.json (CLS here) and refuses what it cannot do", async () => {
    const tiny = await load(models.dir("tinyembed"));
    expect([tiny.pooling, tiny.dims]).toEqual(["cls", 16]);
    const [cls] = await tiny.embed(["pooling decides this vector"]);
    await tiny.close();
    const poolingFile = path.join(models.dir("tinyembed"), "1_Pooling", "config.json");
    const original = fs.readFileSync(poolingFile, "utf8");
    try {
      fs.writeFileSync(poolingFile, JSON.stringify({ pooling_mode_cls_token: false, pooling_mode_mean_tokens: true }));
      const mean = await load(models.dir("tinyembed"));
      expect(mean.pooling).toBe("mean");
      const [m] = await mean.embed(["pooling decides this vector"]);
      await mean.close();
      expect(cosine(cls!, m!)).toBeLessThan(0.999);
      fs.writeFileSync(poolingFile, JSON.stringify({ pooling_mode_max_tokens: true }));
      await expect(load(models.dir("tinyembed"))).rejects.toMatchObject({ code: "EMBEDDER_BAD_MODEL" });
      fs.rmSync(poolingFile);
      await expect(load(models.dir("tinyembed"))).rejects.toMatchObject({ code: "EMBEDDER_BAD_MODEL" });
    } finally {
      fs.writeFileSync(poolingFile, original);
    }
    await expect(load(path.join(models.root, "nothing-here"))).rejects.toMatchObject({ code: "EMBEDDER_UNAVAILABLE" });
  });

  it("EMBEDDER_DEVICE=cuda without CUDA falls back to the CPU, saying so", async () => {
    const fallbacks: unknown[] = [];
    const e = await load(models.dir("wordhash"), { device: "cuda", onDeviceFallback: (err) => fallbacks.push(err) });
    expect(e.device).toBe("cpu");
    expect(fallbacks).toHaveLength(1);
    await e.close();
  });

  it("a MiniLM-L6-shaped model (the real compute) embeds into 384 unit dimensions", async () => {
    const e = await load(models.dir("minilm"), { threads: 2, batchSize: 16 });
    const v = await e.embed(["a passage of ordinary length about nothing in particular", "short"]);
    expect(v.map((x) => x.length)).toEqual([384, 384]);
    for (const x of v) expect(norm(x)).toBeCloseTo(1, 5);
    expect(cosine(v[0]!, v[1]!)).toBeLessThan(0.9999);
    await e.close();
  });

  it("at start, a model whose dimension is not EMBEDDING_DIM stops the process, naming both numbers; a missing one is a reason", async () => {
    const err = await withEnv({ EMBEDDER_MODEL_DIR: models.dir("tinyembed"), EMBEDDING_DIM: "384" }, () => createEmbedderFromConfig(new Registry(), logger)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe("EMBEDDER_MODEL_DIR");
    expect((err as Error).message).toMatch(/16 dimensions.*EMBEDDING_DIM is 384/);
    const missing = await withEnv({ EMBEDDER_MODEL_DIR: path.join(models.root, "absent") }, () => createEmbedderFromConfig(new Registry(), logger));
    expect(missing.embedder).toBeUndefined();
    expect(missing.reason).toBe("EMBEDDER_UNAVAILABLE");
    await expect(missing.embed(["x"], 1_000)).rejects.toMatchObject({ code: "EMBEDDER_UNAVAILABLE" });
  });
});

describe("text-embeddings-inference server (/embed)", () => {
  let server: http.Server;
  let url: string;
  let mode: "ok" | "down" | "malformed" | "slow" | "small" = "ok";
  const bodies: unknown[] = [];
  beforeAll(async () => {
    server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { inputs: string[] };
      bodies.push(body);
      if (req.url !== "/embed") return void res.writeHead(404).end();
      if (mode === "down") return void res.writeHead(503).end("overloaded");
      if (mode === "malformed") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ error: "not a list" }));
      if (mode === "slow") await new Promise((r) => setTimeout(r, 1_000));
      const vectors = mode === "small" ? body.inputs.map(() => Array.from({ length: 16 }, () => 0.25)) : (await wordhash.embed(body.inputs)).map((v) => Array.from(v));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(vectors));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it("embeds as the local model does, sending {inputs, normalize, truncate}", async () => {
    mode = "ok";
    const remote = createRemoteEmbedder(url, { timeoutMs: 5_000 });
    const [r] = await remote.embed(["the cat sat"]);
    const [l] = await wordhash.embed(["the cat sat"]);
    expect(cosine(r!, l!)).toBeCloseTo(1, 5);
    expect(bodies.at(-1)).toEqual({ inputs: ["the cat sat"], normalize: true, truncate: true });
  });

  it("a server that is down, malformed or slow is a coded error, never a vector", async () => {
    const handle = instrumentEmbedder(createRemoteEmbedder(url, { timeoutMs: 5_000 }), undefined, 384, createEmbedMetrics(new Registry()));
    mode = "down";
    await expect(handle.embed(["x"], 2_000)).rejects.toMatchObject({ code: "EMBEDDER_REMOTE", message: expect.stringContaining("503") });
    mode = "malformed";
    await expect(handle.embed(["x"], 2_000)).rejects.toMatchObject({ code: "EMBEDDER_REMOTE" });
    mode = "slow";
    await expect(handle.embed(["x"], 200)).rejects.toMatchObject({ code: "EMBED_TIMEOUT" });
    mode = "small";
    await expect(handle.embed(["x"], 2_000)).rejects.toMatchObject({ code: "EMBEDDER_BAD_MODEL" });
    const err = await withEnv({ EMBEDDER_URL: url, EMBEDDING_DIM: "384" }, () => createEmbedderFromConfig(new Registry(), logger)).catch((e: unknown) => e);
    expect((err as ConfigError).variable).toBe("EMBEDDER_URL");
  });
});

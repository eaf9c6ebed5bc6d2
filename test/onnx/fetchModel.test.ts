// memvault model fetch against a fake hub on loopback serving HF resolve URLs: installs
// only files whose SHA-256 matches the pins, never trusts on first use, and puts the
// reranker and the embedder where their loaders look.
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestModel, TOKENIZER_JSON, writeTestModel } from "../../scripts/testModels.ts";
import { loadBiEncoder } from "../../src/embed/biEncoder.ts";
import type { CpuFeatures } from "../../src/onnx/cpuFeatures.ts";
import { EMBEDDER_MODEL, fetchModel, RERANKER_MODEL, rerankerWithFile } from "../../src/onnx/fetchModel.ts";
import { loadCrossEncoder } from "../../src/rerank/crossEncoder.ts";

const model = Buffer.from(buildTestModel("overlap"));
const INT8_FILE = "onnx/model_qint8_avx512_vnni.onnx";
const int8Model = Buffer.from(buildTestModel("tiny", 42, "qint8"));
const VNNI_CPU: CpuFeatures = { arch: "x64", isas: ["avx512_vnni", "avx512", "avx2"] };
const tokenizer = fs.readFileSync(TOKENIZER_JSON());
const embedderDir = writeTestModel("wordhash", fs.mkdtempSync(path.join(os.tmpdir(), "mve-")));
const embedderFiles = Object.fromEntries(EMBEDDER_MODEL.files.map((f) => [f.path, fs.readFileSync(path.join(embedderDir, f.installAs))]));
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const pins = { model: sha(model), tokenizer: sha(tokenizer) };
const requested: string[] = [];
let server: http.Server;
let endpoint: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvf-"));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requested.push(req.url ?? "");
    const base = `/${RERANKER_MODEL.repo}/resolve/main/`;
    if (req.url === `${base}onnx/model.onnx`) return void res.end(model);
    if (req.url === `${base}tokenizer.json`) return void res.end(tokenizer);
    if (req.url === `${base}${INT8_FILE}`) return void res.end(int8Model);
    const embedderBase = `/${EMBEDDER_MODEL.repo}/resolve/main/`;
    const file = req.url?.startsWith(embedderBase) ? embedderFiles[req.url.slice(embedderBase.length)] : undefined;
    if (file) return void res.end(file);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(embedderDir, { recursive: true, force: true });
});

describe("model fetch", () => {
  it("refuses without pins, before any download", async () => {
    const before = requested.length; // other tests of this file may have downloaded already
    await expect(fetchModel({ endpoint, model: RERANKER_MODEL, dir, pins: {} })).rejects.toMatchObject({ code: "MODEL_NO_PIN" });
    // The embedder needs its pooling configuration pinned too.
    await expect(fetchModel({ endpoint, model: EMBEDDER_MODEL, dir, pins })).rejects.toMatchObject({ code: "MODEL_NO_PIN", message: expect.stringContaining("--sha256-pooling") });
    expect(requested.slice(before)).toEqual([]);
  });

  it("refuses a file whose checksum differs, and installs nothing", async () => {
    const target = path.join(dir, "bad");
    await expect(fetchModel({ endpoint, model: RERANKER_MODEL, dir: target, pins: { ...pins, tokenizer: "0".repeat(64) } })).rejects.toMatchObject({ code: "MODEL_CHECKSUM" });
    expect(fs.existsSync(target) ? fs.readdirSync(target) : []).toEqual([]);
  });

  it("installs the pinned reranker where the scorer loads it", async () => {
    const target = path.join(dir, "good");
    await fetchModel({ endpoint, model: RERANKER_MODEL, dir: target, pins });
    expect(fs.readdirSync(target).sort()).toEqual(["model.onnx", "tokenizer.json"]);
    const scorer = await loadCrossEncoder({ modelDir: target, maxLength: 64, batchSize: 8, threads: 1, device: "cpu" });
    expect(await scorer.score("capital of france", ["Paris is the capital of France", "bananas"])).toEqual([3, 0]);
    await scorer.close();
  });

  it("installs a pinned int8 export beside the fp32 model, under its repository path", async () => {
    const target = path.join(dir, "int8");
    const spec = rerankerWithFile(INT8_FILE);
    await expect(fetchModel({ endpoint, model: spec, dir: target, pins })).rejects.toMatchObject({ code: "MODEL_NO_PIN", message: expect.stringContaining("--sha256-rerank-file") });
    await expect(fetchModel({ endpoint, model: spec, dir: target, pins: { ...pins, "rerank-file": sha(model) } })).rejects.toMatchObject({ code: "MODEL_CHECKSUM" });
    expect(fs.existsSync(target) ? fs.readdirSync(target) : []).toEqual([]);
    await fetchModel({ endpoint, model: spec, dir: target, pins: { ...pins, "rerank-file": sha(int8Model) } });
    expect(fs.readFileSync(path.join(target, INT8_FILE)).equals(int8Model)).toBe(true);
    const scorer = await loadCrossEncoder({ modelDir: target, modelFile: INT8_FILE, cpu: VNNI_CPU, maxLength: 64, batchSize: 8, threads: 1, device: "cpu" });
    expect(scorer).toMatchObject({ file: INT8_FILE, precision: "int8" });
    expect((await scorer.score("capital of france", ["Paris", "bananas"])).every(Number.isFinite)).toBe(true);
    await scorer.close();
  });

  it("installs the pinned embedder in the sentence-transformers layout the embedder loads", async () => {
    const target = path.join(dir, "embedder");
    const embedderPins = { model: sha(embedderFiles["onnx/model.onnx"]!), tokenizer: sha(embedderFiles["tokenizer.json"]!), pooling: sha(embedderFiles["1_Pooling/config.json"]!) };
    await fetchModel({ endpoint, model: EMBEDDER_MODEL, dir: target, pins: embedderPins });
    const embedder = await loadBiEncoder({ modelDir: target, maxLength: 64, batchSize: 8, threads: 1, device: "cpu" });
    expect(embedder.dims).toBe(384);
    expect(embedder.pooling).toBe("mean");
    await embedder.close();
  });

  it("an unreachable hub is a clear error", async () => {
    await expect(fetchModel({ endpoint: "http://127.0.0.1:9", model: RERANKER_MODEL, dir: path.join(dir, "x"), pins })).rejects.toMatchObject({
      code: "MODEL_UNREACHABLE",
      message: expect.stringContaining("cannot reach"),
    });
  });
});

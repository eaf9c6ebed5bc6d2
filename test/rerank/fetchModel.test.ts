// memvault model fetch against a fake hub on loopback serving HF resolve URLs: installs
// only files whose SHA-256 matches the pins, and never trusts on first use.
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestModel, TOKENIZER_JSON } from "../../scripts/testModels.ts";
import { loadCrossEncoder } from "../../src/rerank/crossEncoder.ts";
import { fetchModel, PRODUCTION_MODEL } from "../../src/rerank/fetchModel.ts";

const model = Buffer.from(buildTestModel("overlap"));
const tokenizer = fs.readFileSync(TOKENIZER_JSON());
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const pins = { "model.onnx": sha(model), "tokenizer.json": sha(tokenizer) };
const requested: string[] = [];
let server: http.Server;
let endpoint: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvf-"));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requested.push(req.url ?? "");
    const base = `/${PRODUCTION_MODEL.repo}/resolve/main/`;
    if (req.url === `${base}onnx/model.onnx`) return void res.end(model);
    if (req.url === `${base}tokenizer.json`) return void res.end(tokenizer);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("model fetch", () => {
  it("refuses without pins, before any download", async () => {
    await expect(fetchModel({ endpoint, repo: PRODUCTION_MODEL.repo, revision: "main", dir, pins: {} })).rejects.toMatchObject({
      code: "RERANK_BAD_INPUT",
    });
    expect(requested).toEqual([]);
  });

  it("refuses a file whose checksum differs, and installs nothing", async () => {
    const target = path.join(dir, "bad");
    await expect(
      fetchModel({ endpoint, repo: PRODUCTION_MODEL.repo, revision: "main", dir: target, pins: { ...pins, "tokenizer.json": "0".repeat(64) } }),
    ).rejects.toMatchObject({ code: "RERANK_BAD_MODEL" });
    expect(fs.readdirSync(target)).toEqual([]);
  });

  it("installs the pinned files where the scorer loads them", async () => {
    const target = path.join(dir, "good");
    await fetchModel({ endpoint, repo: PRODUCTION_MODEL.repo, revision: "main", dir: target, pins });
    expect(fs.readdirSync(target).sort()).toEqual(["model.onnx", "tokenizer.json"]);
    const scorer = await loadCrossEncoder({ modelDir: target, maxLength: 64, batchSize: 8, threads: 1, device: "cpu" });
    expect(await scorer.score("capital of france", ["Paris is the capital of France", "bananas"])).toEqual([3, 0]);
    await scorer.close();
  });

  it("an unreachable hub is a clear error", async () => {
    await expect(
      fetchModel({ endpoint: "http://127.0.0.1:9", repo: PRODUCTION_MODEL.repo, revision: "main", dir: path.join(dir, "x"), pins }),
    ).rejects.toMatchObject({ code: "RERANK_REMOTE", message: expect.stringContaining("cannot reach") });
  });
});

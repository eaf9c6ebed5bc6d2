// The int8 exports of a cross-encoder: the same generated weights dynamically quantized
// (DynamicQuantizeLinear + MatMulInteger, under Optimum's file names), which file runs on
// which CPU, and the fallback to the fp32 model.onnx with a reason and a metric.
import fs from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { QUANTIZED_FILES } from "../../scripts/testModels.ts";
import type { CpuFeatures } from "../../src/onnx/cpuFeatures.ts";
import { isasFromFlags } from "../../src/onnx/cpuFeatures.ts";
import { chooseRerankModelFile, isaOfModelFile, precisionOfModelFile } from "../../src/rerank/chooseRerankModelFile.ts";
import { createRerankerFromConfig } from "../../src/rerank/createRerankerFromConfig.ts";
import { loadCrossEncoder, type CrossEncoderOptions } from "../../src/rerank/crossEncoder.ts";
import { makeModelDirs } from "../support/testModelDirs.ts";

const VNNI: CpuFeatures = { arch: "x64", isas: ["avx512_vnni", "avx512", "avx2"] };
const AVX2: CpuFeatures = { arch: "x64", isas: ["avx2"] };
const BARE: CpuFeatures = { arch: "x64", isas: [] };
const ARM: CpuFeatures = { arch: "arm64", isas: ["arm64"] };

let models: ReturnType<typeof makeModelDirs>;
beforeAll(() => {
  models = makeModelDirs(["tinybert"], { quantized: true });
});
afterAll(() => models.remove());

const options = (extra: Partial<CrossEncoderOptions> = {}): CrossEncoderOptions => ({
  modelDir: models.dir("tinybert"),
  maxLength: 128,
  batchSize: 32,
  threads: 1,
  device: "cpu",
  cpu: VNNI,
  ...extra,
});

const query = "what is the capital of france";
const texts = [
  "Paris is the capital and most populous city of France.",
  "Bananas are yellow and rich in potassium.",
  "The Eiffel Tower was completed in 1889 for the World's Fair.",
  "Berlin is the capital of Germany.",
  "The Loire is the longest river in France.",
  "Photosynthesis turns light into chemical energy.",
  "Lyon is known for its cuisine and gastronomy.",
  "The French Revolution began in 1789.",
  "Mount Everest is the highest mountain above sea level.",
  "Marseille is a port city on the Mediterranean coast.",
  "Quantum computers use qubits.",
  "The Seine flows through the heart of Paris.",
];

/**
 * The export auto must load here, from this machine's own /proc/cpuinfo and Optimum's file
 * names, written out rather than asked of the code under test (chooseRerankModelFile).
 */
function autoFileForThisCpu(): { file: string; precision: "int8" | "fp32" } {
  if (process.arch === "arm64") return { file: "onnx/model_qint8_arm64.onnx", precision: "int8" };
  const line = fs.existsSync("/proc/cpuinfo") ? fs.readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags")) : undefined;
  const flags = new Set((line ?? "").split(":")[1]?.trim().split(/\s+/) ?? []);
  const avx512 = flags.has("avx512f") && flags.has("avx512bw") && flags.has("avx512vl");
  if (avx512 && flags.has("avx512_vnni")) return { file: "onnx/model_qint8_avx512_vnni.onnx", precision: "int8" };
  if (avx512) return { file: "onnx/model_qint8_avx512.onnx", precision: "int8" };
  if (flags.has("avx2")) return { file: "onnx/model_quint8_avx2.onnx", precision: "int8" };
  return { file: "model.onnx", precision: "fp32" };
}

function ranks(scores: number[]): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const r = new Array<number>(scores.length);
  order.forEach((i, rank) => (r[i] = rank));
  return r;
}

describe("choosing the model file", () => {
  const all = (f: string) => f.endsWith(".onnx");
  it("auto takes the best int8 export the CPU has instructions for", () => {
    expect(chooseRerankModelFile("/m", "auto", VNNI, all)).toEqual({ file: "onnx/model_qint8_avx512_vnni.onnx", precision: "int8" });
    expect(chooseRerankModelFile("/m", "auto", AVX2, all)).toEqual({ file: "onnx/model_quint8_avx2.onnx", precision: "int8" });
    expect(chooseRerankModelFile("/m", "auto", ARM, all)).toEqual({ file: "onnx/model_qint8_arm64.onnx", precision: "int8" });
    // Only what is installed counts.
    expect(chooseRerankModelFile("/m", "auto", VNNI, (f) => f.endsWith("avx2.onnx") || f.endsWith("/model.onnx")).file).toBe("onnx/model_quint8_avx2.onnx");
    const none = chooseRerankModelFile("/m", "auto", BARE, all);
    expect(none).toMatchObject({ file: "model.onnx", precision: "fp32", fallback: expect.stringContaining("no int8 export for this CPU") });
  });

  it("an export for instructions the CPU lacks, or a missing one, falls back to model.onnx with the reason", () => {
    expect(chooseRerankModelFile("/m", "onnx/model_qint8_avx512_vnni.onnx", AVX2, all)).toMatchObject({
      file: "model.onnx",
      precision: "fp32",
      fallback: expect.stringMatching(/built for avx512_vnni, which this CPU \(x64 with avx2\) lacks/),
    });
    expect(chooseRerankModelFile("/m", "onnx/model_qint8_arm64.onnx", VNNI, all).fallback).toContain("built for arm64");
    expect(chooseRerankModelFile("/m", "onnx/model_quint8_avx2.onnx", VNNI, () => false).fallback).toContain("is not in /m");
    // A file without an instruction-set suffix is taken as asked.
    expect(chooseRerankModelFile("/m", "onnx/model_quantized.onnx", BARE, all)).toEqual({ file: "onnx/model_quantized.onnx", precision: "int8" });
    expect(chooseRerankModelFile("/m", "model.onnx", BARE, () => false)).toEqual({ file: "model.onnx", precision: "fp32" });
  });

  it("reads the instruction set and precision from Optimum's names, and the CPU from its flags", () => {
    expect(QUANTIZED_FILES.map((f) => isaOfModelFile(f.file))).toEqual(["avx512_vnni", "avx512", "arm64", "avx2"]);
    expect(QUANTIZED_FILES.every((f) => precisionOfModelFile(f.file) === "int8")).toBe(true);
    expect(precisionOfModelFile("onnx/model_O4.onnx")).toBe("fp32");
    expect(isasFromFlags("x64", new Set(["avx2", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"]))).toEqual(["avx512_vnni", "avx512", "avx2"]);
    // VNNI without the AVX-512 base Optimum's export needs is not enough.
    expect(isasFromFlags("x64", new Set(["avx2", "avx512_vnni", "avx512f"]))).toEqual(["avx2"]);
    expect(isasFromFlags("arm64", new Set())).toEqual(["arm64"]);
  });
});

describe("int8 cross-encoder", () => {
  it("runs the int8 export of the same weights and ranks like fp32", async () => {
    const fp32 = await loadCrossEncoder(options());
    const int8 = await loadCrossEncoder(options({ modelFile: "onnx/model_qint8_avx512_vnni.onnx" }));
    const uint8 = await loadCrossEncoder(options({ modelFile: "onnx/model_quint8_avx2.onnx" }));
    try {
      expect(fp32).toMatchObject({ file: "model.onnx", precision: "fp32" });
      expect(int8).toMatchObject({ file: "onnx/model_qint8_avx512_vnni.onnx", precision: "int8", name: expect.stringContaining(":int8") });
      const a = await fp32.score(query, texts);
      const spread = Math.max(...a) - Math.min(...a);
      for (const q of [int8, uint8]) {
        const b = await q.score(query, texts);
        // Quantized for real: the scores move, a little.
        const drift = Math.max(...b.map((s, i) => Math.abs(s - a[i]!)));
        expect(drift).toBeGreaterThan(0);
        expect(drift).toBeLessThan(0.25 * spread);
        const ra = ranks(a);
        const rb = ranks(b);
        const n = texts.length;
        const spearman = 1 - (6 * ra.reduce((sum, r, i) => sum + (r - rb[i]!) ** 2, 0)) / (n * (n * n - 1));
        expect(spearman).toBeGreaterThan(0.9);
      }
    } finally {
      await Promise.all([fp32.close(), int8.close(), uint8.close()]);
    }
  });

  it("falls back to model.onnx, saying why, when the CPU lacks the export's instructions", async () => {
    const reasons: string[] = [];
    const scorer = await loadCrossEncoder(options({ modelFile: "onnx/model_qint8_avx512_vnni.onnx", cpu: AVX2, onModelFallback: (r) => reasons.push(r) }));
    try {
      expect(scorer).toMatchObject({ file: "model.onnx", precision: "fp32" });
      expect(reasons).toEqual([expect.stringContaining("built for avx512_vnni")]);
      expect((await scorer.score(query, texts)).every(Number.isFinite)).toBe(true);
    } finally {
      await scorer.close();
    }
  });

  it("falls back to model.onnx when the export does not load", async () => {
    const dir = models.dir("tinybert");
    fs.writeFileSync(path.join(dir, "onnx", "model_broken_avx2.onnx"), "not an onnx model");
    const reasons: string[] = [];
    const scorer = await loadCrossEncoder(options({ modelFile: "onnx/model_broken_avx2.onnx", cpu: AVX2, onModelFallback: (r) => reasons.push(r) }));
    try {
      expect(scorer).toMatchObject({ file: "model.onnx", precision: "fp32" });
      expect(reasons).toEqual(["cannot load onnx/model_broken_avx2.onnx"]);
    } finally {
      await scorer.close();
    }
  });
});

describe("the process's reranker (createRerankerFromConfig)", () => {
  const saved = { dir: process.env.RERANK_MODEL_DIR, file: process.env.RERANK_MODEL_FILE, url: process.env.RERANK_URL };
  afterEach(() => {
    for (const [name, value] of [["RERANK_MODEL_DIR", saved.dir], ["RERANK_MODEL_FILE", saved.file], ["RERANK_URL", saved.url]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  async function start(file: string) {
    process.env.RERANK_MODEL_DIR = models.dir("tinybert");
    process.env.RERANK_MODEL_FILE = file;
    delete process.env.RERANK_URL;
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    const registry = new Registry();
    const { scorer } = await createRerankerFromConfig(registry, logger);
    await scorer?.close();
    return { lines, metrics: await registry.metrics() };
  }

  it("warns and counts a fallback, and names the file it scores with", async () => {
    // An export for the other architecture than this machine's is never usable here.
    const foreign = process.arch === "arm64" ? "onnx/model_quint8_avx2.onnx" : "onnx/model_qint8_arm64.onnx";
    const { lines, metrics } = await start(foreign);
    expect(lines.find((l) => l.level === 40)?.msg).toMatch(/built for (arm64|avx2).*scoring with the fp32 model\.onnx/);
    expect(metrics).toContain("memvault_rerank_model_fallbacks_total 1");
    expect(metrics).toContain('memvault_rerank_model_info{file="model.onnx",precision="fp32"} 1');
  });

  it("auto loads the export this machine's CPU runs (an int8 one wherever the CPU has AVX2, AVX-512 or is arm64)", async () => {
    const expected = autoFileForThisCpu();
    const { lines, metrics } = await start("auto");
    expect(metrics).toContain(`memvault_rerank_model_info{file="${expected.file}",precision="${expected.precision}"} 1`);
    expect(metrics).toContain(`memvault_rerank_model_fallbacks_total ${expected.precision === "fp32" ? 1 : 0}`);
    expect(lines.some((l) => l.msg === "cross-encoder loaded")).toBe(true);
  });

  it("refuses a RERANK_MODEL_FILE outside the model directory", async () => {
    await expect(start("../elsewhere.onnx")).rejects.toMatchObject({ message: expect.stringContaining("RERANK_MODEL_FILE") });
    await expect(start("/etc/model.onnx")).rejects.toMatchObject({ message: expect.stringContaining("RERANK_MODEL_FILE") });
  });
});

// The ONNX cross-encoder on generated models with the real interface and the real
// bert-base-uncased tokenizer.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCrossEncoder, type CrossEncoderOptions } from "../../src/rerank/crossEncoder.ts";
import { RerankError } from "../../src/rerank/rerankError.ts";
import { makeModelDirs } from "../support/testModelDirs.ts";

let models: ReturnType<typeof makeModelDirs>;
beforeAll(() => {
  models = makeModelDirs(["tiny", "overlap"]);
});
afterAll(() => models.remove());

const options = (modelDir: string, extra: Partial<CrossEncoderOptions> = {}): CrossEncoderOptions => ({
  modelDir,
  maxLength: 256,
  batchSize: 32,
  threads: 1,
  device: "cpu",
  ...extra,
});

const query = "what is the capital of france";
const texts = [
  "Bananas are yellow and rich in potassium.",
  "The Eiffel Tower was completed in 1889 for the World's Fair.",
  "Paris is the capital and most populous city of France.",
  "Berlin is the capital of Germany.",
];

describe("cross-encoder", () => {
  it("scores each text against the query, one logit per text", async () => {
    const scorer = await loadCrossEncoder(options(models.dir("tiny")));
    try {
      const scores = await scorer.score(query, texts);
      expect(scores).toHaveLength(texts.length);
      expect(scores.every(Number.isFinite)).toBe(true);
      expect(await scorer.score(query, [])).toEqual([]);
    } finally {
      await scorer.close();
    }
  });

  it("gives the same scores whatever the micro-batching and padding", async () => {
    const one = await loadCrossEncoder(options(models.dir("tiny"), { batchSize: 1 }));
    const many = await loadCrossEncoder(options(models.dir("tiny"), { batchSize: 32 }));
    try {
      const varied = [...texts, "x", "a much longer passage ".repeat(30)];
      const a = await one.score(query, varied);
      const b = await many.score(query, varied);
      b.forEach((score, i) => expect(score).toBeCloseTo(a[i]!, 5));
    } finally {
      await one.close();
      await many.close();
    }
  });

  it("the overlap model ranks the lexically matching text first", async () => {
    const scorer = await loadCrossEncoder(options(models.dir("overlap")));
    try {
      const scores = await scorer.score(query, texts);
      const best = scores.indexOf(Math.max(...scores));
      expect(texts[best]).toContain("Paris");
      expect(scores[0]).toBe(0);
    } finally {
      await scorer.close();
    }
  });

  it("truncates only the text and keeps the final [SEP]", async () => {
    const scorer = await loadCrossEncoder(options(models.dir("tiny"), { maxLength: 32 }));
    try {
      const [pair] = await scorer.encode(query, ["word ".repeat(200)]);
      expect(pair!.ids).toHaveLength(32);
      expect(pair!.ids[0]).toBe(101);
      expect(pair!.ids.at(-1)).toBe(102);
      // The query survives whole: [CLS] 6 query tokens [SEP]
      expect(pair!.ids.slice(0, 8)).toEqual([101, 2054, 2003, 1996, 3007, 1997, 2605, 102]);
      expect(pair!.typeIds.filter((t) => t === 0)).toHaveLength(8);
    } finally {
      await scorer.close();
    }
  });

  it("a missing model is a clear error, not a crash", async () => {
    await expect(loadCrossEncoder(options(path.join(models.root, "nope")))).rejects.toMatchObject({
      code: "RERANK_NO_MODEL",
      message: expect.stringContaining("model.onnx is missing"),
    });
  });

  it("a corrupt model is a clear error", async () => {
    const dir = path.join(models.root, "corrupt");
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(models.dir("tiny"), "tokenizer.json"), path.join(dir, "tokenizer.json"));
    fs.writeFileSync(path.join(dir, "model.onnx"), Buffer.from("this is not an onnx model"));
    const err = await loadCrossEncoder(options(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RerankError);
    expect((err as RerankError).code).toBe("RERANK_BAD_MODEL");
  });

  it("asked for CUDA where it cannot load, falls back to the CPU and says so", async () => {
    const fallbacks: unknown[] = [];
    const scorer = await loadCrossEncoder(options(models.dir("tiny"), { device: "cuda", onDeviceFallback: (e) => fallbacks.push(e) }));
    try {
      expect(scorer.device).toBe("cpu");
      expect(fallbacks).toHaveLength(1);
      expect(await scorer.score(query, texts)).toHaveLength(texts.length);
    } finally {
      await scorer.close();
    }
  });
});

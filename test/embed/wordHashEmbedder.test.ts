import { describe, expect, it } from "vitest";
import { createWordHashEmbedder, wordHashVector } from "../../src/embed/wordHashEmbedder.ts";

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe("the development word-hash embedder", () => {
  it("puts texts that share words closer than texts that share none, in unit vectors of the asked dimension", async () => {
    const [q, near, far] = await createWordHashEmbedder(384).embed(["Invoices due Friday?", "the invoices are due on friday", "a cat sat on a mat"]);
    expect(q!.length).toBe(384);
    expect(cosine(q!, q!)).toBeCloseTo(1, 5);
    expect(cosine(q!, near!)).toBeGreaterThan(0.5);
    expect(cosine(q!, near!)).toBeGreaterThan(cosine(q!, far!) + 0.3);
  });

  it("refuses a text without words with EMBED_FAILED rather than a zero vector", () => {
    expect(() => wordHashVector(" ?! ", 16)).toThrow(expect.objectContaining({ code: "EMBED_FAILED" }));
  });
});

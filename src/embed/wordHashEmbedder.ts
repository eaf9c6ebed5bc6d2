// The development embedder `npm start` uses when no model is installed or configured: each
// lowercased word is a signed one-hot vector in one of `dims` buckets (FNV-1a), mean pooled
// and normalised. Texts that share words are close; it is not a semantic model. Pure
// TypeScript, so development needs no model file and production code no model generator.
import { EmbedError, normalize, type Embedder } from "./embedder.ts";

function fnv1a(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function wordHashVector(text: string, dims: number): Float32Array {
  const v = new Float32Array(dims);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const h = fnv1a(word);
    v[h % dims]! += (h >>> 31) === 0 ? 1 : -1;
  }
  if (v.every((x) => x === 0)) throw new EmbedError("EMBED_FAILED", "the text has no words to embed");
  return normalize(v);
}

export function createWordHashEmbedder(dims: number): Embedder {
  return {
    name: `word-hash (development, ${dims} dimensions)`,
    lexical: true,
    embed: async (texts) => texts.map((t) => wordHashVector(t, dims)),
    close: async () => {},
  };
}

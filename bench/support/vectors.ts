// Seeded synthetic embeddings. "clustered": unit vectors around shared topic centroids,
// the shape sentence-embedding models produce; "uniform": i.i.d. random directions,
// HNSW's worst case.
export type VectorShape = "clustered" | "uniform";

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

export function vectorSource(shape: VectorShape, dims: number, seed: number, centroids = 256, spread = 1.0) {
  const rand = rng(seed);
  const centres = Array.from({ length: centroids }, () => normalise(Float32Array.from({ length: dims }, () => gaussian(rand))));
  const noise = spread / Math.sqrt(dims);
  return (): Float32Array => {
    if (shape === "uniform") return normalise(Float32Array.from({ length: dims }, () => gaussian(rand)));
    const c = centres[Math.floor(rand() * centres.length)]!;
    return normalise(Float32Array.from(c, (x) => x + gaussian(rand) * noise));
  };
}

export const toPgVector = (v: Float32Array) => `[${Array.from(v, (x) => x.toFixed(6)).join(",")}]`;

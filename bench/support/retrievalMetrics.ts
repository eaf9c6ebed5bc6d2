// Retrieval measures that need no language model: evidence recall@k (LoCoMo: the fraction
// of a question's evidence turns among the top k returned) and NDCG@k against graded
// relevance (DL19 here: the given BM25 order's top 10, gain 10 for its first down to 1).

/** The fraction of `relevant` found among the first k of `ranked`. */
export function recallAt(ranked: readonly string[], relevant: readonly string[], k: number): number {
  if (relevant.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((r) => top.has(r)).length / relevant.length;
}

/** Normalised discounted cumulative gain at k (gain per id, log2 discount). */
export function ndcgAt(ranked: readonly string[], gain: ReadonlyMap<string, number>, k: number): number {
  const dcg = (gains: number[]) => gains.slice(0, k).reduce((sum, g, i) => sum + g / Math.log2(i + 2), 0);
  const ideal = dcg([...gain.values()].sort((a, b) => b - a));
  return ideal === 0 ? 0 : dcg(ranked.map((id) => gain.get(id) ?? 0)) / ideal;
}

export const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

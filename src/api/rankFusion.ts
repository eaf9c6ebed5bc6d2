// Reciprocal-rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009): each leg's ranking
// adds weight / (k + rank) to a hit, ranks from 1. It needs no score calibration between
// BM25 and cosine distance, which live on unrelated scales, and a hit both legs found near
// the top beats one only a single leg liked.
export interface FusionSettings {
  /** The constant k: larger flattens the advantage of the very first ranks. */
  k: number;
  vectorWeight: number;
  keywordWeight: number;
}

export interface Candidate {
  id: string;
  /** Cosine distance when the vector leg found it, else null. */
  distance: number | null;
  /** BM25 score when the keyword leg found it, else null. */
  keywordScore: number | null;
}

/**
 * Hybrid search when the query's vector came from a lexical embedder (the development
 * word-hash one): the keyword leg's order, its ties broken by the vector leg, then what only
 * the vector leg found. Such vectors count the same words BM25 does, only without idf or
 * stemming: fused by reciprocal rank they lowered LoCoMo evidence recall@10 from 0.59 (BM25
 * alone) to 0.54, and no weighting or score fusion tried (RRF k 1-60, vector weight 0.3-1,
 * min-max and z-score fusion) reached BM25 alone. They fill and break ties; they do not vote.
 */
export function keywordFirst(vector: { id: string; distance: number }[], keyword: { id: string; score: number }[], limit: number): Candidate[] {
  const distance = new Map(vector.map((h) => [h.id, h.distance]));
  const vectorRank = new Map(vector.map((h, i) => [h.id, i]));
  const rank = (id: string) => vectorRank.get(id) ?? Infinity;
  const fromKeyword = keyword
    .map((h, i) => ({ ...h, i }))
    .sort((a, b) => b.score - a.score || rank(a.id) - rank(b.id) || a.i - b.i)
    .map((h) => ({ id: h.id, distance: distance.get(h.id) ?? null, keywordScore: h.score }));
  const seen = new Set(keyword.map((h) => h.id));
  const fill = vector.filter((h) => !seen.has(h.id)).map((h) => ({ id: h.id, distance: h.distance, keywordScore: null }));
  return [...fromKeyword, ...fill].slice(0, limit);
}

/**
 * The two rankings fused, best first, at most `limit`. Ties (equal fused scores) go to the
 * hit with the better single rank, then by id, so the order never depends on timing.
 */
export function fuseRankings(vector: { id: string; distance: number }[], keyword: { id: string; score: number }[], f: FusionSettings, limit: number): Candidate[] {
  const fused = new Map<string, Candidate & { fused: number; best: number }>();
  const add = (id: string, rank: number, weight: number, hit: Partial<Candidate>) => {
    const c = fused.get(id) ?? { id, distance: null, keywordScore: null, fused: 0, best: Infinity };
    fused.set(id, { ...c, ...hit, fused: c.fused + weight / (f.k + rank), best: Math.min(c.best, rank) });
  };
  vector.forEach((h, i) => add(h.id, i + 1, f.vectorWeight, { distance: h.distance }));
  keyword.forEach((h, i) => add(h.id, i + 1, f.keywordWeight, { keywordScore: h.score }));
  return [...fused.values()]
    .sort((a, b) => b.fused - a.fused || a.best - b.best || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit)
    .map(({ id, distance, keywordScore }) => ({ id, distance, keywordScore }));
}

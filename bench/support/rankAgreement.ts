// How closely one scorer's ranking of a query's candidates follows a reference scorer's
// (int8 against fp32): both see the same candidates.

function order(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/**
 * NDCG@k of the candidate's order, the reference scores (min-max scaled to 0..1) as graded
 * relevance: swapping two near-tied texts costs almost nothing, putting a low-scored text
 * into the top k costs a lot. 1 when the top k agree.
 */
export function ndcgAtK(reference: readonly number[], candidate: readonly number[], k: number): number {
  const lo = Math.min(...reference);
  const hi = Math.max(...reference);
  const gain = (i: number) => (hi === lo ? 1 : (reference[i]! - lo) / (hi - lo));
  const dcg = (ranked: number[]) => ranked.slice(0, k).reduce((sum, i, r) => sum + gain(i) / Math.log2(r + 2), 0);
  const ideal = dcg(order(reference));
  return ideal === 0 ? 1 : dcg(order(candidate)) / ideal;
}

/** Spearman's rank correlation (no ties expected in float scores). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  if (n < 2) return 1;
  const rank = (s: readonly number[]) => {
    const r = new Array<number>(n);
    order(s).forEach((i, pos) => (r[i] = pos));
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const d2 = ra.reduce((sum, r, i) => sum + (r - rb[i]!) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

export const sameTop1 = (a: readonly number[], b: readonly number[]) => order(a)[0] === order(b)[0];

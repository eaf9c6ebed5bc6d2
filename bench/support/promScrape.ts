// Prometheus text exposition, read back by benches: samples by name and labels, and
// histograms (cumulative buckets) as deltas between two scrapes with quantiles from them.
export type Samples = Map<string, number>;

export async function scrape(url: string): Promise<Samples> {
  const text = await (await fetch(url)).text();
  const samples: Samples = new Map();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

/** A histogram's buckets [le, cumulative count] (label filter: a substring of the label set). */
export function buckets(samples: Samples, name: string, filter = ""): [number, number][] {
  const out: [number, number][] = [];
  for (const [key, value] of samples) {
    if (!key.startsWith(`${name}_bucket{`) || !key.includes(filter)) continue;
    const le = /le="([^"]+)"/.exec(key)![1]!;
    out.push([le === "+Inf" ? Infinity : Number(le), value]);
  }
  // Several label sets with the same le are summed.
  const summed = new Map<number, number>();
  for (const [le, v] of out) summed.set(le, (summed.get(le) ?? 0) + v);
  return [...summed.entries()].sort((a, b) => a[0] - b[0]);
}

export function delta(after: [number, number][], before: [number, number][]): [number, number][] {
  const b = new Map(before);
  return after.map(([le, v]) => [le, v - (b.get(le) ?? 0)]);
}

/** Quantile q (0..1) from cumulative buckets, linear within the bucket (Prometheus's histogram_quantile). */
export function quantile(cumulative: [number, number][], q: number): number {
  const total = cumulative.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of cumulative) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

/** The upper bound of the highest non-empty bucket: the largest value observed, to bucket precision. */
export function maxObserved(cumulative: [number, number][]): number {
  const total = cumulative.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  return cumulative.find(([, count]) => count >= total)![0];
}

/** The smallest bucket bound covering q of the observations (exact when values sit on bucket bounds). */
export function quantileBound(cumulative: [number, number][], q: number): number {
  const total = cumulative.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  return cumulative.find(([, count]) => count >= q * total)![0];
}

export const count = (cumulative: [number, number][]) => cumulative.at(-1)?.[1] ?? 0;

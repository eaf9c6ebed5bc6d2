// A synchronous operation timed on this thread: warmed up, then `ops` runs, each timed.
import { percentile } from "./stats.ts";

export function measureOps(ops: number, fn: (i: number) => void) {
  for (let i = 0; i < Math.min(5_000, ops); i++) fn(i); // warm-up
  const samples = new Float64Array(ops);
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const list = Array.from(samples);
  return { opsPerS: ops / seconds, p50: percentile(list, 50), p95: percentile(list, 95), p99: percentile(list, 99) };
}

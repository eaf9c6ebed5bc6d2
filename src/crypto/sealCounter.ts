// NIST SP 800-38D (section 8.3): with random 96-bit nonces, one key may perform at most
// 2^32 encryptions. Count seals per key version, warn at a quarter of that, refuse at it.
import { SealError } from "./sealError.ts";

export const NONCE_LIMIT = 2 ** 32;
export const WARN_AT = 2 ** 30;

export interface SealCounter {
  /** Counts one seal under `version`; throws SEAL_KEY_EXHAUSTED at the limit. */
  record(version: number): void;
  count(version: number): number;
  snapshot(): Record<number, number>;
}

export function createSealCounter(opts: {
  /** Counts already spent (e.g. persisted by the worker), by key version. */
  initial?: Record<number, number>;
  onWarn?: (version: number, count: number) => void;
  warnAt?: number;
  limit?: number;
} = {}): SealCounter {
  const counts = new Map<number, number>(Object.entries(opts.initial ?? {}).map(([v, n]) => [Number(v), n]));
  const warnAt = opts.warnAt ?? WARN_AT;
  const limit = opts.limit ?? NONCE_LIMIT;
  const warned = new Set<number>();
  return {
    record(version) {
      const n = counts.get(version) ?? 0;
      if (n >= limit) {
        throw new SealError("SEAL_KEY_EXHAUSTED", `key version ${version} reached ${limit} seals: rotate the keyring (memvault keys rotate)`);
      }
      counts.set(version, n + 1);
      if (n + 1 >= warnAt && !warned.has(version)) {
        warned.add(version);
        opts.onWarn?.(version, n + 1);
      }
    },
    count: (version) => counts.get(version) ?? 0,
    snapshot: () => Object.fromEntries(counts),
  };
}

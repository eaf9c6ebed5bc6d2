// NIST SP 800-38D (section 8.3): with random 96-bit nonces, one key may perform at most
// 2^32 encryptions, across every process and restart. A counter given a `reserver` draws
// seals from blocks reserved in the database (memvault.reserve_seals) before it seals, and
// refuses a seal it holds no reservation for; the database refuses blocks past 2^32.
// Without a reserver (tests, benches, offline tools) it counts in this process only.
import { SealError } from "./sealError.ts";

export const NONCE_LIMIT = 2 ** 32;
export const WARN_AT = 2 ** 30;

/** Reserves `seals` more under `version`; resolves to the total reserved so far, or throws SEAL_KEY_EXHAUSTED. */
export type SealReserver = (version: number, seals: number) => Promise<number>;

export interface SealCounter {
  /** Makes sure `seals` more seals under `version` are reserved (a no-op without a reserver). */
  reserve(version: number, seals: number): Promise<void>;
  /** Counts one seal under `version`; throws SEAL_KEY_EXHAUSTED at the limit or with nothing reserved. */
  record(version: number): void;
  count(version: number): number;
  snapshot(): Record<number, number>;
  /** Seals per key version this process allows without a reserver (NIST's 2^32 unless told). */
  readonly limit: number;
}

export function createSealCounter(opts: {
  reserver?: SealReserver;
  /** Seals reserved per round trip. Default 65,536 (a restart wastes at most that many of 2^32). */
  blockSize?: number;
  onWarn?: (version: number, count: number) => void;
  warnAt?: number;
  limit?: number;
} = {}): SealCounter {
  const counts = new Map<number, number>();
  // Reserved in the database and not yet promised to anyone, and promised by reserve() to a
  // seal not yet made. A promise is taken out of `available` at once: two callers that each
  // found one seal left near a block's end would otherwise both go on, and the second seal
  // fail SEAL_KEY_EXHAUSTED with 2^32 far away.
  const available = new Map<number, number>();
  const claimed = new Map<number, number>();
  const warnAt = opts.warnAt ?? WARN_AT;
  const limit = opts.limit ?? NONCE_LIMIT;
  const blockSize = opts.blockSize ?? 65_536;
  const warned = new Set<number>();
  const warn = (version: number, total: number) => {
    if (total >= warnAt && !warned.has(version)) {
      warned.add(version);
      opts.onWarn?.(version, total);
    }
  };
  return {
    async reserve(version, seals) {
      if (!opts.reserver) return;
      while ((available.get(version) ?? 0) < seals) {
        const block = Math.max(blockSize, seals);
        const total = await opts.reserver(version, block).catch((err: unknown) => {
          // program_limit_exceeded: memvault.reserve_seals refuses past 2^32, or a retired version.
          if ((err as { code?: string }).code !== "54000") throw err;
          throw new SealError("SEAL_KEY_EXHAUSTED", `key version ${version} can seal no more (2^32 seals reserved, or retired after a restore or a rollback): rotate the keyring (memvault keys rotate)`, { cause: err });
        });
        available.set(version, (available.get(version) ?? 0) + block);
        warn(version, total);
      }
      available.set(version, available.get(version)! - seals);
      claimed.set(version, (claimed.get(version) ?? 0) + seals);
    },
    record(version) {
      const n = counts.get(version) ?? 0;
      if (opts.reserver) {
        const promised = claimed.get(version) ?? 0;
        const left = available.get(version) ?? 0;
        if (promised > 0) claimed.set(version, promised - 1);
        else if (left > 0) available.set(version, left - 1);
        else throw new SealError("SEAL_KEY_EXHAUSTED", `no seals reserved under key version ${version}`);
      } else {
        if (n >= limit) throw new SealError("SEAL_KEY_EXHAUSTED", `key version ${version} reached ${limit} seals: rotate the keyring (memvault keys rotate)`);
        warn(version, n + 1);
      }
      counts.set(version, n + 1);
    },
    count: (version) => counts.get(version) ?? 0,
    snapshot: () => Object.fromEntries(counts),
    limit,
  };
}

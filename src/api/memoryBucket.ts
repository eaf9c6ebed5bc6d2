// The process-wide memory bucket: memory traffic may hold at most `connections` of the
// API's database pool at once (MEMORY_POOL_SHARE of it), and at most `maxInflight` memory
// requests may be in service. Past either, work is shed with OVERLOADED instead of
// queueing in pg's pool: a transaction that finds no free share waits for one at most
// `maxWaitMs` (a burst clears in milliseconds; a backlog does not), in FIFO order, then is
// shed. So the rest of the pool (readiness, seal reservations) is never starved, pg's pool
// never has waiters, and latency stays bounded under overload.
import { CodedError } from "../codedError.ts";
import type { WithTenant } from "../db/withTenant.ts";

/** Shed on purpose; retryAfterMs is a hint for the client's backoff. */
export class OverloadedError extends CodedError<"OVERLOADED"> {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number) {
    super("OVERLOADED", message);
    this.retryAfterMs = retryAfterMs;
  }

  override get extensions() {
    return { code: this.code, retryAfterMs: this.retryAfterMs };
  }
}

export interface MemoryBucketConfig {
  connections: number;
  maxInflight: number;
  /** Longest wait for a free connection share before the transaction is shed. */
  maxWaitMs: number;
  /** Suggested backoff for shed work. */
  retryAfterMs?: number;
}

export interface MemoryBucket {
  /** Admits a request or stream, or undefined when shed; call the returned release once when it ends. */
  enter(): (() => void) | undefined;
  /** withTenant, holding one connection share for the transaction; throws OverloadedError when none is free. */
  guard(withTenant: WithTenant): WithTenant;
  /** True when maxInflight requests are in service (new streams are shed, as new requests are). */
  full(): boolean;
  stats(): { inflight: number; connectionsInUse: number; waiting: number };
  readonly retryAfterMs: number;
}

export function createMemoryBucket(cfg: MemoryBucketConfig): MemoryBucket {
  let inflight = 0;
  let inUse = 0;
  const waiting: { grant: () => void; timer: NodeJS.Timeout }[] = [];
  const retryAfterMs = cfg.retryAfterMs ?? 200;
  const overloaded = () => new OverloadedError("memvault is overloaded; retry shortly", retryAfterMs);

  const acquire = (): Promise<void> | void => {
    if (inUse < cfg.connections && waiting.length === 0) {
      inUse++;
      return;
    }
    if (waiting.length >= cfg.maxInflight) throw overloaded();
    return new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          clearTimeout(entry.timer);
          resolve();
        },
        timer: setTimeout(() => {
          waiting.splice(waiting.indexOf(entry), 1);
          reject(overloaded());
        }, cfg.maxWaitMs),
      };
      waiting.push(entry);
    });
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next.grant(); // the share passes straight to the next waiter
    else inUse--;
  };

  return {
    retryAfterMs,
    enter() {
      if (inflight >= cfg.maxInflight) return undefined;
      inflight++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inflight--;
      };
    },
    guard(withTenant) {
      return async (fn) => {
        await acquire();
        try {
          return await withTenant(fn);
        } finally {
          release();
        }
      };
    },
    full: () => inflight >= cfg.maxInflight,
    stats: () => ({ inflight, connectionsInUse: inUse, waiting: waiting.length }),
  };
}

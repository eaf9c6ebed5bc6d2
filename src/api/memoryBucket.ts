// The process-wide memory bucket: at most `maxInflight` memory requests are in service, and
// their transactions hold at most `connections` of the API's database pool at once
// (MEMORY_POOL_SHARE of it), so the rest of the pool (readiness, seal reservations) is never
// starved and pg's pool never has waiters.
// Load is shed at the door only, before any work is done: a request that finds
// `maxInflight` in service gets 503 OVERLOADED. One admitted is served: its transactions
// wait for a share in FIFO order, for as long as `maxInflight` requests' transactions take
// (60 concurrent rememberMany calls were all served within 310 to 720 ms on two cores, the
// worker sealing beside them). Shedding admitted work after a short wait (250 ms, before)
// turned bursts well below capacity into field errors inside 200 responses. `maxWaitMs` is
// a safety net for a stalled database, not a load signal; a transaction that waits that
// long is shed too (onShed tells the caller).
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
  /** Longest wait of an admitted transaction for a free share (a stalled database) before it is shed. */
  maxWaitMs: number;
  /** Suggested backoff for shed work. */
  retryAfterMs?: number;
}

export interface MemoryBucket {
  /** Admits a request or stream, or undefined when shed; call the returned release once when it ends. */
  enter(): (() => void) | undefined;
  /** withTenant, holding one connection share for the transaction; throws OverloadedError (after onShed) when none frees up in maxWaitMs. */
  guard(withTenant: WithTenant, onShed?: () => void): WithTenant;
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

  const acquire = (onShed?: () => void): Promise<void> | void => {
    if (inUse < cfg.connections && waiting.length === 0) {
      inUse++;
      return;
    }
    // Streams' transactions are not counted in service: the queue is bounded apart.
    if (waiting.length >= cfg.maxInflight) {
      onShed?.();
      throw overloaded();
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          clearTimeout(entry.timer);
          resolve();
        },
        timer: setTimeout(() => {
          waiting.splice(waiting.indexOf(entry), 1);
          onShed?.();
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
    guard(withTenant, onShed) {
      return async (fn) => {
        await acquire(onShed);
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

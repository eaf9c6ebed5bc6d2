// closed: calls go through; `failures` failures within `windowMs` open it.
// open: calls are skipped at once until `cooldownMs` has passed, then half_open.
// half_open: one probe goes through; success closes, failure opens again.
export type BreakerState = "closed" | "open" | "half_open";

export interface CircuitBreaker {
  /** May a call go through now? (In half_open, only the first caller gets true.) */
  allow(): boolean;
  success(): void;
  failure(): void;
  state(): BreakerState;
}

export function createCircuitBreaker(opts: { failures: number; windowMs: number; cooldownMs: number; now?: () => number }): CircuitBreaker {
  const now = opts.now ?? Date.now;
  let state: BreakerState = "closed";
  let openedAt = 0;
  let probing = false;
  let recent: number[] = [];
  const open = () => {
    state = "open";
    openedAt = now();
    probing = false;
    recent = [];
  };
  return {
    allow() {
      if (state === "open" && now() - openedAt >= opts.cooldownMs) state = "half_open";
      if (state === "closed") return true;
      if (state === "half_open" && !probing) {
        probing = true;
        return true;
      }
      return false;
    },
    success() {
      if (state === "half_open") {
        state = "closed";
        probing = false;
      }
      recent = [];
    },
    failure() {
      if (state === "half_open") return open();
      const t = now();
      recent = recent.filter((at) => t - at < opts.windowMs);
      recent.push(t);
      if (recent.length >= opts.failures) open();
    },
    state: () => (state === "open" && now() - openedAt >= opts.cooldownMs ? "half_open" : state),
  };
}

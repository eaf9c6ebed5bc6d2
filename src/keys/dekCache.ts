// Unwrapped data keys, in memory only: bounded (least recently used goes first) and
// short-lived (an entry older than its time to live is unwrapped again), so a process holds
// at most `size` tenants' keys, each for at most ttlMs. Entries are keyed by the wrapped
// bytes themselves: a key rewrapped by a KEK rotation, or deleted by an erasure, is simply
// never asked for again.
import type { DerivedKeys } from "../crypto/dekKeys.ts";

export interface DekCache {
  get(id: string): DerivedKeys | undefined;
  set(id: string, keys: DerivedKeys): void;
  delete(id: string): void;
  readonly size: number;
}

export function createDekCache(size: number, ttlMs: number, now: () => number = () => performance.now()): DekCache {
  const entries = new Map<string, { keys: DerivedKeys; expires: number }>();
  return {
    get(id) {
      const entry = entries.get(id);
      if (!entry) return undefined;
      entries.delete(id);
      if (entry.expires <= now()) return undefined;
      entries.set(id, entry); // most recently used last
      return entry.keys;
    },
    set(id, keys) {
      entries.delete(id);
      entries.set(id, { keys, expires: now() + ttlMs });
      while (entries.size > size) entries.delete(entries.keys().next().value!);
    },
    delete: (id) => void entries.delete(id),
    get size() {
      return entries.size;
    },
  };
}

// Between GraphQL's values and the memory service's: memories, states and hits out (dates
// as ISO text, meta as JSON text), arguments in.
import { memoryFields } from "./memoryFields.ts";
import type { Memory, MemoryState, SearchHit } from "./memoryService.ts";
import type { MemoryInput } from "./validateMemoryInput.ts";

/** GraphQL's Memory: meta as the JSON object itself, as /export gives it. */
export const memoryOut = (m: Memory) => ({ ...memoryFields(m), meta: m.meta, error: m.error });

export interface RememberArgs {
  id?: string | null;
  text: string;
  /** Any JSON value as GraphQL's JSON scalar gives it; validateMemoryInput refuses all but an object. */
  meta?: unknown;
  embedding?: number[] | null;
  scope?: string | null;
  tags?: string[] | null;
  expiresAt?: string | null;
  occurredAt?: string | null;
}

/** null meta is the default ({}); anything else is checked by validateMemoryInput (META_NOT_OBJECT, ...). */
export function toMemoryInput(a: RememberArgs): MemoryInput {
  return { ...a, id: a.id ?? undefined, meta: a.meta === undefined || a.meta === null ? undefined : (a.meta as Record<string, unknown>) };
}

export const searchArgs = (embedding: unknown, query: unknown, mode: unknown, k: unknown, filter: unknown, maxDistance: unknown, minScore: unknown, rerank: unknown) => ({
  rerank: rerank as boolean | null,
  mode: mode as string | null,
  embedding: embedding as number[] | null,
  ...(query ? { query: query as string } : {}),
  k: k as number,
  filter,
  maxDistance: maxDistance as number | null,
  minScore: minScore as number | null,
});

export const memoryStateOut = (m: MemoryState) => {
  const waiting = m.status === "pending" ? m : m.update;
  return {
    id: m.id,
    status: m.status,
    memory: m.status === "sealed" ? memoryOut(m.memory) : null,
    updatePending: m.status === "sealed" && m.update !== null,
    queuedAt: waiting?.queuedAt.toISOString() ?? null,
    attempts: waiting?.attempts ?? 0,
    lastError: waiting?.lastError ?? null,
  };
};

export const hitsOut = (hits: SearchHit[]) => hits.map((h) => ({ memory: memoryOut(h.memory), distance: h.distance, keywordScore: h.keywordScore, score: h.score }));

/** An erasure as the API shows it: the receipt as the JSON document it is. */
export const erasureOut = (e: { erasureId: string; erasedAt: Date; keys: number; memories: number; purgedAt?: Date | null; receipt?: unknown }) => ({
  id: e.erasureId,
  erasedAt: e.erasedAt.toISOString(),
  keysDestroyed: e.keys,
  memories: e.memories,
  purgedAt: e.purgedAt?.toISOString() ?? null,
  receipt: e.receipt ? JSON.stringify(e.receipt) : null,
});

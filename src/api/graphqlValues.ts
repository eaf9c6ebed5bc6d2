// Between GraphQL's values and the memory service's: memories, states and hits out (dates
// as ISO text, meta as JSON text), arguments in.
import { memoryFields } from "./memoryFields.ts";
import type { Memory, MemoryState, SearchHit } from "./memoryService.ts";
import { parseMeta, type Limits, type MemoryInput } from "./validateMemoryInput.ts";

/** GraphQL's Memory: meta as JSON text. */
export const memoryOut = (m: Memory) => ({ ...memoryFields(m), meta: m.meta === null ? null : JSON.stringify(m.meta), error: m.error });

export interface RememberArgs {
  id?: string | null;
  text: string;
  meta?: string | null;
  embedding?: number[] | null;
  scope?: string | null;
  tags?: string[] | null;
  expiresAt?: string | null;
}

export function toMemoryInput(a: RememberArgs, limits: Limits): MemoryInput {
  // meta is JSON text; "null", "[]" or "3" are not objects and are refused, never stored as {}.
  const meta = a.meta === undefined || a.meta === null ? undefined : parseMeta(a.meta, limits);
  return { ...a, id: a.id ?? undefined, meta };
}

/** An update's patch: meta arrives as JSON text like remember's; absent fields stay as they are. */
export function toPatch(raw: Record<string, unknown>, limits: Limits): Record<string, unknown> {
  return typeof raw.meta === "string" ? { ...raw, meta: parseMeta(raw.meta, limits) } : raw;
}

export const searchArgs = (embedding: unknown, query: unknown, k: unknown, filter: unknown, maxDistance: unknown, minScore: unknown, rerank: unknown) => ({
  rerank: rerank as boolean | null,
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

export const hitsOut = (hits: SearchHit[]) => hits.map((h) => ({ memory: memoryOut(h.memory), distance: h.distance, score: h.score }));

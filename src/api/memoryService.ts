// What the GraphQL API does, as plain functions over a tenant transaction: the GraphQL
// layer only maps fields onto these. Every function runs as memvault_user with the
// request's app.user_hash, so Postgres decides what exists; sealing and opening happen
// here, in the app tier.
import type pg from "pg";
import type { Sealer } from "../crypto/seal.ts";
import { SealError } from "../crypto/sealError.ts";
import type { SkipReason } from "../rerank/reranker.ts";
import type { SearchWaiter } from "./searchWaiter.ts";
import type { WithTenant } from "../db/withTenant.ts";
import { deleteAllMemories } from "../sql/deleteAllMemories.ts";
import { deleteMemory } from "../sql/deleteMemory.ts";
import { insertIngestRows } from "../sql/insertIngestRows.ts";
import { searchChunks } from "../sql/searchChunks.ts";
import { selectChunkPage, type SealedChunkRow } from "../sql/selectChunkPage.ts";
import { selectChunksById } from "../sql/selectChunksById.ts";
import { chunkContext } from "../crypto/sealContexts.ts";
import { InputError } from "./inputError.ts";
import { validateEmbedding, validateMemoryInput, type Limits, type MemoryInput } from "./validateMemoryInput.ts";

export const MAX_BATCH = 100;
export const MAX_PAGE = 100;
export const MAX_K = 50;

export interface Memory {
  id: string;
  createdAt: Date;
  keyVersion: number;
  /** null when the sealed value failed to open; `error` says why. Never another row's data. */
  text: string | null;
  meta: Record<string, unknown> | null;
  error: string | null;
}

export interface SearchHit {
  memory: Memory;
  distance: number;
  score: number | null;
}

export interface SearchStage {
  phase: "ann" | "reranked";
  hits: SearchHit[];
  reranked: boolean;
  rerankSkipReason: SkipReason | "no_query" | null;
}

export interface MemoryServiceDeps {
  sealer: () => Sealer;
  limits: Limits;
  waiter?: SearchWaiter;
  rerankBudgetMs: number;
  rerankCandidates: number;
}

// Opaque keyset cursor: the row's exact created_at (microseconds) and id.
const encodeCursor = (row: SealedChunkRow) => Buffer.from(`${row.created_at_key}|${row.id}`).toString("base64url");

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!createdAt || !id || !/^[0-9a-f-]{36}$/.test(id) || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/.test(createdAt)) {
    throw new InputError("BAD_CURSOR", "cursor is not one this API issued");
  }
  return { createdAt, id };
}

/** Postgres refusals that are the client's doing, as stable codes (never the message). */
function asInputError(err: unknown): unknown {
  const e = err as { code?: string; constraint?: string };
  if (e.code === "23505") return new InputError("ID_TAKEN", "a memory with this id exists", { cause: err });
  if (e.code === "23514" && e.constraint?.includes("text")) return new InputError("TEXT_TOO_LONG", "text is outside the allowed size", { cause: err });
  if (e.code === "23514" && e.constraint?.includes("meta")) return new InputError("META_TOO_LARGE", "meta is outside the allowed size", { cause: err });
  return err;
}

export function createMemoryService(deps: MemoryServiceDeps) {
  const open = (userHash: string, row: SealedChunkRow): Memory => {
    const sealer = deps.sealer();
    try {
      return {
        id: row.id,
        createdAt: row.created_at,
        keyVersion: row.key_version,
        text: sealer.openSealed(row.text_cipher, chunkContext(userHash, row.id, "text")).toString("utf8"),
        meta: JSON.parse(sealer.openSealed(row.meta_cipher, chunkContext(userHash, row.id, "meta")).toString("utf8")) as Record<string, unknown>,
        error: null,
      };
    } catch (err) {
      const code = err instanceof SealError ? err.code : "OPEN_FAILED";
      return { id: row.id, createdAt: row.created_at, keyVersion: row.key_version, text: null, meta: null, error: code };
    }
  };

  return {
    /** Writes to chunk_ingest; the worker seals it. */
    async rememberMany(tx: pg.ClientBase, inputs: MemoryInput[]): Promise<{ id: string; status: "pending" }[]> {
      if (inputs.length === 0) return [];
      if (inputs.length > MAX_BATCH) throw new InputError("BATCH_TOO_LARGE", `at most ${MAX_BATCH} memories per call`);
      const rows = inputs.map((input) => {
        const { metaJson, vector } = validateMemoryInput(input, deps.limits);
        return { id: input.id ?? null, text: input.text, metaJson, vector };
      });
      try {
        return (await insertIngestRows(tx, rows)).map((id) => ({ id, status: "pending" as const }));
      } catch (err) {
        throw asInputError(err);
      }
    },

    async memories(tx: pg.ClientBase, userHash: string, page: { first?: number; after?: string }) {
      const first = page.first ?? 20;
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw new InputError("PAGE_SIZE", `first must be 1..${MAX_PAGE}`);
      const rows = await selectChunkPage(tx, first + 1, page.after ? decodeCursor(page.after) : null);
      const items = rows.slice(0, first);
      return {
        nodes: items.map((r) => open(userHash, r)),
        endCursor: items.length ? encodeCursor(items.at(-1)!) : null,
        hasNextPage: rows.length > first,
      };
    },

    /**
     * A search in stages, for progressive delivery: first the ANN order ("ann"), then, with a
     * query, the reranked order or the ANN order with the reason ("reranked"). Fails open.
     */
    async *searchStages(withTenant: WithTenant, userHash: string, args: { embedding: number[]; query?: string; k?: number }): AsyncGenerator<SearchStage> {
      const k = args.k ?? 8;
      if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new InputError("K_OUT_OF_RANGE", `k must be 1..${MAX_K}`);
      const vector = validateEmbedding(args.embedding, deps.limits.dims);
      const wanted = args.query ? Math.max(k, deps.rerankCandidates) : k;
      const candidates = await withTenant((tx) => searchChunks(tx, vector, wanted));
      const distance = new Map(candidates.map((c) => [c.id, c.distance]));
      const hitsFor = async (order: string[], scores?: Map<string, number>): Promise<SearchHit[]> => {
        const top = order.slice(0, k);
        const rows = new Map((await withTenant((tx) => selectChunksById(tx, top))).map((r) => [r.id, r]));
        return top
          .filter((id) => rows.has(id)) // forgotten in between: dropped, never replaced by anything else
          .map((id) => ({ memory: open(userHash, rows.get(id)!), distance: distance.get(id)!, score: scores?.get(id) ?? null }));
      };
      const annOrder = candidates.map((c) => c.id);
      if (!args.query) {
        yield { phase: "ann", hits: await hitsFor(annOrder), reranked: false, rerankSkipReason: "no_query" };
        return;
      }
      yield { phase: "ann", hits: await hitsFor(annOrder), reranked: false, rerankSkipReason: null };
      if (candidates.length === 0) {
        yield { phase: "reranked", hits: [], reranked: false, rerankSkipReason: null };
        return;
      }
      if (!deps.waiter) {
        yield { phase: "reranked", hits: await hitsFor(annOrder), reranked: false, rerankSkipReason: "no_model" };
        return;
      }
      const result = await deps.waiter.rerank(withTenant, deps.sealer(), { userHash, query: args.query, candidates, budgetMs: deps.rerankBudgetMs });
      if (result.reranked) {
        const scores = new Map(result.order.map((id, i) => [id, result.scores[i]!]));
        yield { phase: "reranked", hits: await hitsFor(result.order, scores), reranked: true, rerankSkipReason: null };
      } else {
        yield { phase: "reranked", hits: await hitsFor(result.order), reranked: false, rerankSkipReason: result.skipReason };
      }
    },

    /** The final stage of searchStages: the reranked order when asked and possible, else ANN order. */
    async search(withTenant: WithTenant, userHash: string, args: { embedding: number[]; query?: string; k?: number }): Promise<Omit<SearchStage, "phase">> {
      let last: SearchStage | undefined;
      for await (const stage of this.searchStages(withTenant, userHash, args)) last = stage;
      const { phase: _phase, ...result } = last!;
      return result;
    },

    /** One chunk of the current tenant by id, opened; undefined when it is not this tenant's (or gone). */
    async memory(withTenant: WithTenant, userHash: string, id: string): Promise<Memory | undefined> {
      const [row] = await withTenant((tx) => selectChunksById(tx, [id]));
      return row ? open(userHash, row) : undefined;
    },

    forget: (tx: pg.ClientBase, id: string) => deleteMemory(tx, id),
    forgetAll: (tx: pg.ClientBase) => deleteAllMemories(tx),
  };
}

export type MemoryService = ReturnType<typeof createMemoryService>;

// What the GraphQL API does, as plain functions over a tenant transaction: the GraphQL
// layer only maps fields onto these. Every function runs as memvault_user with the
// request's app.user_hash, so Postgres decides what exists; sealing and opening happen
// here, in the app tier.
import type { KeyObject } from "node:crypto";
import type pg from "pg";
import type { Sealer } from "../crypto/seal.ts";
import { labelHash } from "../crypto/blindIndex.ts";
import type { SkipReason } from "../rerank/reranker.ts";
import type { SearchWaiter } from "./searchWaiter.ts";
import type { WithTenant } from "../db/withTenant.ts";
import { vectorLiteral } from "../sql/vectorText.ts";
import type { FilterHashes } from "../sql/chunkFilter.ts";
import { countChunks } from "../sql/countChunks.ts";
import { deleteAllMemories } from "../sql/deleteAllMemories.ts";
import { deleteMatchingMemories } from "../sql/deleteMatchingMemories.ts";
import { deleteMemory } from "../sql/deleteMemory.ts";
import { lockMemory } from "../sql/lockMemory.ts";
import { lockTenantWrites } from "../sql/lockTenantWrites.ts";
import { searchChunks } from "../sql/searchChunks.ts";
import { selectChunkPage, type SealedChunkRow } from "../sql/selectChunkPage.ts";
import { selectChunksById } from "../sql/selectChunksById.ts";
import { selectPendingMemory } from "../sql/selectPendingMemory.ts";
import { InputError } from "./inputError.ts";
import { createMemoryWrites, MAX_BATCH } from "./memoryWrites.ts";
import { openMemory, type Memory } from "./openMemory.ts";
import { isEmptyFilter, validateFilter, type MemoryFilter } from "./validateLabels.ts";
import { validateEmbedding, validateId, type Limits } from "./validateMemoryInput.ts";

export { MAX_BATCH };
export type { Memory };
export const MAX_PAGE = 100;
export const MAX_K = 50;
/** A search query longer than this is refused: the reranker reads 256 tokens of a pair at most. */
export const MAX_QUERY_BYTES = 4_096;

export interface SearchHit {
  memory: Memory;
  distance: number;
  score: number | null;
}

export interface SearchStage {
  phase: "ann" | "reranked";
  hits: SearchHit[];
  reranked: boolean;
  rerankSkipReason: SkipReason | "no_query" | "not_requested" | null;
}

export interface SearchArgs {
  /** Absent: the query is embedded here (server-side embedding). */
  embedding?: number[] | null;
  query?: string;
  k?: number;
  filter?: unknown;
  /** Hits farther than this cosine distance (0..2) are dropped. */
  maxDistance?: number | null;
  /** Reranked hits scoring below this are dropped (applies only when the search was reranked). */
  minScore?: number | null;
  /** false: the ANN order only, without the cross-encoder's round trip (reason not_requested). Default true. */
  rerank?: boolean | null;
}

/** A memory by id: sealed (and opened), or still waiting for the worker. */
export interface Waiting {
  queuedAt: Date;
  attempts: number;
  lastError: string | null;
}
export type MemoryState =
  | { status: "sealed"; id: string; memory: Memory; /** An update or upsert of it still waiting for the worker. */ update: Waiting | null }
  | ({ status: "pending"; id: string } & Waiting);

export interface MemoryServiceDeps {
  /** Opens sealed values (the current keyring). */
  sealer: () => Sealer;
  /** A sealer with n seals reserved under its own keyring's primary key (search queries and labels are sealed). */
  reservedSealer: (n: number) => Promise<Sealer>;
  /** The blind-index key for scopes and tags. */
  labelKey: () => KeyObject;
  /** Embeds a search query (server-side embedding); throws a coded EmbedError when it cannot. */
  embedQuery: (query: string) => Promise<Float32Array>;
  limits: Limits;
  waiter?: SearchWaiter;
  rerankBudgetMs: number;
  rerankCandidates: number;
}

// Opaque keyset cursor: the row's exact created_at (microseconds) and id.
const encodeCursor = (row: SealedChunkRow) => Buffer.from(`${row.created_at_key}|${row.id}`).toString("base64url");

const badCursor = (cause?: unknown) => new InputError("BAD_CURSOR", "cursor is not one this API issued", cause ? { cause } : undefined);

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  if (cursor.length > 200) throw badCursor();
  const [createdAt, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d{1,6})?[+-]\d\d(:\d\d)?$/.exec(createdAt ?? "");
  if (!m || !id || rest.length > 0) throw badCursor();
  // A well-formed but impossible timestamp (month 13, hour 25) is refused here, not by Postgres.
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) throw badCursor();
  try {
    return { createdAt: createdAt!, id: validateId(id) };
  } catch (err) {
    throw badCursor(err);
  }
}

function validateThreshold(value: number | null | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isFinite(value) || value < min || value > max) throw new InputError("BAD_THRESHOLD", `${name} must be between ${min} and ${max}`);
  return value;
}

export function createMemoryService(deps: MemoryServiceDeps) {
  const writes = createMemoryWrites(deps);
  /** A checked filter as blind indexes: hashed under this tenant, so another tenant's hashes never match. */
  const filterHashes = (userHash: string, filter: MemoryFilter): FilterHashes => {
    const key = deps.labelKey();
    return {
      ...(filter.scope ? { scopeHash: labelHash(key, userHash, "scope", filter.scope) } : {}),
      ...(filter.scopePrefix ? { scopeLevel: labelHash(key, userHash, "scope", filter.scopePrefix) } : {}),
      ...(filter.tagsAny ? { tagsAny: filter.tagsAny.map((t) => labelHash(key, userHash, "tag", t)) } : {}),
      ...(filter.tagsAll ? { tagsAll: filter.tagsAll.map((t) => labelHash(key, userHash, "tag", t)) } : {}),
      ...(filter.createdAfter ? { createdAfter: filter.createdAfter } : {}),
      ...(filter.createdBefore ? { createdBefore: filter.createdBefore } : {}),
    };
  };
  /** Opens a row; pass one sealer for a batch (each deps.sealer() reads the keyring: a stat). */
  const open = (userHash: string, row: SealedChunkRow, sealer: Sealer = deps.sealer()): Memory => openMemory(sealer, userHash, row);

  return {
    rememberMany: writes.rememberMany,
    upsert: writes.upsert,
    update: writes.update,
    filterHashes: (userHash: string, rawFilter: unknown) => filterHashes(userHash, validateFilter(rawFilter)),

    async memories(tx: pg.ClientBase, userHash: string, page: { first?: number; after?: string; filter?: unknown }) {
      const first = page.first ?? 20;
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw new InputError("PAGE_SIZE", `first must be 1..${MAX_PAGE}`);
      const after = page.after ? decodeCursor(page.after) : null;
      const filter = filterHashes(userHash, validateFilter(page.filter));
      const rows = await selectChunkPage(tx, userHash, first + 1, after, filter).catch((err: { code?: string }) => {
        // Out of timestamptz's range (year 0000, say): the cursor is not one we issued.
        throw err.code === "22008" || err.code === "22007" ? badCursor(err) : err;
      });
      const items = rows.slice(0, first);
      const sealer = deps.sealer();
      return {
        nodes: items.map((r) => open(userHash, r, sealer)),
        endCursor: items.length ? encodeCursor(items.at(-1)!) : null,
        hasNextPage: rows.length > first,
      };
    },

    /** Unexpired sealed memories matching the filter. */
    count: (tx: pg.ClientBase, userHash: string, rawFilter: unknown) => countChunks(tx, userHash, filterHashes(userHash, validateFilter(rawFilter))),

    /**
     * A search in stages, for progressive delivery: first the ANN order ("ann"), then, with a
     * query, the reranked order or the ANN order with the reason ("reranked"). Fails open.
     */
    async *searchStages(withTenant: WithTenant, userHash: string, args: SearchArgs): AsyncGenerator<SearchStage> {
      const k = args.k ?? 8;
      if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new InputError("K_OUT_OF_RANGE", `k must be 1..${MAX_K}`);
      if (args.query !== undefined && Buffer.byteLength(args.query, "utf8") > MAX_QUERY_BYTES) {
        throw new InputError("QUERY_TOO_LONG", `query must be at most ${MAX_QUERY_BYTES} bytes`);
      }
      const maxDistance = validateThreshold(args.maxDistance, "maxDistance", 0, 2);
      const minScore = validateThreshold(args.minScore, "minScore", -1e6, 1e6);
      const filter = filterHashes(userHash, validateFilter(args.filter));
      let vector: string;
      if (args.embedding !== undefined && args.embedding !== null) vector = validateEmbedding(args.embedding, deps.limits.dims);
      else if (args.query) vector = vectorLiteral(await deps.embedQuery(args.query));
      else throw new InputError("EMBEDDING_OR_QUERY", "a search needs an embedding or a query (which is then embedded)");
      const wanted = args.query && args.rerank !== false ? Math.max(k, deps.rerankCandidates) : k;
      // The ANN candidates and the rows of the first k in one transaction (one connection,
      // one round of begin/commit): the first value needs nothing else.
      const { found, annRows } = await withTenant(async (tx) => {
        const found = await searchChunks(tx, vector, wanted, filter);
        return { found, annRows: await selectChunksById(tx, userHash, found.slice(0, k).map((c) => c.id)) };
      });
      // maxDistance keeps a prefix of the nearest: the same rows whichever order follows.
      const candidates = maxDistance === undefined ? found : found.filter((c) => c.distance <= maxDistance);
      const distance = new Map(candidates.map((c) => [c.id, c.distance]));
      const hitsFrom = (top: string[], rows: Map<string, SealedChunkRow>, scores?: Map<string, number>): SearchHit[] => {
        const sealer = deps.sealer();
        return top
          .filter((id) => rows.has(id)) // forgotten in between: dropped, never replaced by anything else
          .map((id) => ({ memory: open(userHash, rows.get(id)!, sealer), distance: distance.get(id)!, score: scores?.get(id) ?? null }))
          .filter((h) => minScore === undefined || h.score === null || h.score >= minScore);
      };
      const hitsFor = async (order: string[], scores?: Map<string, number>): Promise<SearchHit[]> => {
        const top = order.slice(0, k);
        return hitsFrom(top, new Map((await withTenant((tx) => selectChunksById(tx, userHash, top))).map((r) => [r.id, r])), scores);
      };
      const annOrder = candidates.map((c) => c.id);
      const annHits = hitsFrom(annOrder.slice(0, k), new Map(annRows.map((r) => [r.id, r])));
      if (!args.query || args.rerank === false) {
        yield { phase: "ann", hits: annHits, reranked: false, rerankSkipReason: args.query ? "not_requested" : "no_query" };
        return;
      }
      yield { phase: "ann", hits: annHits, reranked: false, rerankSkipReason: null };
      if (candidates.length === 0) {
        yield { phase: "reranked", hits: [], reranked: false, rerankSkipReason: null };
        return;
      }
      if (!deps.waiter) {
        yield { phase: "reranked", hits: annHits, reranked: false, rerankSkipReason: "no_model" };
        return;
      }
      const sealer = await deps.reservedSealer(1); // the query is sealed into the search request
      const result = await deps.waiter.rerank(withTenant, sealer, { userHash, query: args.query, candidates, budgetMs: deps.rerankBudgetMs });
      if (result.reranked) {
        const scores = new Map(result.order.map((id, i) => [id, result.scores[i]!]));
        yield { phase: "reranked", hits: await hitsFor(result.order, scores), reranked: true, rerankSkipReason: null };
      } else {
        yield { phase: "reranked", hits: await hitsFor(result.order), reranked: false, rerankSkipReason: result.skipReason };
      }
    },

    /** The final stage of searchStages: the reranked order when asked and possible, else ANN order. */
    async search(withTenant: WithTenant, userHash: string, args: SearchArgs): Promise<Omit<SearchStage, "phase">> {
      let last: SearchStage | undefined;
      for await (const stage of this.searchStages(withTenant, userHash, args)) last = stage;
      const { phase: _phase, ...result } = last!;
      return result;
    },

    /** Chunks of the current tenant by id, opened, in the given order; ids that are not this tenant's (or gone) are left out. */
    async memoriesById(withTenant: WithTenant, userHash: string, ids: string[]): Promise<Memory[]> {
      const rows = new Map((await withTenant((tx) => selectChunksById(tx, userHash, ids))).map((r) => [r.id, r]));
      const sealer = deps.sealer();
      return ids.flatMap((id) => (rows.has(id) ? [open(userHash, rows.get(id)!, sealer)] : []));
    },

    /**
     * A memory by id: its sealed version (an update still pending does not hide it), or its
     * pending first version; undefined when the tenant has none with that id. Pending is
     * read first: a memory sealed between the two reads is then still found.
     */
    async memoryState(tx: pg.ClientBase, userHash: string, rawId: string): Promise<MemoryState | undefined> {
      const id = validateId(rawId);
      const pending = await selectPendingMemory(tx, id);
      const waiting = pending ? { queuedAt: pending.created_at, attempts: pending.attempts, lastError: pending.last_error } : null;
      // A new memory that is pending has no sealed version (the ingest trigger refuses
      // sealed ids), so memory_chunks is not read: on Citus this answers while the
      // tenant's node is down.
      if (pending && !pending.replaces) return { status: "pending", id, ...waiting! };
      const [row] = await selectChunksById(tx, userHash, [id]);
      if (row) return { status: "sealed", id, memory: open(userHash, row), update: waiting };
      return waiting ? { status: "pending", id, ...waiting } : undefined;
    },

    /** Deletes one memory, every version of it, under the locks update takes: an update racing it cannot bring it back. */
    forget: async (tx: pg.ClientBase, userHash: string, rawId: string) => {
      const id = validateId(rawId);
      await lockTenantWrites(tx, userHash, "shared");
      await lockMemory(tx, userHash, id);
      return deleteMemory(tx, userHash, id);
    },
    /** Deletes the memories (pending and sealed) matching a non-empty filter; forgetAll deletes everything. */
    forgetMatching: (tx: pg.ClientBase, userHash: string, rawFilter: unknown) => {
      const filter = validateFilter(rawFilter);
      if (isEmptyFilter(filter)) throw new InputError("UPDATE_EMPTY", "forgetMatching needs a filter with at least one condition (forgetAll forgets everything)");
      const hashes = filterHashes(userHash, filter);
      return lockTenantWrites(tx, userHash, "exclusive").then(() => deleteMatchingMemories(tx, userHash, hashes));
    },
    forgetAll: async (tx: pg.ClientBase, userHash: string) => {
      await lockTenantWrites(tx, userHash, "exclusive");
      return deleteAllMemories(tx, userHash);
    },
  };
}

export type MemoryService = ReturnType<typeof createMemoryService>;

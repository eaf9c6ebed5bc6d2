// What the GraphQL API does, as plain functions over a tenant transaction: the GraphQL
// layer only maps fields onto these. Every function runs as memvault_user with the
// request's app.user_hash, so Postgres decides what exists; sealing and opening happen
// here, in the app tier.
import { selectTenantErasures } from "../sql/selectTenantErasures.ts";
import type { TenantKeyDeps } from "./tenantKeyDeps.ts";
import type pg from "pg";
import type { Sealer } from "../crypto/seal.ts";
import type { SkipReason } from "../rerank/reranker.ts";
import type { SearchWaiter } from "./searchWaiter.ts";
import type { WithTenant } from "../db/withTenant.ts";
import { countChunks } from "../sql/countChunks.ts";
import { selectChunkPage, type SealedChunkRow } from "../sql/selectChunkPage.ts";
import { selectChunksById } from "../sql/selectChunksById.ts";
import { selectPendingMemory } from "../sql/selectPendingMemory.ts";
import { InputError } from "./inputError.ts";
import { labelFilterHashes } from "./labelFilterHashes.ts";
import { createMemoryForgets } from "./memoryForgets.ts";
import { badCursor, decodeCursor, encodeCursor } from "./memoryCursor.ts";
import { MAX_K, MAX_QUERY_BYTES, searchStages } from "./memorySearch.ts";
import { createMemoryWrites, MAX_BATCH } from "./memoryWrites.ts";
import { openMemory, type Memory } from "./openMemory.ts";
import { validateFilter, type MemoryFilter } from "./validateLabels.ts";
import { validateId, type Limits } from "./validateMemoryInput.ts";
import type { KeywordSettings } from "./searchLegs.ts";

export { MAX_BATCH };
export type { Memory };
export { MAX_K, MAX_QUERY_BYTES };
export const MAX_PAGE = 100;

export interface SearchHit {
  memory: Memory;
  /** Cosine distance, when the vector leg found it. */
  distance: number | null;
  /** BM25 score, when the keyword leg found it. */
  keywordScore: number | null;
  /** The cross-encoder's score, when reranked. */
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
  /** vector, keyword or hybrid (searchLegs.ts); absent: chosen from what came. */
  mode?: string | null;
  k?: number;
  filter?: unknown;
  /** Hits farther than this cosine distance (0..2) are dropped. */
  maxDistance?: number | null;
  /** Reranked hits scoring below this are dropped (applies only when the search was reranked). */
  minScore?: number | null;
  /** false: the retrieval order only, without the cross-encoder's round trip (reason not_requested). Default true. */
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
  /** The tenant's sealer, keys creation and blind-index key (tenantKeyDeps.ts). */
  sealer: TenantKeyDeps["sealer"];
  ensureKeys: TenantKeyDeps["ensureKeys"];
  erase: TenantKeyDeps["erase"];
  labelKey: TenantKeyDeps["labelKey"];
  /** Embeds a search query (server-side embedding); throws a coded EmbedError when it cannot. */
  embedQuery: (query: string) => Promise<Float32Array>;
  /** Whether embedQuery has an embedder behind it (a query alone then searches hybrid, else keyword). */
  canEmbedQuery: () => boolean;
  /** Whether that embedder only counts words (Embedder.lexical): hybrid then puts the keyword leg first. */
  lexicalEmbedder: () => boolean;
  /** The keyword leg and the fusion. */
  keyword: KeywordSettings;
  limits: Limits;
  waiter?: SearchWaiter;
  rerankBudgetMs: number;
  rerankCandidates: number;
}

export function createMemoryService(deps: MemoryServiceDeps) {
  const writes = createMemoryWrites(deps);
  const filterHashes = (userHash: string, filter: MemoryFilter) => labelFilterHashes(deps.labelKey(userHash), userHash, filter);
  /** Opens a row; pass one sealer for a batch (each deps.sealer() reads the keyring: a stat). */
  const open = (userHash: string, row: SealedChunkRow, sealer: Sealer = deps.sealer(userHash)): Memory => openMemory(sealer, userHash, row);

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
      const sealer = deps.sealer(userHash);
      return {
        nodes: items.map((r) => open(userHash, r, sealer)),
        endCursor: items.length ? encodeCursor(items.at(-1)!) : null,
        hasNextPage: rows.length > first,
      };
    },

    /** Unexpired sealed memories matching the filter. */
    count: (tx: pg.ClientBase, userHash: string, rawFilter: unknown) => countChunks(tx, userHash, filterHashes(userHash, validateFilter(rawFilter))),

    /** A search in stages (memorySearch.ts): the ANN order, then with a query the reranked order. Fails open. */
    searchStages: (withTenant: WithTenant, userHash: string, args: SearchArgs) => searchStages(deps, filterHashes, withTenant, userHash, args),

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
      const sealer = deps.sealer(userHash);
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
      // sealed ids), so memory_chunks is not read.
      if (pending && !pending.replaces) return { status: "pending", id, ...waiting! };
      const [row] = await selectChunksById(tx, userHash, [id]);
      if (row) return { status: "sealed", id, memory: open(userHash, row), update: waiting };
      return waiting ? { status: "pending", id, ...waiting } : undefined;
    },

    ...createMemoryForgets(filterHashes),

    /** Erasure by key destruction (eraseTenant.ts), and the tenant's erasures with their receipts. */
    erase: deps.erase,
    erasures: (tx: pg.ClientBase, userHash: string) => selectTenantErasures(tx, userHash),
  };
}

export type MemoryService = ReturnType<typeof createMemoryService>;

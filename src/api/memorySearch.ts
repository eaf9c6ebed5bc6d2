// Search, in stages for progressive delivery: first the retrieval order ("ann": the vector
// leg's, the keyword leg's or the two fused, searchLegs.ts), then, with a query, the
// reranked order or the retrieval order with the reason ("reranked"). Fails open.
import type { Sealer } from "../crypto/seal.ts";
import type { WithTenant } from "../db/withTenant.ts";
import { sealInTransaction } from "./tenantKeyDeps.ts";
import type { FilterHashes } from "../sql/chunkFilter.ts";
import type { SealedChunkRow } from "../sql/selectChunkPage.ts";
import { selectChunksById } from "../sql/selectChunksById.ts";
import { vectorLiteral } from "../sql/vectorText.ts";
import { InputError } from "./inputError.ts";
import type { MemoryServiceDeps, SearchArgs, SearchHit, SearchStage } from "./memoryService.ts";
import { openMemory } from "./openMemory.ts";
import { validateFilter, type MemoryFilter } from "./validateLabels.ts";
import { validateEmbedding } from "./validateMemoryInput.ts";
import { chooseMode, retrieveCandidates, type Legs } from "./searchLegs.ts";

export const MAX_K = 50;
/** A search query longer than this is refused: the reranker reads 256 tokens of a pair at most. */
export const MAX_QUERY_BYTES = 4_096;

function validateThreshold(value: number | null | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isFinite(value) || value < min || value > max) throw new InputError("BAD_THRESHOLD", `${name} must be between ${min} and ${max}`);
  return value;
}

/** The arguments checked, the legs chosen, and the query vector when a vector leg runs (the caller's, or the query embedded here). */
async function checkedSearch(deps: MemoryServiceDeps, args: SearchArgs) {
  const k = args.k ?? 8;
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new InputError("K_OUT_OF_RANGE", `k must be 1..${MAX_K}`);
  if (args.query !== undefined && Buffer.byteLength(args.query, "utf8") > MAX_QUERY_BYTES) {
    throw new InputError("QUERY_TOO_LONG", `query must be at most ${MAX_QUERY_BYTES} bytes`);
  }
  const maxDistance = validateThreshold(args.maxDistance, "maxDistance", 0, 2);
  const minScore = validateThreshold(args.minScore, "minScore", -1e6, 1e6);
  const filter = validateFilter(args.filter);
  const hasEmbedding = args.embedding !== undefined && args.embedding !== null;
  const mode = chooseMode(args.mode, Boolean(args.query), hasEmbedding, deps.canEmbedQuery());
  const legs: Legs = { mode, ...(args.query ? { query: args.query } : {}) };
  if (mode !== "keyword" && hasEmbedding) legs.vector = validateEmbedding(args.embedding, deps.limits.dims);
  else if (mode !== "keyword") {
    try {
      legs.vector = vectorLiteral(await deps.embedQuery(args.query!));
      legs.lexicalVector = deps.lexicalEmbedder();
    } catch (err) {
      // A hybrid search nobody asked for by name fails open to its keyword leg when the
      // embedder cannot embed the query (down, timed out); an explicit mode fails with the code.
      if (args.mode || mode === "vector") throw err;
      legs.mode = "keyword";
    }
  }
  return { k, maxDistance, minScore, filter, legs };
}

export async function* searchStages(
  deps: MemoryServiceDeps,
  filterHashes: (userHash: string, filter: MemoryFilter) => FilterHashes,
  withTenant: WithTenant,
  userHash: string,
  args: SearchArgs,
): AsyncGenerator<SearchStage> {
  const { k, maxDistance, minScore, filter, legs } = await checkedSearch(deps, args);
  const wanted = args.query && args.rerank !== false ? Math.max(k, deps.rerankCandidates) : k;
  // The candidates and the rows of the first k in one transaction (one connection, one
  // round of begin/commit): the first value needs nothing else. The filter's hashes are
  // made in it, under the tenant's keys as that transaction read them.
  const { found, annRows } = await withTenant(async (tx) => {
    const hashes = filterHashes(userHash, filter);
    const found = await retrieveCandidates(tx, deps.keyword, userHash, legs, wanted, hashes);
    return { found, annRows: await selectChunksById(tx, userHash, found.slice(0, k).map((c) => c.id)) };
  });
  // maxDistance drops what the vector leg found farther away; a keyword-only hit has no distance and stays.
  const candidates = maxDistance === undefined ? found : found.filter((c) => c.distance === null || c.distance <= maxDistance);
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const hitsFrom = (top: string[], rows: Map<string, SealedChunkRow>, scores?: Map<string, number>, sealer: Sealer = deps.sealer(userHash)): SearchHit[] =>
    top
      .filter((id) => rows.has(id)) // forgotten in between: dropped, never replaced by anything else
      .map((id) => ({ memory: openMemory(sealer, userHash, rows.get(id)!), distance: byId.get(id)!.distance, keywordScore: byId.get(id)!.keywordScore, score: scores?.get(id) ?? null }))
      .filter((h) => minScore === undefined || h.score === null || h.score >= minScore);
  const hitsFor = async (order: string[], scores?: Map<string, number>): Promise<SearchHit[]> => {
    const top = order.slice(0, k);
    return hitsFrom(top, new Map((await withTenant((tx) => selectChunksById(tx, userHash, top))).map((r) => [r.id, r])), scores);
  };
  const annHits = hitsFrom(candidates.map((c) => c.id).slice(0, k), new Map(annRows.map((r) => [r.id, r])));
  if (!args.query || args.rerank === false) {
    yield { phase: "ann", hits: annHits, reranked: false, rerankSkipReason: args.query ? "not_requested" : "no_query" };
    return;
  }
  yield { phase: "ann", hits: annHits, reranked: false, rerankSkipReason: null };
  if (candidates.length === 0) yield { phase: "reranked", hits: [], reranked: false, rerankSkipReason: null };
  else if (!deps.waiter) yield { phase: "reranked", hits: annHits, reranked: false, rerankSkipReason: "no_model" };
  else {
    // The query is sealed into the search request, under the tenant's key (a tenant whose
    // memories predate its keys gets them here).
    const result = await deps.waiter.rerank(withTenant, sealInTransaction(deps, userHash), { userHash, query: args.query, candidates, budgetMs: deps.rerankBudgetMs });
    const scores = result.reranked ? new Map(result.order.map((id, i) => [id, result.scores[i]!])) : undefined;
    yield { phase: "reranked", hits: await hitsFor(result.order, scores), reranked: result.reranked, rerankSkipReason: result.reranked ? null : result.skipReason };
  }
}

// The retrieval legs of a search and which ones run. vector: the embedding given, or the
// query embedded here; keyword: BM25 over the query's term blind indexes; hybrid: both,
// fused by reciprocal rank. Without a mode, a query searches hybrid when a vector can be
// had (an embedding given, or an embedder to embed the query) and keyword otherwise; an
// embedding alone searches vector.
import type { KeyObject } from "node:crypto";
import type pg from "pg";
import { termHash } from "../crypto/blindIndex.ts";
import { indexTerms } from "../keyword/analyzeText.ts";
import { readSearchConfig, type SearchConfig } from "../config/searchConfig.ts";
import type { FilterHashes } from "../sql/chunkFilter.ts";
import { searchChunks } from "../sql/searchChunks.ts";
import { searchKeyword } from "../sql/searchKeyword.ts";
import { InputError } from "./inputError.ts";
import { fuseRankings, keywordFirst, type Candidate, type FusionSettings } from "./rankFusion.ts";

export const SEARCH_MODES = ["vector", "keyword", "hybrid"] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export interface KeywordSettings {
  /** The tenant's term blind-index key (as its latest transaction read its keys). */
  termKey: (userHash: string) => KeyObject;
  k1: number;
  b: number;
  fusion: FusionSettings;
}

/** The keyword leg's settings from SEARCH_* (read once, at start). */
export function keywordSettings(termKey: (userHash: string) => KeyObject, c: SearchConfig = readSearchConfig()): KeywordSettings {
  return {
    termKey,
    k1: c.SEARCH_BM25_K1,
    b: c.SEARCH_BM25_B,
    fusion: { k: c.SEARCH_RRF_K, vectorWeight: c.SEARCH_RRF_VECTOR_WEIGHT, keywordWeight: c.SEARCH_RRF_KEYWORD_WEIGHT },
  };
}

/** The mode asked for, or the default for what came; a mode its inputs cannot serve is refused. */
export function chooseMode(asked: unknown, hasQuery: boolean, hasEmbedding: boolean, canEmbed: boolean): SearchMode {
  if (asked !== undefined && asked !== null) {
    const mode = String(asked).toLowerCase() as SearchMode;
    if (!SEARCH_MODES.includes(mode)) throw new InputError("BAD_MODE", `mode must be one of ${SEARCH_MODES.join(", ")}`);
    if (mode !== "vector" && !hasQuery) throw new InputError("QUERY_REQUIRED", `a ${mode} search needs a query`);
    if (mode === "vector" && !hasQuery && !hasEmbedding) throw new InputError("EMBEDDING_OR_QUERY", "a vector search needs an embedding or a query (which is then embedded)");
    return mode;
  }
  if (!hasQuery && !hasEmbedding) throw new InputError("EMBEDDING_OR_QUERY", "a search needs an embedding or a query (which is then embedded)");
  if (!hasQuery) return "vector";
  return hasEmbedding || canEmbed ? "hybrid" : "keyword";
}

export interface Legs {
  mode: SearchMode;
  /** pgvector text form, for vector and hybrid. */
  vector?: string;
  /** The query's text, for keyword and hybrid. */
  query?: string;
  /** The vector is the query embedded by a lexical embedder (rankFusion.ts, keywordFirst). */
  lexicalVector?: boolean;
}

/** Distinct terms a keyword query scores (search_keyword takes at most 1,024); a longer query's first ones. */
export const MAX_QUERY_TERMS = 256;

/** The query's distinct term hashes with their counts, for this tenant. */
function keywordQuery(s: KeywordSettings, userHash: string, query: string) {
  const key = s.termKey(userHash);
  const { hashes, frequencies } = indexTerms(query, (term) => termHash(key, userHash, term));
  return { hashes: hashes.slice(0, MAX_QUERY_TERMS), frequencies: frequencies.slice(0, MAX_QUERY_TERMS), k1: s.k1, b: s.b };
}

/** Runs the legs in the caller's tenant transaction: the candidates, best first, at most `depth`. */
export async function retrieveCandidates(tx: pg.ClientBase, s: KeywordSettings, userHash: string, legs: Legs, depth: number, filter: FilterHashes): Promise<Candidate[]> {
  const vector = legs.mode !== "keyword" ? await searchChunks(tx, legs.vector!, depth, filter) : [];
  const kq = legs.mode !== "vector" ? keywordQuery(s, userHash, legs.query!) : undefined;
  const keyword = kq && kq.hashes.length > 0 ? await searchKeyword(tx, kq, depth, filter) : [];
  if (legs.mode === "vector") return vector.map((h) => ({ id: h.id, distance: h.distance, keywordScore: null }));
  if (legs.mode === "keyword") return keyword.map((h) => ({ id: h.id, distance: null, keywordScore: h.score }));
  return legs.lexicalVector ? keywordFirst(vector, keyword, depth) : fuseRankings(vector, keyword, s.fusion, depth);
}

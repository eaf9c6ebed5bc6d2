// Search: the keyword leg's BM25 parameters, how the two legs' rankings are fused, and
// whether the worker writes the keyword index at all.
import { bool, decimal, int, readSettings, type Env } from "./settings.ts";

export const SEARCH_SETTINGS = {
  KEYWORD_INDEX: bool(
    "The worker writes each memory's keyword terms (blind indexes) when it seals it. false: no term of a new or changed memory reaches the database, and keyword search finds only what was indexed before (README, Security: what the server learns).",
    true,
  ),
  SEARCH_BM25_K1: decimal("BM25's term-frequency saturation for the keyword leg (Lucene's default).", 1.2, 0, 100),
  SEARCH_BM25_B: decimal("BM25's length normalisation for the keyword leg: 0 ignores a memory's length, 1 normalises fully.", 0.75, 0, 1),
  SEARCH_RRF_K: int("Reciprocal-rank fusion's constant: a hit at rank r in a leg adds weight / (SEARCH_RRF_K + r).", 60, 1, 10_000),
  SEARCH_RRF_VECTOR_WEIGHT: decimal("The vector leg's weight in hybrid search's fusion.", 1, 0, 100),
  SEARCH_RRF_KEYWORD_WEIGHT: decimal("The keyword leg's weight in hybrid search's fusion.", 1, 0, 100),
};

export const readSearchConfig = (env: Env = process.env) => readSettings(SEARCH_SETTINGS, env);
export type SearchConfig = ReturnType<typeof readSearchConfig>;

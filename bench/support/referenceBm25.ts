// The plaintext BM25 reference: wink-bm25-text-search (a maintained library, not
// memvault's SQL) over the same texts, with memvault's own analyzer as its one preparation
// step. Same analyzer, same formula (Lucene's idf, k1, b), so the encrypted keyword leg
// should lose nothing against it; the bench and the tests compare the two.
import winkBm25 from "wink-bm25-text-search";
import { analyzeText } from "../../src/keyword/analyzeText.ts";

export interface ReferenceIndex {
  search(query: string, limit: number): { id: string; score: number }[];
}

/** At least three documents (the library's own minimum). Scores are kept to 9 decimals. */
export function referenceBm25(docs: { id: string; text: string }[], params: { k1: number; b: number } = { k1: 1.2, b: 0.75 }): ReferenceIndex {
  const engine = winkBm25();
  engine.defineConfig({ fldWeights: { text: 1 }, bm25Params: { k1: params.k1, b: params.b, k: 1 } });
  engine.definePrepTasks([(input) => analyzeText(String(input))]);
  for (const d of docs) engine.addDoc({ text: d.text }, d.id);
  engine.consolidate(9);
  return { search: (query, limit) => engine.search(query, limit).map(([id, score]) => ({ id, score })) };
}

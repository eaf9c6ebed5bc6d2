// Text for the ingest and rerank benches: the TREC DL19 queries with their BM25 top-100
// passages when MEMVAULT_SHARED_DIR names a folder that has them (MS MARCO text is for
// research use, so it is not vendored), otherwise a generated corpus with the same
// token-length distribution, in bert-base-uncased tokens (measured on DL19: quantiles below).
import fs from "node:fs";
import path from "node:path";
import { readProcessConfig } from "../../src/config/processConfig.ts";
import { TOKENIZER_JSON } from "../../scripts/testModels.ts";
import { seededRandom } from "./seededRandom.ts";

export interface Corpus {
  source: "dl19" | "generated";
  queries: { query: string; passages: string[] }[];
}

// Token counts (without [CLS]/[SEP]) at the 0, 5, 10, 20, ..., 90, 95, 100th percentiles.
const PERCENTILES = [0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100];
const DL19_QUERY_TOKENS = [4, 4, 4, 5, 6, 6, 7, 7, 7, 9, 10, 12, 13];
const DL19_PASSAGE_TOKENS = [19, 42, 49, 56, 62, 68, 75, 85, 100, 116, 136, 152, 258];

export function loadCorpus(opts: { queries?: number; passagesPerQuery?: number } = {}): Corpus {
  const nQueries = opts.queries ?? 43;
  const perQuery = opts.passagesPerQuery ?? 100;
  const dir = readProcessConfig().MEMVAULT_SHARED_DIR;
  const file = dir ? path.join(dir, "testdata", "dl19", "bm25_top100_dl19.json") : undefined;
  if (file && fs.existsSync(file)) {
    const dl19 = JSON.parse(fs.readFileSync(file, "utf8")) as { query: string; hits: { content: string }[] }[];
    return { source: "dl19", queries: dl19.slice(0, nQueries).map((q) => ({ query: q.query, passages: q.hits.slice(0, perQuery).map((h) => h.content) })) };
  }
  return generatedCorpus(nQueries, perQuery);
}

function generatedCorpus(nQueries: number, perQuery: number): Corpus {
  // Whole words of the vocabulary are one token each, so a text of n words is n tokens.
  const vocab = Object.keys((JSON.parse(fs.readFileSync(TOKENIZER_JSON(), "utf8")) as { model: { vocab: Record<string, number> } }).model.vocab)
    .filter((w) => /^[a-z]{3,}$/.test(w));
  const rand = seededRandom(0x2545f491);
  const length = (quantiles: number[]) => {
    const p = rand() * 100;
    const i = Math.max(0, PERCENTILES.findIndex((q) => q >= p) - 1);
    const [p0, p1, v0, v1] = [PERCENTILES[i]!, PERCENTILES[i + 1]!, quantiles[i]!, quantiles[i + 1]!];
    return Math.max(1, Math.round(v0 + ((p - p0) / (p1 - p0)) * (v1 - v0)));
  };
  const text = (n: number) => Array.from({ length: n }, () => vocab[Math.floor(rand() * vocab.length)]!).join(" ");
  return {
    source: "generated",
    queries: Array.from({ length: nQueries }, () => ({
      query: text(length(DL19_QUERY_TOKENS)),
      passages: Array.from({ length: perQuery }, () => text(length(DL19_PASSAGE_TOKENS))),
    })),
  };
}

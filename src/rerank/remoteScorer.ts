// A text-embeddings-inference server's /rerank endpoint, for GPU fleets: request
// {query, texts}, response [{index, score}] in any order.
import { postToTei, teiEndpoint } from "../teiRequest.ts";
import { RerankError } from "./rerankError.ts";
import type { Scorer } from "./scorer.ts";

/** Scores by index; any index missing or out of range makes the answer malformed. */
function scoresFrom(body: unknown, count: number): number[] | undefined {
  const scores = new Array<number>(count).fill(Number.NaN);
  if (!Array.isArray(body)) return undefined;
  for (const item of body as { index?: unknown; score?: unknown }[]) {
    if (typeof item?.index === "number" && typeof item.score === "number" && item.index >= 0 && item.index < count) scores[item.index] = item.score;
  }
  return scores.some(Number.isNaN) ? undefined : scores;
}

export function createRemoteScorer(baseUrl: string, opts: { timeoutMs: number }): Scorer {
  const url = teiEndpoint(baseUrl, "rerank");
  return {
    name: `tei:${url.host}`,
    async score(query, texts) {
      if (texts.length === 0) return [];
      const outcome = await postToTei(url, { query, texts, raw_scores: true, truncate: true }, opts.timeoutMs);
      if (outcome.kind === "timeout" || outcome.kind === "unreachable") throw new RerankError("RERANK_REMOTE", `rerank server ${url.host} unreachable`, { cause: outcome.cause });
      if (outcome.kind === "status") throw new RerankError("RERANK_REMOTE", `rerank server ${url.host} answered ${outcome.status}`);
      const scores = scoresFrom(outcome.body, texts.length);
      if (!scores) throw new RerankError("RERANK_REMOTE", `rerank server ${url.host} returned a malformed answer`);
      return scores;
    },
    close: async () => {},
  };
}

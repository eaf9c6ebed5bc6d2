// A text-embeddings-inference server's /rerank endpoint, for GPU fleets: request
// {query, texts}, response [{index, score}] in any order.
import { RerankError } from "./rerankError.ts";
import type { Scorer } from "./scorer.ts";

export function createRemoteScorer(baseUrl: string, opts: { timeoutMs: number }): Scorer {
  const url = new URL("rerank", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  return {
    name: `tei:${url.host}`,
    async score(query, texts) {
      if (texts.length === 0) return [];
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query, texts, raw_scores: true, truncate: true }),
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
      } catch (err) {
        throw new RerankError("RERANK_REMOTE", `rerank server ${url.host} unreachable`, { cause: err });
      }
      if (!res.ok) throw new RerankError("RERANK_REMOTE", `rerank server ${url.host} answered ${res.status}`);
      const body = (await res.json()) as unknown;
      const scores = new Array<number>(texts.length).fill(Number.NaN);
      if (Array.isArray(body)) {
        for (const item of body as { index?: unknown; score?: unknown }[]) {
          if (typeof item?.index === "number" && typeof item.score === "number" && item.index >= 0 && item.index < texts.length) {
            scores[item.index] = item.score;
          }
        }
      }
      if (scores.some(Number.isNaN)) throw new RerankError("RERANK_REMOTE", `rerank server ${url.host} returned a malformed answer`);
      return scores;
    },
    close: async () => {},
  };
}

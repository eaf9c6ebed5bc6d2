// The rerank_search job: read the request and the candidates' texts under the tenant's
// RLS (short transaction), score outside any transaction, write the outcome back once.
// Fail-open: every path that cannot score writes the ANN order with the reason.
import type pg from "pg";
import { createSealer } from "../crypto/seal.ts";
import { chunkContext, searchQueryContext } from "../crypto/sealContexts.ts";
import { completeSearchRequest } from "../sql/completeSearchRequest.ts";
import { selectChunkTextCiphers } from "../sql/selectChunkTextCiphers.ts";
import { selectSearchRequest } from "../sql/selectSearchRequest.ts";
import { withTenant } from "../db/withTenant.ts";
import type { Candidate, Reranker } from "../rerank/reranker.ts";
import type { WorkerContext } from "./workerContext.ts";

export async function rerankSearch(ctx: WorkerContext & { reranker: Reranker }, client: pg.ClientBase, userHash: string, id: string): Promise<void> {
  const loaded = await withTenant(client, { userHash }, async (tx) => {
    const request = await selectSearchRequest(tx, id);
    if (!request || request.status !== "pending") return undefined; // unknown here, or done already
    const budgetMs = request.deadline.getTime() - Date.now();
    if (budgetMs <= 0) return { request, budgetMs, query: "", candidates: [] as Candidate[] };
    const sealer = createSealer(ctx.keyrings.current());
    const query = sealer.openSealed(request.query_cipher, searchQueryContext(userHash, id)).toString("utf8");
    const ciphers = new Map((await selectChunkTextCiphers(tx, request.candidate_ids)).map((r) => [r.id, r.text_cipher]));
    // Candidates in ANN order; one that is gone (forgotten) or is not this tenant's is dropped.
    const candidates: Candidate[] = [];
    for (const cid of request.candidate_ids) {
      const cipher = ciphers.get(cid);
      if (cipher) candidates.push({ id: cid, text: sealer.openSealed(cipher, chunkContext(userHash, cid, "text")).toString("utf8") });
    }
    return { request, budgetMs, query, candidates };
  });
  if (!loaded) return;
  const outcome = await ctx.reranker.rerank(loaded.query, loaded.candidates, loaded.budgetMs);
  const ranked = outcome.reranked ? outcome.order : loaded.request.candidate_ids;
  await withTenant(client, { userHash }, (tx) =>
    completeSearchRequest(tx, id, {
      status: outcome.reranked ? "reranked" : "skipped",
      skipReason: outcome.reranked ? null : outcome.skipReason,
      rankedIds: ranked,
      scores: outcome.reranked ? outcome.scores : null,
      latencyMs: outcome.latencyMs,
    }),
  );
}

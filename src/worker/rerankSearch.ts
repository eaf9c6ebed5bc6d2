// The rerank_search job: read the request, the tenant's reranker assignment and the
// candidates' texts under the tenant's RLS (short transaction), score outside any
// transaction, write the outcome back once with the variant that served it.
// Fail-open: every path that cannot score writes the ANN order with the reason.
import type pg from "pg";
import { chunkContext, searchQueryContext } from "../crypto/sealContexts.ts";
import { completeSearchRequest } from "../sql/completeSearchRequest.ts";
import { selectChunkTextCiphers } from "../sql/selectChunkTextCiphers.ts";
import { selectRerankAssignment } from "../sql/selectRerankAssignment.ts";
import { selectSearchRequest } from "../sql/selectSearchRequest.ts";
import { withTenant } from "../db/withTenant.ts";
import type { Candidate } from "../rerank/reranker.ts";
import type { VariantRerankers } from "../rerank/variantRerankers.ts";
import type { WorkerContext } from "./workerContext.ts";
import { SETTINGS_VARIANT } from "../rerankVariant.ts";

export async function rerankSearch(ctx: WorkerContext & { rerankers: VariantRerankers }, client: pg.ClientBase, userHash: string, id: string): Promise<void> {
  const loaded = await withTenant(client, { userHash }, async (tx) => {
    const request = await selectSearchRequest(tx, id);
    if (!request || request.status !== "pending") return undefined; // unknown here, or done already
    // Read in the same snapshot as the request: once a rollback has committed, no job
    // that starts after it can pick the treatment.
    const assignment = await selectRerankAssignment(tx);
    if (request.deadline.getTime() <= Date.now()) return { request, assignment, expired: true, query: "", candidates: [] as Candidate[] };
    await ctx.tenantKeys.prepare(tx, userHash);
    const sealer = ctx.tenantKeys.sealer(userHash);
    const query = sealer.openSealed(request.query_cipher, searchQueryContext(userHash, id)).toString("utf8");
    const ciphers = new Map((await selectChunkTextCiphers(tx, userHash, request.candidate_ids)).map((r) => [r.id, r.text_cipher]));
    // Candidates in ANN order; one that is gone (forgotten) or is not this tenant's is dropped.
    const candidates: Candidate[] = [];
    for (const cid of request.candidate_ids) {
      const cipher = ciphers.get(cid);
      if (cipher) candidates.push({ id: cid, text: sealer.openSealed(cipher, chunkContext(userHash, cid, "text")).toString("utf8") });
    }
    return { request, assignment, expired: false, query, candidates };
  });
  if (!loaded) return;
  const { assignment } = loaded;
  const reranker = assignment ? await ctx.rerankers.forVariant(assignment.variant) : ctx.rerankers.settings;
  // After the model is loaded: the request's deadline, capped by the variant's own budget.
  let budgetMs = loaded.request.deadline.getTime() - Date.now();
  if (assignment) budgetMs = Math.min(budgetMs, assignment.variant.budgetMs);
  if (loaded.expired) budgetMs = Math.min(budgetMs, 0);
  const outcome = await reranker.rerank(loaded.query, loaded.candidates, budgetMs);
  const ranked = outcome.reranked ? outcome.order : loaded.request.candidate_ids;
  await withTenant(client, { userHash }, (tx) =>
    completeSearchRequest(tx, id, {
      status: outcome.reranked ? "reranked" : "skipped",
      skipReason: outcome.reranked ? null : outcome.skipReason,
      rankedIds: ranked,
      scores: outcome.reranked ? outcome.scores : null,
      latencyMs: outcome.latencyMs,
      variant: assignment?.variant.name ?? SETTINGS_VARIANT,
      rolloutId: assignment?.rolloutId ?? null,
      arm: assignment?.arm ?? null,
    }),
  );
}

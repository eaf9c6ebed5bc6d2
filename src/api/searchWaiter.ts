// What a caller (the API) uses: insert a search request and wait for its rerank, up to
// the deadline. Notifications come through the process's one LISTEN connection (the
// notification hub), dispatched in memory by request id; the outcome is then re-read
// under the tenant's RLS.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { SealContext } from "../crypto/aad.ts";
import { sealedKeyVersion, sealedUnderTenantKey } from "../crypto/seal.ts";
import { TENANT_KEY_VERSION } from "../sql/moveIngestToChunks.ts";
import { createNotificationHub, type NotificationHub } from "../db/notificationHub.ts";
import { insertSearchRequest } from "../sql/insertSearchRequest.ts";
import { SEARCH_DONE_CHANNEL } from "../sql/completeSearchRequest.ts";
import { selectSearchResult } from "../sql/selectSearchResult.ts";
import { searchQueryContext } from "../crypto/sealContexts.ts";
import type { WithTenant } from "../db/withTenant.ts";
import type { SkipReason } from "../rerank/reranker.ts";

export interface RerankRequest {
  userHash: string;
  query: string;
  /** The retrieval order; distance null for a hit only the keyword leg found. */
  candidates: { id: string; distance: number | null }[];
  budgetMs: number;
}

export type RerankResult =
  | { requestId: string; reranked: true; order: string[]; scores: number[] }
  | { requestId: string; reranked: false; order: string[]; skipReason: SkipReason };

/** Seals the query in the transaction that stores the request (the tenant's keys are read there). */
export type SealQuery = (tx: pg.ClientBase, plaintext: Buffer, ctx: SealContext) => Promise<Buffer>;

export interface SearchWaiter {
  rerank(withTenant: WithTenant, sealQuery: SealQuery, request: RerankRequest): Promise<RerankResult>;
  close(): Promise<void>;
}

/** Given a connection string, the waiter keeps a hub of its own; given a hub, it shares it. */
export async function createSearchWaiter(hubOrConnection: NotificationHub | string): Promise<SearchWaiter> {
  const ownHub = typeof hubOrConnection === "string";
  const hub = ownHub ? await createNotificationHub(hubOrConnection, [SEARCH_DONE_CHANNEL]) : hubOrConnection;
  const waiting = new Map<string, () => void>();
  const off = hub.on(SEARCH_DONE_CHANNEL, (id) => waiting.get(id)?.());

  return {
    async rerank(withTenant, sealQuery, request) {
      const id = randomUUID();
      const ann = request.candidates.map((c) => c.id);
      const deadline = new Date(Date.now() + request.budgetMs);
      let timer: NodeJS.Timeout | undefined;
      // Registered before the insert, so that a fast worker's NOTIFY cannot be missed.
      const done = new Promise<void>((resolve) => {
        waiting.set(id, resolve);
        timer = setTimeout(resolve, request.budgetMs);
      });
      try {
        await withTenant(async (c) => {
          const queryCipher = await sealQuery(c, Buffer.from(request.query, "utf8"), searchQueryContext(request.userHash, id));
          await insertSearchRequest(c, {
            id,
            queryCipher,
            keyVersion: sealedUnderTenantKey(queryCipher) ? TENANT_KEY_VERSION : sealedKeyVersion(queryCipher),
            candidateIds: ann,
            candidateDistances: request.candidates.map((c) => c.distance),
            deadline,
          });
        });
        await done;
      } finally {
        clearTimeout(timer);
        waiting.delete(id);
      }
      const row = await withTenant((c) => selectSearchResult(c, id));
      if (row?.status === "reranked" && row.ranked_ids && row.scores) {
        return { requestId: id, reranked: true, order: row.ranked_ids, scores: row.scores };
      }
      if (row?.status === "skipped") {
        return { requestId: id, reranked: false, order: row.ranked_ids ?? ann, skipReason: (row.skip_reason ?? "error") as SkipReason };
      }
      return { requestId: id, reranked: false, order: ann, skipReason: "timeout" };
    },
    async close() {
      off();
      if (ownHub) await hub.close();
    },
  };
}

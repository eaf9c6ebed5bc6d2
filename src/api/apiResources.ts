// What the API process holds open: its database pool (warm), the memory bucket in front of
// it, the one LISTEN connection, the search waiter, the embedder, and the memory service
// built on them. Opened in order; a failure closes what was opened and rethrows.
import { openTenantKeys } from "../keys/openTenantKeys.ts";
import { tenantKeyDeps } from "./tenantKeyDeps.ts";
import { createPool } from "../db/createPool.ts";
import { ConfigError } from "../config/configError.ts";
import { readApiConfig } from "../config/apiConfig.ts";
import { readEmbedConfig } from "../config/embedConfig.ts";
import { createNotificationHub } from "../db/notificationHub.ts";
import { instrumentEmbedder } from "../embed/createEmbedderFromConfig.ts";
import { createEmbedMetrics } from "../embed/embedMetrics.ts";
import { CHUNK_SEALED_CHANNEL } from "../sql/chunkSealedChannel.ts";
import { SEARCH_DONE_CHANNEL } from "../sql/completeSearchRequest.ts";
import { selectEmbeddingDims } from "../sql/selectEmbeddingDims.ts";
import { createApiMetrics } from "./apiMetrics.ts";
import type { ApiServerOptions } from "./apiServerOptions.ts";
import { createMemoryBucket } from "./memoryBucket.ts";
import { createMemoryService } from "./memoryService.ts";
import { createSealedEvents } from "./sealedEvents.ts";
import { createSearchWaiter } from "./searchWaiter.ts";
import { keywordSettings } from "./searchLegs.ts";

/** A reranked search scores the ANN's nearest max(k, 24) and keeps the best k. */
const RERANK_CANDIDATES = 24;

async function closeOnFailure<T>(opening: Promise<T>, close: () => Promise<unknown>): Promise<T> {
  try {
    return await opening;
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}

export async function openApiResources(opts: ApiServerOptions) {
  const bucketConfig = opts.memoryBucket ?? readApiConfig().memoryBucket;
  // Nothing waits for ever: a connection comes within 5 s or the request fails (coded);
  // statements are bounded by the runtime roles' statement_timeout (migrations/roles.sql).
  // The memory share's connections are opened at start and kept (min): a first burst, or
  // one after a lull, would otherwise wait for new connections and their SCRAM handshakes.
  // Connections past the share close after a minute idle.
  const pool = createPool(
    { connectionString: opts.authenticatorUrl, max: bucketConfig.poolSize, min: bucketConfig.connections, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 60_000 },
    opts.logger,
    "API",
  );
  // No KEK, no API: a wrong PIN or a missing key stops the start here, with its code.
  const tenantKeys = opts.tenantKeys ?? openTenantKeys(opts.keyrings);
  const bucket = createMemoryBucket(bucketConfig);
  const metrics = createApiMetrics(pool, bucketConfig.poolSize, bucket);
  const dbDims = await closeOnFailure(selectEmbeddingDims(pool), () => pool.end());
  await closeOnFailure(Promise.all(Array.from({ length: bucketConfig.connections }, () => pool.connect())), () => pool.end()).then((clients) => clients.forEach((c) => c.release()));
  if (dbDims !== undefined && dbDims !== opts.limits.dims) {
    await pool.end();
    throw new ConfigError("EMBEDDING_DIM", `is ${opts.limits.dims}, but the database's embedding column has ${dbDims} dimensions: set EMBEDDING_DIM=${dbDims}`);
  }
  // The process's one LISTEN connection: rerank results for the waiter, sealed memories for subscriptions.
  const hub = await closeOnFailure(createNotificationHub(opts.authenticatorUrl, [SEARCH_DONE_CHANNEL, CHUNK_SEALED_CHANNEL]), () => pool.end());
  const waiter = await createSearchWaiter(hub);
  const closeSoFar = async () => {
    await Promise.allSettled([waiter.close(), hub.close()]);
    await pool.end();
  };
  const embedder = opts.createEmbedder
    ? await closeOnFailure(opts.createEmbedder(metrics.registry, opts.logger), closeSoFar)
    : instrumentEmbedder(undefined, "EMBEDDER_UNAVAILABLE", opts.limits.dims, createEmbedMetrics(metrics.registry));
  const embedQueryBudgetMs = opts.embedQueryBudgetMs ?? readEmbedConfig().EMBED_QUERY_BUDGET_MS;
  const service = createMemoryService({
    ...tenantKeyDeps(tenantKeys),
    keyword: keywordSettings((userHash) => tenantKeys.current(userHash).termKey),
    canEmbedQuery: () => embedder.embedder !== undefined,
    lexicalEmbedder: () => embedder.embedder?.lexical === true,
    embedQuery: async (query) => (await embedder.embed([query], embedQueryBudgetMs))[0]!,
    limits: opts.limits,
    waiter,
    rerankBudgetMs: opts.rerankBudgetMs,
    rerankCandidates: RERANK_CANDIDATES,
  });
  return { pool, bucket, metrics, hub, waiter, embedder, sealedEvents: createSealedEvents(hub), service, tenantKeys };
}

export type ApiResources = Awaited<ReturnType<typeof openApiResources>>;

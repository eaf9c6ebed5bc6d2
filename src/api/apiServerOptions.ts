// What the API server is started with (memvault start builds these from the settings;
// tests pass their own).
import type { TenantKeys } from "../keys/tenantKeys.ts";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { KeyringProvider } from "../crypto/keyringProvider.ts";
import type { EmbedderHandle } from "../embed/createEmbedderFromConfig.ts";
import type { OperationLimits } from "./checkOperation.ts";
import type { TenantRateLimitConfig } from "./tenantRateLimits.ts";
import type { Limits } from "./validateMemoryInput.ts";
import type { TokenVerifier } from "./verifyToken.ts";

export interface ApiServerOptions {
  port: number;
  host: string;
  /** memvault_authenticator's connection (NOINHERIT; may only become memvault_user). */
  authenticatorUrl: string;
  verifier: TokenVerifier;
  keyrings: KeyringProvider;
  /** Each tenant's data keys under the KEK. Default: openTenantKeys(keyrings) from the KEK_* settings. */
  tenantKeys?: TenantKeys;
  limits: Limits;
  rerankBudgetMs: number;
  graphiql: boolean;
  operationLimits: OperationLimits;
  maxBodyBytes: number;
  /** Requests one tenant may have in flight (its bodies still arriving included). Default 16. */
  maxInflightPerTenant?: number;
  /** How long a request's headers and body may take to arrive (ms). Default 15000. */
  requestTimeoutMs?: number;
  /** Origins whose browser applications may call the API (CORS). Default none. */
  corsAllowedOrigins?: string[];
  websocket: { maxMessageBytes: number; initTimeoutMs: number; maxOperationsPerTenant: number };
  /** Per-tenant limits per minute by class (0: off). Default: readApiConfig().tenantRateLimits. */
  rateLimits?: TenantRateLimitConfig;
  /** The database pool and the share of it memory operations may hold. Default: readApiConfig().memoryBucket. */
  memoryBucket?: { poolSize: number; connections: number; maxInflight: number; maxWaitMs: number };
  /** Loads the embedder for text-only searches (server-side query embedding). Absent: text-only searches fail with EMBEDDER_UNAVAILABLE. */
  createEmbedder?: (registry: Registry, logger: Logger) => Promise<EmbedderHandle>;
  /** How long embedding one search query may take. Default: readEmbedConfig().EMBED_QUERY_BUDGET_MS. */
  embedQueryBudgetMs?: number;
  /** For /readyz: how searches are reranked (informational: the worker scores, fail-open). */
  rerankStatus?: () => string;
  /** Where /metrics listens (port 0: any free port); absent: not served. Never the API's own port. */
  metrics?: { port: number; host: string };
  logger: Logger;
}

export interface RunningApi {
  url: string;
  /** http://host:port/metrics when opts.metrics is set. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

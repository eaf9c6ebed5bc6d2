// /readyz: the database reachable, the schema present with the configured embedding
// dimension, the keyring loaded; and, for information, the default rerank variant. It is unauthenticated, so a flood must cost the database
// nothing it would not spend anyway: the answer is cached for a second (concurrent callers
// share one check), on a connection of its own, never one from the pool tenants' transactions
// and seal reservations queue for.
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import type { KeyringProvider } from "../crypto/keyringProvider.ts";
import { createPool } from "../db/createPool.ts";
import { withRoleFrom } from "../db/withTenant.ts";
import { selectDefaultRerankVariant } from "../sql/selectDefaultRerankVariant.ts";
import { selectEmbeddingDims } from "../sql/selectEmbeddingDims.ts";

export type ReadinessChecks = { ready: boolean; checks: Record<string, boolean>; defaultRerankVariant?: string };

export interface Readiness {
  check(): Promise<ReadinessChecks>;
  close(): Promise<void>;
}

const CACHE_MS = 1_000;

export function createReadiness(opts: { authenticatorUrl: string; keyrings: KeyringProvider; dims: number; registry: Registry; logger: Pick<Logger, "error"> }): Readiness {
  // The authenticator holds no privileges: catalog reads only.
  const pool = createPool({ connectionString: opts.authenticatorUrl, max: 1, connectionTimeoutMillis: 2_000, idleTimeoutMillis: 30_000, application_name: "memvault readiness" }, opts.logger, "readiness");
  const runs = new Counter({ name: "memvault_api_readiness_checks_total", help: "Readiness checks run against the database (/readyz answers from a one-second cache)", registers: [opts.registry] });
  let last: { at: number; result: Promise<ReadinessChecks> } | undefined;

  const run = async (): Promise<ReadinessChecks> => {
    runs.inc();
    const checks: Record<string, boolean> = {};
    let defaultRerankVariant: string | undefined;
    try {
      const { rows } = await pool.query(
        `select exists (select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                        where n.nspname = 'memvault' and c.relname = 'key_seal_reservations') as migrated`,
      );
      checks.database = true;
      checks.schema = rows[0]?.migrated === true;
      checks.embeddingDim = (await selectEmbeddingDims(pool)) === opts.dims;
      // Informational (not a check): the reranker tenants get when an operator set a default.
      defaultRerankVariant = checks.schema ? await withRoleFrom(pool, "memvault_user", selectDefaultRerankVariant).catch(() => undefined) : undefined;
    } catch {
      checks.database = false;
    }
    try {
      opts.keyrings.current();
      checks.keyring = true;
    } catch {
      checks.keyring = false;
    }
    return { ready: Object.values(checks).every(Boolean), checks, ...(defaultRerankVariant ? { defaultRerankVariant } : {}) };
  };

  return {
    check() {
      const now = Date.now();
      if (!last || now - last.at >= CACHE_MS) last = { at: now, result: run() };
      return last.result;
    },
    close: () => pool.end(),
  };
}

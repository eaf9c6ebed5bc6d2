// /readyz: the database reachable, the schema present with the configured embedding
// dimension, the keyring loaded. The authenticator holds no privileges: catalog reads only.
import type pg from "pg";
import type { KeyringProvider } from "../crypto/keyringProvider.ts";
import { selectEmbeddingDims } from "../sql/selectEmbeddingDims.ts";

export async function readiness(pool: pg.Pool, keyrings: KeyringProvider, dims: number) {
  const checks: Record<string, boolean> = {};
  try {
    // The authenticator holds no privileges: reachability, the schema's presence and its dimension.
    const { rows } = await pool.query(
      `select exists (select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                      where n.nspname = 'memvault' and c.relname = 'key_seal_reservations') as migrated`,
    );
    checks.database = true;
    checks.schema = rows[0]?.migrated === true;
    checks.embeddingDim = (await selectEmbeddingDims(pool)) === dims;
  } catch {
    checks.database = false;
  }
  try {
    keyrings.current();
    checks.keyring = true;
  } catch {
    checks.keyring = false;
  }
  return { ready: Object.values(checks).every(Boolean), ...checks };
}

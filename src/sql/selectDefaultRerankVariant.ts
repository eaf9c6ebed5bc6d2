import type pg from "pg";

/** The rerank variant tenants outside a rollout get; undefined: each worker's RERANK_* settings. Runs as memvault_user. */
export async function selectDefaultRerankVariant(tx: pg.ClientBase): Promise<string | undefined> {
  const { rows } = await tx.query<{ name: string | null }>("select memvault.default_rerank_variant() as name");
  return rows[0]?.name ?? undefined;
}

import type pg from "pg";

/** null: every worker's own RERANK_* settings. */
export async function setDefaultRerankVariant(client: pg.ClientBase, name: string | null): Promise<void> {
  await client.query("select memvault.set_default_rerank_variant($1::text)", [name]);
}

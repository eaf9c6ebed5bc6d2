import type pg from "pg";
import type { RerankVariant } from "../rerankVariant.ts";

export async function createRerankVariant(client: pg.ClientBase, v: RerankVariant): Promise<void> {
  await client.query(
    "select memvault.create_rerank_variant($1::text, $2::text, $3::text, $4::text, $5::integer, $6::integer, $7::integer, $8::integer)",
    [v.name, v.modelDir, v.remoteUrl, v.modelSha256, v.batchSize, v.maxLength, v.threads, v.budgetMs],
  );
}

import type pg from "pg";
import type { RerankVariant } from "../rerankVariant.ts";
import { variantFromRow, type RerankVariantRow } from "./rerankVariantRow.ts";

/** The variants tenants can be served now: the active rollout's two arms and the default. */
export async function selectServedVariants(client: pg.Pool | pg.ClientBase): Promise<RerankVariant[]> {
  const { rows } = await client.query<RerankVariantRow>(
    `select v.name, v.model_dir, v.remote_url, v.model_sha256, v.batch_size, v.max_length, v.threads, v.budget_ms
     from memvault.rerank_variants v
     where v.name in (select r.control_variant from memvault.rerank_rollouts r where r.state in ('running', 'paused')
                      union select r.treatment_variant from memvault.rerank_rollouts r where r.state in ('running', 'paused')
                      union select s.default_variant from memvault.rerank_settings s)
     order by v.name`,
  );
  return rows.map(variantFromRow);
}

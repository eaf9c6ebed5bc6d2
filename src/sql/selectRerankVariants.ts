import type pg from "pg";

export interface RerankVariantListing {
  name: string;
  source: string;
  model_sha256: string | null;
  batch_size: number;
  max_length: number;
  threads: number;
  budget_ms: number;
  is_default: boolean;
  created_at: Date;
  created_by: string;
}

export async function selectRerankVariants(client: pg.ClientBase): Promise<RerankVariantListing[]> {
  const { rows } = await client.query<RerankVariantListing>(
    `select v.name, coalesce(v.model_dir, v.remote_url) as source, v.model_sha256, v.batch_size, v.max_length, v.threads, v.budget_ms,
            v.name = s.default_variant as is_default, v.created_at, v.created_by
     from memvault.rerank_variants v cross join memvault.rerank_settings s
     order by v.created_at, v.name`,
  );
  return rows.map((r) => ({ ...r, is_default: r.is_default === true }));
}

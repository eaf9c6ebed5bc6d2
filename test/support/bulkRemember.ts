// n memories for a tenant in one INSERT into chunk_ingest, as memvault_user: texts
// `${prefix} 1` .. `${prefix} n`, meta {g}, a distinct vector each.
import type pg from "pg";
import { asIdentity } from "./tenant.ts";

export async function bulkRemember(pool: pg.Pool, userHash: string, n: number, prefix: string): Promise<void> {
  await asIdentity(
    pool,
    { role: "memvault_user", userHash },
    (c) =>
      c.query(
        `insert into memvault.chunk_ingest (text, meta, embedding)
         select $2::text || ' ' || g, jsonb_build_object('g', g),
                (select array_agg(sin(g * 7 + i))::real[]::public.vector from generate_series(1, 384) i)
         from generate_series(1, $1::integer) g`,
        [n, prefix],
      ),
    { commit: true },
  );
}

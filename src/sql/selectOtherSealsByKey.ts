import type pg from "pg";
import { sealedHeaderVersion } from "./sealedHeaderVersion.ts";

// A keyring-sealed value's key version: bytes 1-4 of its header, big-endian, when byte 0
// (the format) is 1; a value under a tenant's own key (format 2) has no keyring version.
const VERSION_OF = (column: string) =>
  `(case when pg_catalog.get_byte(${column}, 0) = 1 then ${sealedHeaderVersion(column)} end)`;

/**
 * Values sealed under one keyring version besides the chunks' own text, meta and embedding
 * (memory_chunks.key_version): labels, on sealed memories and on memories still waiting in
 * chunk_ingest (the API seals them before the worker runs), and the queries of search
 * requests not yet deleted. Across every tenant: a superuser connection.
 */
export async function selectOtherSealsByKey(client: pg.ClientBase, version: number): Promise<{ labels: number; queries: number }> {
  const { rows } = await client.query<{ labels: number; queries: number }>(
    `select (select count(*) from memvault.memory_chunks where labels_cipher is not null and ${VERSION_OF("labels_cipher")} = $1::bigint)
          + (select count(*) from memvault.chunk_ingest where labels_cipher is not null and ${VERSION_OF("labels_cipher")} = $1::bigint) as labels,
            (select count(*) from memvault.search_requests where ${VERSION_OF("query_cipher")} = $1::bigint) as queries`,
    [version],
  );
  return { labels: Number(rows[0]!.labels), queries: Number(rows[0]!.queries) };
}

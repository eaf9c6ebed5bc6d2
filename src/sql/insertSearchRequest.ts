import type pg from "pg";

export async function insertSearchRequest(
  client: pg.ClientBase,
  r: { id: string; queryCipher: Buffer; keyVersion: number; candidateIds: string[]; candidateDistances: (number | null)[]; deadline: Date },
): Promise<void> {
  await client.query(
    `insert into memvault.search_requests (id, query_cipher, key_version, candidate_ids, candidate_distances, deadline)
     values ($1::uuid, $2::bytea, $3::integer, $4::uuid[], $5::float8[], $6::timestamptz)`,
    [r.id, r.queryCipher, r.keyVersion, r.candidateIds, r.candidateDistances, r.deadline],
  );
}

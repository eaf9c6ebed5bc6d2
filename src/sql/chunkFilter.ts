// The filter predicates memories, count and forget share, over the columns memory_chunks
// and chunk_ingest have in common. Label conditions compare blind indexes (bytea), never
// plaintext. search_chunks (the SQL function) applies the same conditions itself.
export interface FilterHashes {
  scopeHash?: Buffer;
  scopeLevel?: Buffer;
  tagsAny?: Buffer[];
  tagsAll?: Buffer[];
  createdAfter?: Date;
  createdBefore?: Date;
}

/** " and …" for each condition given, appending its parameters to `params`; unexpired rows only. */
export function filterPredicates(f: FilterHashes, params: unknown[]): string {
  const p = (value: unknown) => `$${params.push(value)}`;
  let sql = " and (expires_at is null or expires_at > now())";
  if (f.scopeHash) sql += ` and scope_hash = ${p(f.scopeHash)}::bytea`;
  if (f.scopeLevel) sql += ` and scope_path @> array[${p(f.scopeLevel)}::bytea]`;
  if (f.tagsAny) sql += ` and tag_hashes && ${p(f.tagsAny)}::bytea[]`;
  if (f.tagsAll) sql += ` and tag_hashes @> ${p(f.tagsAll)}::bytea[]`;
  if (f.createdAfter) sql += ` and created_at > ${p(f.createdAfter)}::timestamptz`;
  if (f.createdBefore) sql += ` and created_at < ${p(f.createdBefore)}::timestamptz`;
  return sql;
}

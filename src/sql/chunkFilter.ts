// The filter predicates memories, count and forget share. Label conditions compare blind
// indexes (bytea), never plaintext. On memory_chunks they look the hashes up in
// memory_labels (btree equality, which PostgreSQL may use through row-level security,
// unlike array overlap); on chunk_ingest (a few pending rows) they test its hash arrays.
// search_chunks (the SQL function) applies the same conditions itself.
export interface FilterHashes {
  scopeHash?: Buffer;
  scopeLevel?: Buffer;
  tagsAny?: Buffer[];
  tagsAll?: Buffer[];
  createdAfter?: Date;
  createdBefore?: Date;
  occurredAfter?: Date;
  occurredBefore?: Date;
}

/**
 * " and …" for each condition given, appending its parameters to `params`; unexpired rows
 * only. `tenant` is the placeholder that already holds the tenant key (e.g. "$1").
 */
export function filterPredicates(f: FilterHashes, params: unknown[], table: "memory_chunks" | "chunk_ingest", tenant: string): string {
  const p = (value: unknown) => `$${params.push(value)}`;
  const labels = (condition: string, having = "") =>
    ` and id in (select l.memory_id from memvault.memory_labels l where l.user_hash = ${tenant}::text and ${condition}${having})`;
  let sql = " and (expires_at is null or expires_at > now())";
  if (f.scopeHash) sql += ` and scope_hash = ${p(f.scopeHash)}::bytea`;
  if (table === "memory_chunks") {
    if (f.scopeLevel) sql += labels(`l.label_hash = ${p(f.scopeLevel)}::bytea`);
    if (f.tagsAny) sql += labels(`l.label_hash = any(${p(f.tagsAny)}::bytea[])`);
    if (f.tagsAll) {
      const all = p(f.tagsAll);
      sql += labels(`l.label_hash = any(${all}::bytea[])`, ` group by l.memory_id having count(*) = (select count(distinct h) from unnest(${all}::bytea[]) as h)`);
    }
  } else {
    if (f.scopeLevel) sql += ` and scope_path @> array[${p(f.scopeLevel)}::bytea]`;
    if (f.tagsAny) sql += ` and tag_hashes && ${p(f.tagsAny)}::bytea[]`;
    if (f.tagsAll) sql += ` and tag_hashes @> ${p(f.tagsAll)}::bytea[]`;
  }
  if (f.createdAfter) sql += ` and created_at > ${p(f.createdAfter)}::timestamptz`;
  if (f.createdBefore) sql += ` and created_at < ${p(f.createdBefore)}::timestamptz`;
  if (f.occurredAfter) sql += ` and occurred_at > ${p(f.occurredAfter)}::timestamptz`;
  if (f.occurredBefore) sql += ` and occurred_at < ${p(f.occurredBefore)}::timestamptz`;
  return sql;
}

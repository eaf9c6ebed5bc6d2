--! Previous: sha1:7a452d96bd842e9caf52d73688da543ed3622f82
--! Hash: sha1:3e0662f009361fd0910540b5de92df0159352314
--! Message: memory_terms checks its tenant key's length, not its format, on every term row

-- memory_terms' tenant-key check was a regular expression evaluated on every term row (a third
-- of the cost of writing a memory's terms, bench:ingest). Its rows are written only under the
-- policy's WITH CHECK (user_hash = the session's tenant) by the worker, which sealed the
-- memory (whose own key memory_chunks checks in full); the length check stays.
alter table memvault.memory_terms drop constraint if exists memory_terms_user_hash_format;
alter table memvault.memory_terms drop constraint if exists memory_terms_user_hash_size;
alter table memvault.memory_terms add constraint memory_terms_user_hash_size check (octet_length(user_hash) = 64);

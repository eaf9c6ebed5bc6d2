-- Reverse of 000024: the tenant key's format is checked on every term row again.
alter table memvault.memory_terms drop constraint if exists memory_terms_user_hash_size;
alter table memvault.memory_terms drop constraint if exists memory_terms_user_hash_format;
alter table memvault.memory_terms add constraint memory_terms_user_hash_format check (user_hash ~ '^[0-9a-f]{64}$');
